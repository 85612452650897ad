#include "store/sealed_records.h"

#include <memory>

#include "redis/reply.h"
#include "store/scripts.h"

namespace triggerd {

// KEYS[1] the record, KEYS[2..] index sets; ARGV[1] the text, ARGV[2] the cap on the first
// index (0: none), ARGV[3..] index members.
const char* const kCreateScript = R"lua(
local cap = tonumber(ARGV[2])
if cap > 0 and #KEYS > 1 and redis.call('SCARD', KEYS[2]) >= cap then return -1 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
for i = 2, #KEYS do redis.call('SADD', KEYS[i], ARGV[i + 1]) end
return 1
)lua";

// KEYS[1] the record, KEYS[2..] index sets; ARGV[1..] index members.
const char* const kRemoveScript = R"lua(
local n = redis.call('DEL', KEYS[1])
for i = 2, #KEYS do redis.call('SREM', KEYS[i], ARGV[i - 1]) end
return n
)lua";

const char* const kCompareAndSetScript = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
)lua";

namespace {

std::vector<std::string> scriptCall(const char* script, const std::string& key,
                                    const std::vector<IndexEntry>& indexes) {
  std::vector<std::string> argv{"EVAL", script, std::to_string(1 + indexes.size()), key};
  for (const auto& i : indexes) argv.push_back(i.set_key);
  return argv;
}

}  // namespace

SealedRecords::SealedRecords(RedisClient& redis, const Keyring& keyring, Random& rng)
    : redis_(redis), keyring_(keyring), rng_(rng) {}

std::string SealedRecords::seal(std::string_view clear, std::string_view binding) const {
  return keyring_.seal(clear, binding, rng_);
}

Result<SecretString> SealedRecords::open(std::string_view sealed, std::string_view binding,
                                         std::string_view what) const {
  auto clear = keyring_.open(sealed, binding);
  if (!clear.ok())
    return Error::internal("cannot open " + std::string(what) + ": " + clear.error().message);
  return clear;
}

void SealedRecords::create(const std::string& key, const std::vector<IndexEntry>& indexes,
                           std::string text, std::function<void(Result<Created>)> cb,
                           size_t max_first_index) {
  auto argv = scriptCall(kCreateScript, key, indexes);
  argv.push_back(std::move(text));
  argv.push_back(std::to_string(max_first_index));
  for (const auto& i : indexes) argv.push_back(i.member);
  redis_.command(std::move(argv), [key, cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "creating " + key);
    if (!v.ok()) return cb(v.error());
    cb(v->integer == 1 ? Created::kYes : v->integer == 0 ? Created::kExists : Created::kIndexFull);
  });
}

void SealedRecords::replace(const std::string& key, std::string text,
                            std::function<void(Result<bool>)> cb) {
  redis_.command({"SET", key, std::move(text), "XX"},
                 [key, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "writing " + key);
                   if (!v.ok()) return cb(v.error());
                   cb(!v->isNil());
                 });
}

void SealedRecords::compareAndSet(const std::string& key, std::string expected, std::string text,
                                  std::function<void(Result<bool>)> cb) {
  redis_.command({"EVAL", kCompareAndSetScript, "1", key, std::move(expected), std::move(text)},
                 [key, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "updating " + key);
                   if (!v.ok()) return cb(v.error());
                   cb(v->integer == 1);
                 });
}

void SealedRecords::update(const std::string& key, Modify modify,
                           std::function<void(Result<std::optional<std::string>>)> cb) {
  updateAttempt(key, std::move(modify), 1, std::move(cb));
}

void SealedRecords::updateAttempt(std::string key, Modify modify, int attempt,
                                  std::function<void(Result<std::optional<std::string>>)> cb) {
  get(key, [this, key, modify = std::move(modify), attempt,
            cb = std::move(cb)](Result<std::optional<std::string>> current) mutable {
    if (!current.ok()) return cb(current.error());
    if (!current->has_value()) return cb(std::optional<std::string>{});
    auto next = modify(**current);
    if (!next.ok()) return cb(next.error());
    if (!next->has_value()) return cb(std::move(current).value());
    std::string text = **next;
    compareAndSet(key, **current, text,
                  [this, key, modify = std::move(modify), attempt, text,
                   cb = std::move(cb)](Result<bool> set) mutable {
                    if (!set.ok()) return cb(set.error());
                    if (*set) return cb(std::optional<std::string>(std::move(text)));
                    if (attempt >= kUpdateAttempts)
                      return cb(Error::unavailable(key + " kept changing while being updated; "
                                                         "try again"));
                    updateAttempt(std::move(key), std::move(modify), attempt + 1, std::move(cb));
                  });
  });
}

void SealedRecords::get(const std::string& key,
                        std::function<void(Result<std::optional<std::string>>)> cb) {
  redis_.command({"GET", key}, [key, cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "reading " + key);
    if (!v.ok()) return cb(v.error());
    if (v->isNil()) return cb(std::optional<std::string>{});
    cb(std::optional<std::string>(std::move(v->str)));
  });
}

void SealedRecords::getMany(
    std::vector<std::string> keys,
    std::function<void(Result<std::vector<std::optional<std::string>>>)> cb) {
  if (keys.empty()) return cb(std::vector<std::optional<std::string>>{});
  std::vector<std::string> argv{"MGET"};
  argv.insert(argv.end(), std::make_move_iterator(keys.begin()),
              std::make_move_iterator(keys.end()));
  redis_.command(std::move(argv), [cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "reading records");
    if (!v.ok()) return cb(v.error());
    std::vector<std::optional<std::string>> out;
    out.reserve(v->elements.size());
    for (auto& e : v->elements) {
      if (e.isNil())
        out.emplace_back();
      else
        out.emplace_back(std::move(e.str));
    }
    cb(std::move(out));
  });
}

void SealedRecords::members(const std::string& set_key,
                            std::function<void(Result<std::vector<std::string>>)> cb) {
  redis_.command({"SMEMBERS", set_key}, [set_key, cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "listing " + set_key);
    if (!v.ok()) return cb(v.error());
    std::vector<std::string> out;
    out.reserve(v->elements.size());
    for (auto& e : v->elements) out.push_back(std::move(e.str));
    cb(std::move(out));
  });
}

void SealedRecords::remove(const std::string& key, const std::vector<IndexEntry>& indexes,
                           std::function<void(Result<bool>)> cb) {
  auto argv = scriptCall(kRemoveScript, key, indexes);
  for (const auto& i : indexes) argv.push_back(i.member);
  redis_.command(std::move(argv), [key, cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "deleting " + key);
    if (!v.ok()) return cb(v.error());
    cb(v->integer > 0);
  });
}

}  // namespace triggerd
