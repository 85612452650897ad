#include "queue/job_queue.h"

#include <memory>

#include "common/json.h"
#include "common/log.h"
#include "queue/enqueue_script.h"

namespace triggerd {

// The enqueue script: one delivery's (or manual run's) jobs, atomically and at most once per
// dedupe key. Compiled in, never read from disk; docs/redis-layout.md describes every key it
// touches.
//
// KEYS[1] dedupe key (flag d), KEYS[2] jobs stream, KEYS[3] push key (flag p), KEYS[4] latest
// jobs of (trigger, ref) (flag s), KEYS[5] the trigger's job list, KEYS[6] the user's job list,
// then KEYS[7 + i] the record of job i.
// ARGV[1] dedupe TTL (s), ARGV[2] record TTL (s), ARGV[3] trigger list length, ARGV[4] user
// list length, ARGV[5] the JSON array of job ids, ARGV[6] flags (d, p, s), ARGV[7] now (unix s),
// ARGV[8] the record key prefix (job:), ARGV[9] the job ids space-separated, then per job from
// ARGV[10]: id, job JSON, n, and n field/value pairs of its record.
// Returns {1, stored ids} for a dedupe key seen before, {2, stored ids} for a push seen before
// under another delivery id (nothing written for either), else {0, ids, {superseded ids}}.
//
// The first write is the first XADD, so a refused write (OOM) leaves nothing behind. Supersede
// reaches the older records by name (ARGV[8] .. id): triggerd needs one Redis, not a Cluster.
// No MAXLEN on XADD: trimming could drop jobs no runner has seen; runners XDEL what they finish.
const LuaScript kEnqueueScript(R"lua(
local flags = ARGV[6]
local function has(flag) return string.find(flags, flag, 1, true) ~= nil end
if has('d') then
  local seen = redis.call('GET', KEYS[1])
  if seen then return {1, seen} end
end
if has('p') then
  local pushed = redis.call('GET', KEYS[3])
  if pushed then return {2, pushed} end
end
local a, k = 10, 7
while a <= #ARGV do
  local id, n = ARGV[a], tonumber(ARGV[a + 2])
  local entry = redis.call('XADD', KEYS[2], '*', 'job', ARGV[a + 1], 'id', id)
  redis.call('HSET', KEYS[k], 'stream_id', entry, unpack(ARGV, a + 3, a + 2 + 2 * n))
  redis.call('EXPIRE', KEYS[k], ARGV[2])
  redis.call('LPUSH', KEYS[5], id)
  redis.call('LPUSH', KEYS[6], id)
  a, k = a + 3 + 2 * n, k + 1
end
local superseded = {}
if k > 7 then
  -- The lists expire with their newest record: a quiet trigger's list names only expired jobs.
  redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[3]) - 1)
  redis.call('EXPIRE', KEYS[5], ARGV[2])
  redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[4]) - 1)
  redis.call('EXPIRE', KEYS[6], ARGV[2])
  if has('s') then
    local latest = redis.call('GET', KEYS[4])
    if latest then
      for old in string.gmatch(latest, '%S+') do
        local record = ARGV[8] .. old
        if redis.call('HGET', record, 'state') == 'queued' then
          redis.call('HSET', record, 'state', 'superseded', 'finished_at', ARGV[7])
          superseded[#superseded + 1] = old
        end
      end
    end
    redis.call('SET', KEYS[4], ARGV[9], 'EX', ARGV[2])
  end
end
if has('d') then redis.call('SET', KEYS[1], ARGV[5], 'EX', ARGV[1]) end
if has('p') then redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[1]) end
return {0, ARGV[5], superseded}
)lua");

namespace {

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
  if (v.type != RedisValue::Type::kArray || v.elements.size() < 2 ||
      v.elements[0].type != RedisValue::Type::kInteger || !v.elements[1].isString()) {
    return Error::internal("unexpected reply to the enqueue script");
  }
  auto ids = parseIds(v.elements[1].str);
  if (!ids) return ids.error();
  EnqueueOutcome out;
  out.duplicate = v.elements[0].integer == 1;
  out.replay = v.elements[0].integer == 2;
  out.job_ids = std::move(*ids);
  if (v.elements.size() > 2)
    for (const auto& s : v.elements[2].elements) out.superseded.push_back(s.str);
  return out;
}

const SystemClock kSystemClock;

}  // namespace

JobQueue::JobQueue(RedisClient& redis, Keys keys, int64_t delivery_ttl_seconds,
                   std::string redis_address)
    : redis_(redis),
      keys_(std::move(keys)),
      delivery_ttl_seconds_(delivery_ttl_seconds),
      redis_address_(std::move(redis_address)),
      clock_(&kSystemClock),
      records_(redis, keys_) {}

