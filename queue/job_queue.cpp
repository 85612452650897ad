#include "queue/job_queue.h"

#include <openssl/evp.h>

#include <memory>

#include "common/encoding.h"
#include "common/json.h"
#include "queue/enqueue_script.h"

namespace triggerd {

// The enqueue script: one delivery's jobs, atomically and at most once per delivery.
// Compiled in, never read from disk; docs/redis-layout.md describes every key it touches.
//
// KEYS[1] delivery key, KEYS[2] jobs stream, KEYS[3] push key (content dedupe; used when
// ARGV[5] is "1"), then per job i (0-based):
//   KEYS[4+2i] the job record job:<id>, KEYS[5+2i] the user's recent jobs user:<u>:jobs
// ARGV[1] delivery TTL (s), ARGV[2] job record TTL (s), ARGV[3] recent jobs kept per user,
// ARGV[4] the JSON array of job ids, ARGV[5] "1" to dedupe on the push key, then per job i,
// from ARGV[6+8i]: id, job JSON, trigger, user, ref, sha, delivery, created_at
// Returns {1, stored ids JSON} for a delivery seen before, {2, stored ids JSON} for a push seen
// before under another delivery id (nothing written for either), else {0, ids JSON}.
//
// Writes happen only after the GET, so a refused first write (OOM) leaves nothing behind.
// No MAXLEN on XADD: trimming could drop jobs no runner has seen; runners XDEL what they finish.
const char* const kEnqueueScript = R"lua(
local seen = redis.call('GET', KEYS[1])
if seen then
  return {1, seen}
end
if ARGV[5] == '1' then
  local pushed = redis.call('GET', KEYS[3])
  if pushed then
    return {2, pushed}
  end
end
local n = (#ARGV - 5) / 8
for i = 0, n - 1 do
  local a = 6 + i * 8
  local entry = redis.call('XADD', KEYS[2], '*', 'job', ARGV[a + 1], 'id', ARGV[a])
  local record = KEYS[4 + 2 * i]
  redis.call('HSET', record, 'state', 'queued', 'stream_id', entry, 'trigger', ARGV[a + 2],
             'user', ARGV[a + 3], 'ref', ARGV[a + 4], 'sha', ARGV[a + 5],
             'delivery', ARGV[a + 6], 'created_at', ARGV[a + 7], 'updated_at', ARGV[a + 7])
  redis.call('EXPIRE', record, ARGV[2])
  local recent = KEYS[5 + 2 * i]
  redis.call('LPUSH', recent, ARGV[a])
  redis.call('LTRIM', recent, 0, tonumber(ARGV[3]) - 1)
end
redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[1])
if ARGV[5] == '1' then
  redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[1])
end
return {0, ARGV[4]}
)lua";

namespace {

constexpr size_t kArgsPerJob = 8;

std::string sha1Hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // SHA-1 only because EVALSHA names scripts by it; nothing here relies on its strength.
  if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr) != 1) return {};
  return hexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string idsJson(const std::vector<Job>& jobs) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartArray();
  for (const auto& j : jobs) json::str(w, j.id);
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<std::vector<std::string>> parseIds(std::string_view text) {
  auto doc = json::parse(text, "delivery");
  if (!doc) return Error::internal("stored delivery is not JSON: " + doc.error().message);
  if (!doc->IsArray()) return Error::internal("stored delivery is not a JSON array");
  std::vector<std::string> ids;
  for (const auto& v : doc->GetArray()) {
    if (!v.IsString()) return Error::internal("stored delivery holds a non-string job id");
    ids.emplace_back(v.GetString(), v.GetStringLength());
  }
  return ids;
}

Result<EnqueueOutcome> enqueueOutcome(Result<RedisValue> r) {
  if (!r) return r.error();
  const RedisValue& v = *r;
  // An error reply (OOM, READONLY replica, WRONGTYPE...) wrote nothing: 503 lets the caller
  // spool the delivery and retry.
  if (v.isError()) return Error::unavailable("redis refused the enqueue: " + v.str);
  if (v.type != RedisValue::Type::kArray || v.elements.size() != 2 ||
      v.elements[0].type != RedisValue::Type::kInteger || !v.elements[1].isString()) {
    return Error::internal("unexpected reply to the enqueue script");
  }
  auto ids = parseIds(v.elements[1].str);
  if (!ids) return ids.error();
  EnqueueOutcome out;
  out.duplicate = v.elements[0].integer == 1;
  out.replay = v.elements[0].integer == 2;
  out.job_ids = std::move(*ids);
  return out;
}

}  // namespace

JobQueue::JobQueue(RedisClient& redis, Keys keys, int64_t delivery_ttl_seconds,
                   std::string redis_address)
    : redis_(redis),
      keys_(std::move(keys)),
      delivery_ttl_seconds_(delivery_ttl_seconds),
      redis_address_(std::move(redis_address)),
      script_sha_(sha1Hex(kEnqueueScript)) {}

JobQueue::~JobQueue() {
  for (RedisRequestId id : in_flight_) redis_.cancel(id);
}

