#include "queue/job_queue.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>

#include "common/json.h"
#include "common/log.h"
#include "queue/enqueue_script.h"

namespace triggerd {

// The enqueue script: the jobs of one or more deliveries (or manual runs), atomically, each at
// most once per dedupe key. JobQueue groups the enqueues that arrive while the previous call is
// in flight into one call: Redis runs one script and writes its effects once for all of them.
// Compiled in, never read from disk; docs/redis-layout.md describes every key it touches.
//
// KEYS[1] the jobs stream; then per enqueue: its dedupe key (flag d), its push key (flag p), the
// latest jobs of its (trigger, ref) (flag s), each the stream key when its flag is absent, the
// trigger's job list, the user's job list, then the record of each of its jobs.
// ARGV[1] dedupe TTL (s), ARGV[2] record TTL (s), ARGV[3] trigger list length, ARGV[4] user
// list length, ARGV[5] now (unix s: created_at, and finished_at of what is superseded), ARGV[6]
// the record key prefix (job:), ARGV[7] F, then the F record field names a job's values fill
// (kNewRecordFieldNames); then per enqueue: flags (d, p, s), the JSON array of its job ids, the
// ids space-separated, its delivery id (kept with the push key), its job count m, and per job:
// id, job JSON and its F record values ("" leaves the field out).
// The push key holds "<ids JSON>\n<delivery id>": the same push again under the same delivery id
// is a redelivery, under another one a replay (one key tells both apart, so a webhook delivery
// needs no delivery key). A value without the line (written before) counts as a redelivery.
// Returns one reply per enqueue, in order: {1, stored ids} for a dedupe key seen before or a
// redelivery, {2, stored ids} for a push seen before under another delivery id (nothing written
// for either), else {0, ids, {id, stream id, ...} of the jobs it superseded, {stream id of each
// new job}}.
//
// The first write is the first XADD, so a refused write (OOM) leaves nothing behind. Supersede
// reaches the older records by name (ARGV[6] .. id), which a Cluster allows only within the
// script's slot: every queue key carries the queue's hash tag there (redis/keys.h), so the
// records it names are in the slot of its KEYS. The job lists get their ids, trim and TTL once
// per call.
// No MAXLEN on XADD: trimming could drop jobs no runner has seen; runners XDEL what they finish.
const LuaScript kEnqueueScript(R"lua(
local lists, order = {}, {}
local function list(key, id, length)
  local l = lists[key]
  if not l then
    l = {length = tonumber(length)}
    lists[key] = l
    order[#order + 1] = key
  end
  l[#l + 1] = id
end
local F, names = tonumber(ARGV[7]), {}
for f = 1, F do names[f] = ARGV[7 + f] end
local replies = {}
local a, k = 8 + F, 2
while a <= #ARGV do
  local flags, m = ARGV[a], tonumber(ARGV[a + 4])
  local d = string.find(flags, 'd', 1, true) ~= nil
  local p = string.find(flags, 'p', 1, true) ~= nil
  local s = string.find(flags, 's', 1, true) ~= nil
  local reply
  if d then
    local seen = redis.call('GET', KEYS[k])
    if seen then reply = {1, seen} end
  end
  if p and not reply then
    local pushed = redis.call('GET', KEYS[k + 1])
    if pushed then
      local ids, from = string.match(pushed, '^([^\n]*)\n(.*)$')
      if not ids then
        reply = {1, pushed}
      elseif from == ARGV[a + 3] then
        reply = {1, ids}
      else
        reply = {2, ids}
      end
    end
  end
  local j = a + 5
  if reply then
    j = j + m * (2 + F)
  else
    local entries = {}
    for i = 1, m do
      local id, record = ARGV[j], KEYS[k + 4 + i]
      local entry = redis.call('XADD', KEYS[1], '*', 'job', ARGV[j + 1], 'id', id)
      entries[i] = entry
      local fields = {'stream_id', entry, 'state', 'queued', 'created_at', ARGV[5]}
      for f = 1, F do
        local v = ARGV[j + 1 + f]
        if v ~= '' then
          fields[#fields + 1] = names[f]
          fields[#fields + 1] = v
        end
      end
      redis.call('HSET', record, unpack(fields))
      redis.call('EXPIRE', record, ARGV[2])
      list(KEYS[k + 3], id, ARGV[3])
      list(KEYS[k + 4], id, ARGV[4])
      j = j + 2 + F
    end
    local superseded = {}
    if m > 0 and s then
      -- This push's ids become the latest; the ones they replace are superseded if still queued.
      -- Their stream ids tell the caller whether the records it wrote are still as it wrote them
      -- (a job taken back or retried gets a new entry), so it need not read them back.
      local latest = redis.call('SET', KEYS[k + 2], ARGV[a + 2], 'EX', ARGV[2], 'GET')
      if latest then
        for old in string.gmatch(latest, '%S+') do
          local record = ARGV[6] .. old
          local now = redis.call('HMGET', record, 'state', 'stream_id')
          if now[1] == 'queued' then
            redis.call('HSET', record, 'state', 'superseded', 'finished_at', ARGV[5])
            superseded[#superseded + 1] = old
            superseded[#superseded + 1] = now[2] or ''
          end
        end
      end
    end
    if d then redis.call('SET', KEYS[k], ARGV[a + 1], 'EX', ARGV[1]) end
    if p then redis.call('SET', KEYS[k + 1], ARGV[a + 1] .. '\n' .. ARGV[a + 3], 'EX', ARGV[1]) end
    reply = {0, ARGV[a + 1], superseded, entries}
  end
  replies[#replies + 1] = reply
  a, k = j, k + 5 + m
end
-- The lists expire with their newest record: a quiet trigger's list names only expired jobs.
for _, key in ipairs(order) do
  local l = lists[key]
  redis.call('LPUSH', key, unpack(l))
  redis.call('LTRIM', key, 0, l.length - 1)
  redis.call('EXPIRE', key, ARGV[2])
end
return replies
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

// One enqueue's part of the script's reply. A new enqueue's ids are the ones it sent (the
// script echoes them); only a duplicate's or a replay's stored ids need reading.
Result<EnqueueOutcome> enqueueOutcome(const RedisValue& v, const std::vector<Job>& sent) {
  if (v.type != RedisValue::Type::kArray || v.elements.size() < 2 ||
      v.elements[0].type != RedisValue::Type::kInteger || !v.elements[1].isString()) {
    return Error::internal("unexpected reply to the enqueue script");
  }
  EnqueueOutcome out;
  out.duplicate = v.elements[0].integer == 1;
  out.replay = v.elements[0].integer == 2;
  if (out.duplicate || out.replay) {
    auto ids = parseIds(v.elements[1].str);
    if (!ids) return ids.error();
    out.job_ids = std::move(*ids);
  } else {
    out.job_ids.reserve(sent.size());
    for (const Job& j : sent) out.job_ids.push_back(j.id);
  }
  if (v.elements.size() > 2) {
    const auto& superseded = v.elements[2].elements;
    for (size_t i = 0; i + 1 < superseded.size(); i += 2) {
      out.superseded.push_back(superseded[i].str);
      out.superseded_entries.push_back(superseded[i + 1].str);
    }
  }
  if (v.elements.size() > 3) {
    for (const RedisValue& entry : v.elements[3].elements) out.entries.push_back(entry.str);
  }
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
      clock_(&kSystemClock) {}

void JobQueue::enqueue(EnqueueRequest request, std::function<void(Result<EnqueueOutcome>)> cb) {
  Pending p;
  std::string flags;
  if (!request.dedupe_key.empty()) flags += 'd';
  if (!request.push_key.empty()) flags += 'p';
  if (request.supersede) flags += 's';
  std::string ref = request.jobs.empty() ? std::string() : request.jobs.front().ref;
  // Keys a flag leaves unused repeat the stream key: declared, never touched.
  auto orStream = [this](const std::string& key) { return key.empty() ? keys_.jobs() : key; };
  p.keys = {orStream(request.dedupe_key), orStream(request.push_key),
            request.supersede ? keys_.latestJobs(request.trigger_id, ref) : keys_.jobs(),
            keys_.triggerJobs(request.trigger_id), keys_.userJobs(request.user)};
  std::string space_ids;
  for (const Job& j : request.jobs) space_ids += (space_ids.empty() ? "" : " ") + j.id;
  p.args = {std::move(flags), idsJson(request.jobs), std::move(space_ids), request.delivery_id,
            std::to_string(request.jobs.size())};
  p.args.reserve(p.args.size() + request.jobs.size() * (2 + kNewRecordFieldNames.size()));
  for (const Job& j : request.jobs) {
    p.keys.push_back(keys_.job(j.id));
    p.args.push_back(j.id);
    p.args.push_back(encodeJob(j));
    for (std::string& value : newRecordValues(j, request.requested_by))
      p.args.push_back(std::move(value));
  }
  p.request = std::move(request);
  p.cb = std::move(cb);
  pending_.push_back(std::move(p));
  if (in_flight_ < kMaxInFlight) flush();
}

void JobQueue::flush() {
  auto batch = std::make_shared<std::vector<Pending>>();
  size_t take = std::min(pending_.size(), kMaxBatch);
  batch->reserve(take);
  for (size_t i = 0; i < take; ++i) batch->push_back(std::move(pending_[i]));
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(take));

  std::vector<std::string> keys{keys_.jobs()};
  // One time for the call: the records' created_at, and what the commit statuses report.
  const int64_t now = clock_->unixSeconds();
  std::vector<std::string> args{std::to_string(delivery_ttl_seconds_),
                                std::to_string(retention_.record_ttl_seconds),
                                std::to_string(retention_.trigger_history),
                                std::to_string(retention_.user_history),
                                std::to_string(now),
                                keys_.job(""),
                                std::to_string(kNewRecordFieldNames.size())};
  args.insert(args.end(), kNewRecordFieldNames.begin(), kNewRecordFieldNames.end());
  for (Pending& p : *batch) {
    p.now = now;
    std::move(p.keys.begin(), p.keys.end(), std::back_inserter(keys));
    std::move(p.args.begin(), p.args.end(), std::back_inserter(args));
    p.keys = {};
    p.args = {};
  }
  ++in_flight_;
  ++calls_;
  redis_.evalReplicated(kEnqueueScript, std::move(keys), std::move(args), wait_replicas_,
                        wait_timeout_, [this, batch](Result<RedisValue> r) {
                          --in_flight_;
                          answer(*batch, std::move(r));
                          if (in_flight_ < kMaxInFlight && !pending_.empty()) flush();
                        });
}

void JobQueue::answer(std::vector<Pending>& batch, Result<RedisValue> r) {
  std::optional<Error> failed;
  if (!r) {
    failed = r.error();
  } else if (r->isError()) {
    // An error reply (OOM, READONLY replica, WRONGTYPE...) wrote nothing before its first XADD
    // and at worst some whole enqueues after it: 503 lets each caller spool its delivery and
    // retry, which the dedupe keys make harmless.
    failed = Error::unavailable("redis refused the enqueue: " + r->str);
  } else if (r->type != RedisValue::Type::kArray || r->elements.size() != batch.size()) {
    failed = Error::internal("unexpected reply to the enqueue script");
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    Pending& p = batch[i];
    Result<EnqueueOutcome> outcome =
        failed ? Result<EnqueueOutcome>(*failed) : enqueueOutcome(r->elements[i], p.request.jobs);
    p.cb(outcome);
    if (outcome.ok() && !outcome->duplicate && !outcome->replay) emit(p.request, *outcome, p.now);
  }
}

void JobQueue::enqueue(const std::string& trigger_id, const std::string& delivery_id,
                       const std::vector<Job>& jobs, std::function<void(Result<EnqueueOutcome>)> cb,
                       const std::string& push_key) {
  EnqueueRequest request;
  request.trigger_id = trigger_id;
  request.user = jobs.empty() ? std::string() : jobs.front().user;
  request.jobs = jobs;
  // The push key tells a redelivery from a replay by itself; the delivery key only serves
  // enqueues without one (spool records written by older versions).
  if (push_key.empty()) request.dedupe_key = keys_.delivery(trigger_id, delivery_id);
  request.push_key = push_key;
  request.delivery_id = delivery_id;
  request.supersede = true;
  enqueue(std::move(request), std::move(cb));
}

void JobQueue::emit(const EnqueueRequest& request, const EnqueueOutcome& outcome, int64_t now) {
  if (!sink_) return;
  for (size_t i = 0; i < request.jobs.size(); ++i) {
    JobRecord record = recordOfJob(request.jobs[i], request.requested_by, now);
    if (i < outcome.entries.size()) record.stream_id = outcome.entries[i];
    sink_(JobEvent{record, "queued", ""});
    recent_.remember(std::move(record));
  }
  if (outcome.superseded.empty()) return;
  std::string by = request.jobs.empty() ? std::string() : request.jobs.front().commit.sha;
  std::string detail = "superseded by a newer push (" + by.substr(0, 7) + ")";
  for (size_t i = 0; i < outcome.superseded.size(); ++i) {
    const std::string& id = outcome.superseded[i];
    std::optional<JobRecord> record = recent_.take(id, outcome.superseded_entries[i]);
    if (!record) {
      emitReadBack(id, detail);
      continue;
    }
    // What the script wrote to it.
    record->state = JobState::kSuperseded;
    record->finished_at = now;
    sink_(JobEvent{std::move(*record), detail, ""});
  }
}

void JobQueue::emitReadBack(const std::string& id, std::string detail) {
  redis_.command({"HGETALL", keys_.job(id)},
                 [this, id, detail = std::move(detail)](Result<RedisValue> r) {
                   // Unread, or gone (expired): its commit status stays as it was.
                   std::string failed;
                   if (!r) {
                     failed = r.error().message;
                   } else if (r->isError()) {
                     failed = r->str;
                   } else if (auto record = parseJobRecord(id, flatStrings(*r))) {
                     if (sink_) sink_(JobEvent{std::move(*record), detail, ""});
                     return;
                   } else {
                     failed = "no record";
                   }
                   TLOG_WARN("queue", "job=%s reason=%s superseded job's record not read",
                             id.c_str(), failed.c_str());
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