void JobQueue::enqueue(EnqueueRequest request, std::function<void(Result<EnqueueOutcome>)> cb) {
  std::string flags;
  if (!request.dedupe_key.empty()) flags += 'd';
  if (!request.push_key.empty()) flags += 'p';
  if (request.supersede) flags += 's';
  std::string ref = request.jobs.empty() ? std::string() : request.jobs.front().ref;
  // Keys a flag leaves unused repeat the stream key: declared, never touched.
  auto orStream = [this](const std::string& key) { return key.empty() ? keys_.jobs() : key; };
  std::vector<std::string> keys{
      orStream(request.dedupe_key),
      keys_.jobs(),
      orStream(request.push_key),
      request.supersede ? keys_.latestJobs(request.trigger_id, ref) : keys_.jobs(),
      keys_.triggerJobs(request.trigger_id),
      keys_.userJobs(request.user)};
  int64_t now = clock_->unixSeconds();
  std::string space_ids;
  for (const Job& j : request.jobs) space_ids += (space_ids.empty() ? "" : " ") + j.id;
  std::vector<std::string> args{std::to_string(delivery_ttl_seconds_),
                                std::to_string(retention_.record_ttl_seconds),
                                std::to_string(retention_.trigger_history),
                                std::to_string(retention_.user_history),
                                idsJson(request.jobs),
                                flags,
                                std::to_string(now),
                                keys_.job(""),
                                space_ids};
  for (const Job& j : request.jobs) {
    keys.push_back(keys_.job(j.id));
    auto fields = newRecordFields(j, request.requested_by, now);
    args.push_back(j.id);
    args.push_back(encodeJob(j));
    args.push_back(std::to_string(fields.size()));
    for (auto& [name, value] : fields) {
      args.push_back(std::move(name));
      args.push_back(std::move(value));
    }
  }
  auto shared = std::make_shared<EnqueueRequest>(std::move(request));
  redis_.eval(kEnqueueScript, std::move(keys), std::move(args),
              [this, shared, now, cb = std::move(cb)](Result<RedisValue> r) {
                auto outcome = enqueueOutcome(std::move(r));
                cb(outcome);
                if (outcome.ok() && !outcome->duplicate && !outcome->replay)
                  emit(*shared, *outcome, now);
              });
}

void JobQueue::enqueue(const std::string& trigger_id, const std::string& delivery_id,
                       const std::vector<Job>& jobs, std::function<void(Result<EnqueueOutcome>)> cb,
                       const std::string& push_key) {
  EnqueueRequest request;
  request.trigger_id = trigger_id;
  request.user = jobs.empty() ? std::string() : jobs.front().user;
  request.jobs = jobs;
  request.dedupe_key = keys_.delivery(trigger_id, delivery_id);
  request.push_key = push_key;
  request.supersede = true;
  enqueue(std::move(request), std::move(cb));
}

void JobQueue::emit(const EnqueueRequest& request, const EnqueueOutcome& outcome, int64_t now) {
  if (!sink_) return;
  for (const Job& j : request.jobs)
    sink_(JobEvent{recordOfJob(j, request.requested_by, now), "queued", ""});
  if (outcome.superseded.empty()) return;
  std::string by = request.jobs.empty() ? std::string() : request.jobs.front().commit.sha;
  records_.getMany(outcome.superseded, [this, by](Result<std::vector<JobRecord>> records) {
    if (!records.ok()) {
      TLOG_WARN("queue", "reason=%s superseded jobs not reported", records.error().message.c_str());
      return;
    }
    for (auto& rec : *records) {
      // Only what this enqueue superseded (a runner may have started it meanwhile: not ours).
      if (rec.state != JobState::kSuperseded) continue;
      sink_(JobEvent{std::move(rec), "superseded by a newer push (" + by.substr(0, 7) + ")", ""});
    }
  });
}

void JobQueue::createGroup(const std::string& stream, std::string_view group,
                           std::function<void(Status)> cb) {
  redis_.command(
      {"XGROUP", "CREATE", stream, std::string(group), "0", "MKSTREAM"},
      [stream, group, cb = std::move(cb)](Result<RedisValue> r) {
        if (!r) return cb(r.error());
        // BUSYGROUP: it exists already, which is the state we want (and it is not
        // reset).
        if (r->isError() && r->str.rfind("BUSYGROUP", 0) != 0) {
          return cb(Error::unavailable("cannot create consumer group " + std::string(group) +
                                       " on " + stream + ": " + r->str));
        }
        cb(okStatus());
      });
}

void JobQueue::ensureConsumerGroup(std::function<void(Status)> cb) {
  createGroup(keys_.jobs(), Keys::kRunnersGroup, [this, cb = std::move(cb)](Status st) {
    if (!st.ok()) return cb(st);
    createGroup(keys_.status(), Keys::kStatusGroup, cb);
  });
}

void JobQueue::checkPersistence(std::function<void(Status)> cb) {
  std::string who = redis_address_.empty() ? "Redis" : "Redis at " + redis_address_;
  redis_.command({"CONFIG", "GET", "appendonly"}, [who, cb = std::move(cb)](Result<RedisValue> r) {
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
