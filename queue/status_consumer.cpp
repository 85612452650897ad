#include "queue/status_consumer.h"

#include <chrono>

#include "common/encoding.h"
#include "common/log.h"
#include "queue/job_records.h"
#include "redis/reply.h"

namespace triggerd {
namespace {

// Applies one report to its record. KEYS[1] the job record, KEYS[2] its log stream.
// ARGV[1] state, ARGV[2] runner, ARGV[3] attempt, ARGV[4] message, ARGV[5] at (unix s),
// ARGV[6] the log's TTL (s).
// Returns {0} when the record is gone, {2} for another attempt than the record's, {3} when the
// record is final already; else {1, the record (HGETALL), the clone credential to revoke}.
const LuaScript kApplyScript(R"lua(
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt', 'cred')
if not cur[1] then return {0} end
if cur[2] ~= ARGV[3] then return {2} end
if cur[1] ~= 'queued' and cur[1] ~= 'running' then return {3} end
local released = ''
if ARGV[1] == 'running' then
  redis.call('HSET', KEYS[1], 'state', 'running', 'runner', ARGV[2])
  redis.call('HSETNX', KEYS[1], 'started_at', ARGV[5])
else
  redis.call('HSET', KEYS[1], 'state', ARGV[1], 'runner', ARGV[2], 'finished_at', ARGV[5])
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
  redis.call('HDEL', KEYS[1], 'stream_id', 'cred')
  released = cur[3] or ''
end
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {1, redis.call('HGETALL', KEYS[1]), released}
)lua");

// XACK and XDEL of the handled entries. KEYS[1] the status stream; ARGV[1] the group, then ids.
const LuaScript kAckScript(R"lua(
redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
)lua");

bool looksLikeJobId(std::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}

using Entries = std::vector<std::pair<std::string, std::vector<std::string>>>;

// [[id, [field, value, ...]], ...] as stream replies hold them; deleted entries (nil fields) too.
Entries entriesOf(const RedisValue& list) {
  Entries out;
  for (const auto& e : list.elements) {
    if (e.elements.size() < 2) continue;
    out.emplace_back(e.elements[0].str, flatStrings(e.elements[1]));
  }
  return out;
}

}  // namespace

Result<StatusReport> parseStatusReport(const std::string& entry_id,
                                       const std::vector<std::string>& fields, int64_t now_unix) {
  StatusReport r;
  r.entry_id = entry_id;
  r.at = now_unix;
  std::string attempt, at;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& k = fields[i];
    const std::string& v = fields[i + 1];
    if (k == "job") r.job = v;
    if (k == "state") r.state = v;
    if (k == "runner") r.runner = v;
    if (k == "attempt") attempt = v;
    if (k == "message") r.message = v;
    if (k == "at") at = v;
  }
  if (!looksLikeJobId(r.job)) return Error::badRequest("job", "not a job id (26 characters)");
  if (r.state != "running" && r.state != "success" && r.state != "failure" && r.state != "canceled")
    return Error::badRequest("state", "must be running, success, failure or canceled");
  if (r.runner.empty() || r.runner.size() > 200)
    return Error::badRequest("runner", "the runner's consumer name, 1 to 200 bytes");
  if (attempt.empty() || attempt.size() > 6 ||
      attempt.find_first_not_of("0123456789") != std::string::npos || attempt == "0")
    return Error::badRequest("attempt", "the job's attempt, an integer from 1");
  r.attempt = std::stoi(attempt);
  if (!isValidUtf8(r.message)) r.message = replaceInvalidUtf8(r.message);
  r.message = clipUtf8(r.message, StatusConsumer::kMaxMessage);
  std::chrono::system_clock::time_point t;
  if (!at.empty() && parseIso8601(at, &t))
    r.at = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return r;
}

StatusConsumer::StatusConsumer(EventLoop& loop, RedisClient& redis, Keys keys, Metrics& metrics,
                               const Clock& clock, std::string consumer_name,
                               StatusConsumerOptions options)
    : loop_(loop),
      redis_(redis),
      keys_(std::move(keys)),
      metrics_(metrics),
      clock_(clock),
      consumer_(std::move(consumer_name)),
      options_(options) {
  timer_ = loop_.createTimer([this] {
    if (!running_) return;
    auto now = clock_.monotonic();
    if (now - last_claim_ >= options_.claim_interval) {
      last_claim_ = now;
      claimOnce([this](size_t) { schedule(std::chrono::milliseconds(0)); });
      return;
    }
    pollOnce([this](size_t handled) {
      schedule(handled >= static_cast<size_t>(options_.batch) ? std::chrono::milliseconds(0)
                                                              : options_.poll_interval);
    });
  });
}

StatusConsumer::~StatusConsumer() = default;

void StatusConsumer::start() {
  running_ = true;
  last_claim_ = clock_.monotonic() - options_.claim_interval;  // take over at once
  schedule(std::chrono::milliseconds(0));
}

void StatusConsumer::stop() {
  running_ = false;
  timer_->disarm();
}

void StatusConsumer::schedule(std::chrono::milliseconds after) {
  if (running_) timer_->arm(after);
}

void StatusConsumer::count(const char* outcome) {
  metrics_.inc("triggerd_status_reports_total", {{"outcome", outcome}});
}

