#include "queue/reclaimer.h"

#include <vector>

#include "common/log.h"
#include "queue/job.h"
#include "queue/job_records.h"
#include "redis/reply.h"

namespace triggerd {
namespace {

// Takes one claimed entry back. KEYS[1] the job stream, KEYS[2] the dead-letter stream, KEYS[3]
// the job record, KEYS[4] its log.
// ARGV[1] the claimed entry id, ARGV[2] the runners' group, ARGV[3] the job JSON with the next
// attempt, ARGV[4] the job id, ARGV[5] max attempts, ARGV[6] now (unix s), ARGV[7] now (RFC
// 3339), ARGV[8] why the attempt is taken back, ARGV[9] the job JSON as claimed, ARGV[10] the
// log's TTL (s), ARGV[11] the claimed entry's attempt ("" when unreadable).
// Returns {0} when a runner acknowledged the entry meanwhile (nothing done), {1} when the record
// is gone, {2} when the job is final, {3} when the entry is an older attempt (these three drop
// the entry); {4, record, credential} when the job went to the dead-letter stream; {5, record,
// credential} when it was queued again.
const LuaScript kReclaimScript(R"lua(
if redis.call('XACK', KEYS[1], ARGV[2], ARGV[1]) == 0 then return {0} end
redis.call('XDEL', KEYS[1], ARGV[1])
local rec = redis.call('HMGET', KEYS[3], 'state', 'attempt', 'base', 'runner', 'cred')
if ARGV[11] == '' then
  -- Unreadable: nothing can build it, however many attempts are left.
  local dead = redis.call('XADD', KEYS[2], '*', 'job', ARGV[9], 'id', ARGV[4], 'error', ARGV[8],
                          'attempts', rec[2] or '0', 'at', ARGV[7])
  if rec[1] == 'queued' or rec[1] == 'running' then
    redis.call('HSET', KEYS[3], 'state', 'dead', 'error', ARGV[8], 'finished_at', ARGV[6],
               'dead_id', dead)
    redis.call('HDEL', KEYS[3], 'stream_id', 'cred')
  end
  return {4, redis.call('HGETALL', KEYS[3]), rec[5] or ''}
end
if not rec[1] then return {1} end
if rec[1] ~= 'queued' and rec[1] ~= 'running' then return {2} end
if rec[2] ~= ARGV[11] then return {3} end
local attempt = tonumber(rec[2])
local reason = ARGV[8]
if rec[4] then reason = reason .. ' on runner ' .. rec[4] end
local released = rec[5] or ''
redis.call('HDEL', KEYS[3], 'cred')
redis.call('EXPIRE', KEYS[4], ARGV[10])
if attempt - tonumber(rec[3] or '0') >= tonumber(ARGV[5]) then
  local dead = redis.call('XADD', KEYS[2], '*', 'job', ARGV[9], 'id', ARGV[4], 'error', reason,
                          'attempts', rec[2], 'at', ARGV[7])
  redis.call('HSET', KEYS[3], 'state', 'dead', 'error', reason, 'finished_at', ARGV[6],
             'dead_id', dead)
  redis.call('HDEL', KEYS[3], 'stream_id')
  return {4, redis.call('HGETALL', KEYS[3]), released}
end
local entry = redis.call('XADD', KEYS[1], '*', 'job', ARGV[3], 'id', ARGV[4])
redis.call('HSET', KEYS[3], 'state', 'queued', 'attempt', attempt + 1, 'stream_id', entry,
           'error', reason)
redis.call('HDEL', KEYS[3], 'runner', 'started_at')
return {5, redis.call('HGETALL', KEYS[3]), released}
)lua");

std::string shortDuration(int64_t seconds) {
  if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

std::string fieldOf(const std::vector<std::string>& fields, std::string_view name) {
  for (size_t i = 0; i + 1 < fields.size(); i += 2)
    if (fields[i] == name) return fields[i + 1];
  return {};
}

}  // namespace

struct Reclaimer::Sweep {
  ReclaimSummary summary;
  int64_t claimed = 0;
  std::function<void(ReclaimSummary)> done;
};

Reclaimer::Reclaimer(EventLoop& loop, RedisClient& redis, Keys keys, Metrics& metrics,
                     const Clock& clock, std::string lease_owner, ReclaimOptions options)
    : loop_(loop),
      redis_(redis),
      keys_(std::move(keys)),
      metrics_(metrics),
      clock_(clock),
      options_(options),
      // The lease outlives a sweep by far; a crashed holder's lease frees itself in 3 intervals.
      lease_(redis, keys_.lease("reclaim"), std::move(lease_owner),
             std::max<std::chrono::milliseconds>(options.interval * 3, std::chrono::seconds(10))) {
  timer_ = loop_.createTimer([this] {
    sweepOnce([this](ReclaimSummary) {
      if (running_) timer_->arm(options_.interval);
    });
  });
}

Reclaimer::~Reclaimer() = default;

void Reclaimer::start() {
  running_ = true;
  timer_->arm(options_.interval);
}

void Reclaimer::stop() {
  running_ = false;
  timer_->disarm();
  lease_.release();
}

void Reclaimer::sweepOnce(std::function<void(ReclaimSummary)> done) {
  if (sweeping_) return done(ReclaimSummary{});
  sweeping_ = true;
  auto sweep = std::make_shared<Sweep>();
  sweep->done = std::move(done);
  std::weak_ptr<bool> alive = alive_;
  lease_.acquire([this, alive, sweep](Result<bool> held) {
    if (alive.expired()) return;
    if (!held.ok() || !*held) {
      if (!held.ok())
        TLOG_WARN("reclaim", "reason=%s reclaim lease not taken", held.error().message.c_str());
      return finish(sweep);
    }
    sweep->summary.swept = true;
    claim(sweep, "0-0");
  });
}

void Reclaimer::claim(const std::shared_ptr<Sweep>& sweep, std::string cursor) {
  redis_.command(
      {"XAUTOCLAIM", keys_.jobs(), std::string(Keys::kRunnersGroup), std::string(Keys::kReclaimer),
       std::to_string(options_.visibility_timeout.count() * 1000), cursor, "COUNT",
       std::to_string(options_.batch)},
      [this, sweep](Result<RedisValue> r) {
        auto v = expectReply(std::move(r), "claiming stale jobs");
        if (!v.ok() || v->elements.size() < 2) {
          if (!v.ok())
            TLOG_WARN("reclaim", "reason=%s stale jobs not claimed", v.error().message.c_str());
          return finish(sweep);
        }
        std::string next = v->elements[0].str;
        struct Step {
          size_t pending = 0;
        };
        std::vector<std::pair<std::string, std::vector<std::string>>> entries;
        for (const auto& e : v->elements[1].elements)
          if (e.elements.size() == 2)
            entries.emplace_back(e.elements[0].str, flatStrings(e.elements[1]));
        sweep->claimed += static_cast<int64_t>(entries.size());
        auto continueOrFinish = [this, sweep, next] {
          if (next == "0-0" || sweep->claimed >= options_.max_per_sweep) return finish(sweep);
          claim(sweep, next);
        };
        if (entries.empty()) return continueOrFinish();
        auto step = std::make_shared<Step>();
        step->pending = entries.size();
        for (const auto& [id, fields] : entries) {
          handle(sweep, id, fields, [step, continueOrFinish] {
            if (--step->pending == 0) continueOrFinish();
          });
        }
      });
}

void Reclaimer::handle(const std::shared_ptr<Sweep>& sweep, const std::string& entry_id,
                       const std::vector<std::string>& fields, std::function<void()> next) {
  std::string id = fieldOf(fields, "id");
  std::string claimed_json = fieldOf(fields, "job");
  auto job = decodeJob(claimed_json);
  std::string reason = "no result within the visibility timeout (" +
                       shortDuration(options_.visibility_timeout.count()) + ")";
  std::string next_json;
  std::string claimed_attempt;
  if (job.ok()) {
    claimed_attempt = std::to_string(job->attempt);
    if (id.empty()) id = job->id;
    job->attempt += 1;
    next_json = encodeJob(*job);
  } else {
    // Nothing can build it: straight to the dead-letter stream with the reason.
    reason =
        "the job in the stream is unreadable: " + job.error().field + ": " + job.error().message;
  }
  int64_t now = clock_.unixSeconds();
  redis_.eval(
      kReclaimScript, {keys_.jobs(), keys_.deadJobs(), keys_.job(id), keys_.jobLog(id)},
      {entry_id, std::string(Keys::kRunnersGroup), next_json, id,
       std::to_string(options_.max_attempts), std::to_string(now), formatRfc3339(clock_.now()),
       reason, claimed_json, std::to_string(options_.log_ttl_seconds), claimed_attempt},
      [this, sweep, id, entry_id, next = std::move(next)](Result<RedisValue> r) {
        auto v = expectReply(std::move(r), "taking back job " + id);
        if (!v.ok()) {
          // Still claimed by triggerd-reclaimer: a later sweep tries again.
          TLOG_WARN("reclaim", "job=%s entry=%s reason=%s not taken back", id.c_str(),
                    entry_id.c_str(), v.error().message.c_str());
          return next();
        }
        int64_t code = v->elements.empty() ? -1 : v->elements[0].integer;
        if (code == 4 || code == 5) {
          bool dead = code == 4;
          ++(dead ? sweep->summary.dead : sweep->summary.requeued);
          metrics_.inc("triggerd_jobs_reclaimed_total", {{"outcome", dead ? "dead" : "requeued"}});
          auto record = parseJobRecord(id, flatStrings(v->elements[1]));
          if (!record)
            TLOG_WARN("reclaim", "job=%s entry=%s moved to the dead-letter stream", id.c_str(),
                      entry_id.c_str());
          std::string released = v->elements.size() > 2 ? v->elements[2].str : "";
          if (record) {
            std::string detail = dead ? "gave up after " +
                                            std::to_string(record->attempt - record->attempt_base) +
                                            " attempts: " + record->error
                                      : record->error + "; queued again (attempt " +
                                            std::to_string(record->attempt) + ")";
            TLOG_WARN("reclaim", "job=%s attempt=%d %s", id.c_str(), record->attempt,
                      dead ? "moved to the dead-letter stream" : "queued again");
            if (sink_) sink_(JobEvent{std::move(*record), std::move(detail), std::move(released)});
          }
        } else if (code >= 1) {
          ++sweep->summary.finished;
          metrics_.inc("triggerd_jobs_reclaimed_total", {{"outcome", "finished"}});
        }
        next();
      });
}

void Reclaimer::finish(const std::shared_ptr<Sweep>& sweep) {
  sweeping_ = false;
  const ReclaimSummary& s = sweep->summary;
  if (s.requeued || s.dead || s.finished)
    TLOG_INFO("reclaim", "requeued=%d dead=%d finished=%d", s.requeued, s.dead, s.finished);
  sweep->done(s);
}

}  // namespace triggerd
