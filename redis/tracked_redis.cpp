#include "redis/tracked_redis.h"

#include <openssl/evp.h>

#include <memory>

#include "common/encoding.h"

namespace triggerd {
namespace {

std::string sha1Hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // SHA-1 only because EVALSHA names scripts by it; nothing here relies on its strength.
  if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr) != 1) return {};
  return hexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

}  // namespace

LuaScript::LuaScript(std::string text) : text_(std::move(text)), sha_(sha1Hex(text_)) {}

TrackedRedis::~TrackedRedis() {
  for (RedisRequestId id : in_flight_) redis_.cancel(id);
}

void TrackedRedis::command(std::vector<std::string> argv, RedisCallback cb) {
  // The callback runs on a later turn (RedisClient contract); `slot` copes with one that does not.
  struct Slot {
    RedisRequestId id = 0;
    bool done = false;
  };
  auto slot = std::make_shared<Slot>();
  RedisRequestId id =
      redis_.command(std::move(argv), [this, slot, cb = std::move(cb)](Result<RedisValue> r) {
        slot->done = true;
        in_flight_.erase(slot->id);
        cb(std::move(r));
      });
  slot->id = id;
  if (!slot->done) in_flight_.insert(id);
}

void TrackedRedis::eval(const LuaScript& script, std::vector<std::string> keys,
                        std::vector<std::string> args, RedisCallback cb) {
  auto body = std::make_shared<std::vector<std::string>>();
  body->reserve(keys.size() + args.size());
  std::string num_keys = std::to_string(keys.size());
  for (auto& k : keys) body->push_back(std::move(k));
  for (auto& a : args) body->push_back(std::move(a));
  std::vector<std::string> argv;
  argv.reserve(body->size() + 3);
  argv.push_back("EVALSHA");
  argv.push_back(script.sha());
  argv.push_back(num_keys);
  argv.insert(argv.end(), body->begin(), body->end());
  command(std::move(argv),
          [this, &script, body, num_keys, cb = std::move(cb)](Result<RedisValue> r) mutable {
            if (r.ok() && r->isError() && r->str.rfind("NOSCRIPT", 0) == 0) {
              // Nothing ran. EVAL sends the body this once and caches it for the next EVALSHA.
              std::vector<std::string> eval;
              eval.reserve(body->size() + 3);
              eval.push_back("EVAL");
              eval.push_back(script.text());
              eval.push_back(num_keys);
              eval.insert(eval.end(), std::make_move_iterator(body->begin()),
                          std::make_move_iterator(body->end()));
              command(std::move(eval), std::move(cb));
              return;
            }
            cb(std::move(r));
          });
}

}  // namespace triggerd