void StatusConsumer::pollOnce(std::function<void(size_t)> done) {
  redis_.command({"XREADGROUP", "GROUP", std::string(Keys::kStatusGroup), consumer_, "COUNT",
                  std::to_string(options_.batch), "STREAMS", keys_.status(), ">"},
                 [this, done = std::move(done)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "reading the status stream");
                   if (!v.ok()) {
                     // The stream or group was deleted under us (runners' XADD recreates the
                     // stream, not the group): make the group again, from the start.
                     if (v.error().message.find("NOGROUP") != std::string::npos)
                       redis_.command({"XGROUP", "CREATE", keys_.status(),
                                       std::string(Keys::kStatusGroup), "0", "MKSTREAM"},
                                      [](Result<RedisValue>) {});
                     // Once per outage, not once per poll.
                     if (!failing_)
                       TLOG_WARN("status", "reason=%s status stream not read",
                                 v.error().message.c_str());
                     failing_ = true;
                     return done(0);
                   }
                   if (failing_) TLOG_INFO("status", "status stream read again");
                   failing_ = false;
                   Entries entries;
                   // [[stream, [[id, fields], ...]]], or nil when there is nothing new.
                   for (const auto& stream : v->elements)
                     if (stream.elements.size() == 2) entries = entriesOf(stream.elements[1]);
                   handleBatch(std::move(entries), done);
                 });
}

void StatusConsumer::claimOnce(std::function<void(size_t)> done) {
  redis_.command(
      {"XAUTOCLAIM", keys_.status(), std::string(Keys::kStatusGroup), consumer_,
       std::to_string(options_.claim_idle.count()), "0-0", "COUNT", std::to_string(options_.batch)},
      [this, done = std::move(done)](Result<RedisValue> r) {
        auto v = expectReply(std::move(r), "taking over status reports");
        if (!v.ok() || v->elements.size() < 2) {
          if (!v.ok())
            TLOG_WARN("status", "reason=%s abandoned reports not taken over",
                      v.error().message.c_str());
          return done(0);
        }
        handleBatch(entriesOf(v->elements[1]), done);
      });
}

void StatusConsumer::handleBatch(Entries entries, std::function<void(size_t)> done) {
  if (entries.empty()) return done(0);
  // The applies are pipelined on the one connection, so Redis runs them in stream order.
  struct Batch {
    size_t pending = 0;
    size_t total = 0;
    std::vector<std::string> ack;
    std::function<void(size_t)> done;
  };
  auto batch = std::make_shared<Batch>();
  batch->pending = batch->total = entries.size();
  batch->done = std::move(done);
  auto finishOne = [this, batch](const std::string& id, bool ack) {
    if (ack) batch->ack.push_back(id);
    if (--batch->pending > 0) return;
    size_t total = batch->total;
    if (batch->ack.empty()) return batch->done(total);
    acknowledge(std::move(batch->ack), [batch, total] { batch->done(total); });
  };
  int64_t now = clock_.unixSeconds();
  for (auto& [id, fields] : entries) {
    auto report = parseStatusReport(id, fields, now);
    if (!report.ok()) {
      // Unusable: nothing can ever apply it. Dropped, logged and counted.
      TLOG_WARN("status", "entry=%s field=%s reason=%s report dropped", id.c_str(),
                report.error().field.c_str(), report.error().message.c_str());
      count("invalid");
      finishOne(id, true);
      continue;
    }
    apply(*report, [finishOne, id = id](bool ack) { finishOne(id, ack); });
  }
}

void StatusConsumer::apply(const StatusReport& report, std::function<void(bool)> done) {
  redis_.eval(kApplyScript, {keys_.job(report.job), keys_.jobLog(report.job)},
              {report.state, report.runner, std::to_string(report.attempt), report.message,
               std::to_string(report.at), std::to_string(options_.log_ttl_seconds)},
              [this, report, done = std::move(done)](Result<RedisValue> r) {
                auto v = expectReply(std::move(r), "applying a status report");
                if (!v.ok()) {
                  // Left pending: taken over and tried again after claim_idle.
                  TLOG_WARN("status", "job=%s reason=%s report not applied yet", report.job.c_str(),
                            v.error().message.c_str());
                  return done(false);
                }
                int64_t code = v->elements.empty() ? -1 : v->elements[0].integer;
                if (code != 1) {
                  const char* outcome = code == 0 ? "missing" : code == 2 ? "stale" : "final";
                  TLOG_DEBUG("status", "job=%s state=%s attempt=%d runner=%s report ignored: %s",
                             report.job.c_str(), report.state.c_str(), report.attempt,
                             log::logValue(report.runner, 80).c_str(), outcome);
                  count(outcome);
                  return done(true);
                }
                count("applied");
                auto record = v->elements.size() > 1
                                  ? parseJobRecord(report.job, flatStrings(v->elements[1]))
                                  : std::nullopt;
                TLOG_INFO("status", "job=%s state=%s attempt=%d runner=%s", report.job.c_str(),
                          report.state.c_str(), report.attempt,
                          log::logValue(report.runner, 80).c_str());
                if (record && sink_) {
                  std::string released = v->elements.size() > 2 ? v->elements[2].str : "";
                  std::string detail =
                      report.state == "running" ? "building on " + report.runner : report.message;
                  sink_(JobEvent{std::move(*record), std::move(detail), std::move(released)});
                }
                done(true);
              });
}

void StatusConsumer::acknowledge(std::vector<std::string> ids, std::function<void()> done) {
  std::vector<std::string> args{std::string(Keys::kStatusGroup)};
  args.insert(args.end(), ids.begin(), ids.end());
  redis_.eval(kAckScript, {keys_.status()}, std::move(args),
              [done = std::move(done)](Result<RedisValue> r) {
                auto v = expectReply(std::move(r), "acknowledging status reports");
                // Not acknowledged: taken over after claim_idle and found final or stale then.
                if (!v.ok())
                  TLOG_WARN("status", "reason=%s reports not acknowledged",
                            v.error().message.c_str());
                done();
              });
}

}  // namespace triggerd