void JobQueue::send(std::vector<std::string> argv, RedisCallback cb, bool replicated) {
  // The callback runs on a later turn (RedisClient contract); `slot` copes with one that does not.
  struct Slot {
    RedisRequestId id = 0;
    bool done = false;
  };
  auto slot = std::make_shared<Slot>();
  auto done = [this, slot, cb = std::move(cb)](Result<RedisValue> r) {
    slot->done = true;
    in_flight_.erase(slot->id);
    cb(std::move(r));
  };
  RedisRequestId id = replicated && wait_replicas_ > 0
                          ? redis_.commandReplicated(std::move(argv), wait_replicas_, wait_timeout_,
                                                     std::move(done))
                          : redis_.command(std::move(argv), std::move(done));
  slot->id = id;
  if (!slot->done) in_flight_.insert(id);
}

void JobQueue::runEnqueueScript(std::vector<std::string> keys_and_args, size_t num_keys,
                                RedisCallback cb) {
  auto body = std::make_shared<std::vector<std::string>>(std::move(keys_and_args));
  std::vector<std::string> argv;
  argv.reserve(body->size() + 3);
  argv.push_back("EVALSHA");
  argv.push_back(script_sha_);
  argv.push_back(std::to_string(num_keys));
  argv.insert(argv.end(), body->begin(), body->end());
  send(
      std::move(argv),
      [this, body, num_keys, cb = std::move(cb)](Result<RedisValue> r) mutable {
        if (r.ok() && r->isError() && r->str.rfind("NOSCRIPT", 0) == 0) {
          // Nothing ran. EVAL sends the body this once and caches it for the next EVALSHA.
          std::vector<std::string> eval;
          eval.reserve(body->size() + 3);
          eval.push_back("EVAL");
          eval.push_back(kEnqueueScript);
          eval.push_back(std::to_string(num_keys));
          eval.insert(eval.end(), std::make_move_iterator(body->begin()),
                      std::make_move_iterator(body->end()));
          send(std::move(eval), std::move(cb), true);
          return;
        }
        cb(std::move(r));
      },
      true);
}

void JobQueue::enqueue(const std::string& trigger_id, const std::string& delivery_id,
                       const std::vector<Job>& jobs, std::function<void(Result<EnqueueOutcome>)> cb,
                       const std::string& push_key) {
  // Without a push key, KEYS[3] repeats the delivery key: declared, never read.
  std::vector<std::string> keys{
      keys_.delivery(trigger_id, delivery_id), keys_.jobs(),
      push_key.empty() ? keys_.delivery(trigger_id, delivery_id) : push_key};
  std::vector<std::string> args{
      std::to_string(delivery_ttl_seconds_), std::to_string(kJobRecordTtlSeconds),
      std::to_string(kRecentJobsPerUser), idsJson(jobs), push_key.empty() ? "0" : "1"};
  keys.reserve(3 + 2 * jobs.size());
  args.reserve(5 + kArgsPerJob * jobs.size());
  for (const Job& j : jobs) {
    keys.push_back(keys_.job(j.id));
    keys.push_back(keys_.userJobs(j.user));
    args.push_back(j.id);
    args.push_back(encodeJob(j));
    args.push_back(j.trigger_id);
    args.push_back(j.user);
    args.push_back(j.ref);
    args.push_back(j.commit.sha);
    args.push_back(j.delivery_id);
    args.push_back(j.received_at);
  }
  const size_t num_keys = keys.size();
  keys.insert(keys.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  runEnqueueScript(std::move(keys), num_keys, [cb = std::move(cb)](Result<RedisValue> r) {
    cb(enqueueOutcome(std::move(r)));
  });
}

void JobQueue::ensureConsumerGroup(std::function<void(Status)> cb) {
  std::string stream = keys_.jobs();
  send({"XGROUP", "CREATE", stream, std::string(Keys::kRunnersGroup), "0", "MKSTREAM"},
       [stream, cb = std::move(cb)](Result<RedisValue> r) {
         if (!r) return cb(r.error());
         // BUSYGROUP: it exists already, which is the state we want (and it is not reset).
         if (r->isError() && r->str.rfind("BUSYGROUP", 0) != 0) {
           return cb(Error::unavailable("cannot create consumer group " +
                                        std::string(Keys::kRunnersGroup) + " on " + stream + ": " +
                                        r->str));
         }
         cb(okStatus());
       });
}

void JobQueue::checkPersistence(std::function<void(Status)> cb) {
  std::string who = redis_address_.empty() ? "Redis" : "Redis at " + redis_address_;
  send({"CONFIG", "GET", "appendonly"}, [who, cb = std::move(cb)](Result<RedisValue> r) {
    if (!r) return cb(r.error());
    const RedisValue& v = *r;
    if (v.isError()) {
      return cb(Error::unavailable("cannot verify that " + who +
                                   " persists jobs: CONFIG GET appendonly failed (" + v.str +
                                   "); allow CONFIG or set redis.allow_volatile_redis = true"));
    }
    if (v.type != RedisValue::Type::kArray || v.elements.size() != 2 || !v.elements[1].isString()) {
      return cb(Error::unavailable("cannot verify that " + who +
                                   " persists jobs: CONFIG GET appendonly gave no value; set "
                                   "redis.allow_volatile_redis = true to skip the check"));
    }
    if (v.elements[1].str == "yes") return cb(okStatus());
    cb(Error::unavailable(who + " runs without AOF (appendonly " + v.elements[1].str +
                          "): acknowledged jobs would be lost on a crash; enable appendonly or "
                          "set redis.allow_volatile_redis = true"));
  });
}

}  // namespace triggerd
