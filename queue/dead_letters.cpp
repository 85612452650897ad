#include "queue/dead_letters.h"

#include <memory>

#include "common/log.h"
#include "queue/job_records.h"
#include "redis/reply.h"

namespace triggerd {
namespace {

// Re-enqueues a dead job. KEYS[1] the job stream, KEYS[2] the dead-letter stream, KEYS[3] the
// job record. ARGV[1] the dead entry id, ARGV[2] the job JSON with the next attempt, ARGV[3] the
// job id, ARGV[4] the record TTL (s), ARGV[5] the deliveries already made (the new budget starts
// after them), ARGV[6] now (unix s), then the record's field/value pairs.
// Returns {1, state} when the record says the job is not dead, {0} when the entry is gone, else
// {2, the record}.
const LuaScript kRetryScript(R"lua(
local state = redis.call('HGET', KEYS[3], 'state')
if state and state ~= 'dead' then return {1, state} end
if redis.call('XDEL', KEYS[2], ARGV[1]) == 0 then return {0} end
local entry = redis.call('XADD', KEYS[1], '*', 'job', ARGV[2], 'id', ARGV[3])
redis.call('HDEL', KEYS[3], 'error', 'finished_at', 'dead_id', 'runner', 'started_at', 'cred')
redis.call('HSET', KEYS[3], 'stream_id', entry, 'base', ARGV[5], unpack(ARGV, 7))
redis.call('HSETNX', KEYS[3], 'created_at', ARGV[6])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {2, redis.call('HGETALL', KEYS[3])}
)lua");

std::string fieldOf(const std::vector<std::string>& fields, std::string_view name) {
  for (size_t i = 0; i + 1 < fields.size(); i += 2)
    if (fields[i] == name) return fields[i + 1];
  return {};
}

constexpr int64_t kMaxScan = 100000;  // dead entries searched for a job without a record

}  // namespace

DeadJob parseDeadJob(const std::string& entry_id, const std::vector<std::string>& fields) {
  DeadJob d;
  d.entry_id = entry_id;
  d.job_id = fieldOf(fields, "id");
  d.error = fieldOf(fields, "error");
  std::string attempts = fieldOf(fields, "attempts");
  if (!attempts.empty() && attempts.size() < 7 &&
      attempts.find_first_not_of("0123456789") == std::string::npos)
    d.attempts = std::stoi(attempts);
  d.at = fieldOf(fields, "at");
  auto job = decodeJob(fieldOf(fields, "job"));
  if (job.ok()) {
    d.job = std::move(job).value();
    if (d.job_id.empty()) d.job_id = d.job->id;
  }
  return d;
}

DeadLetters::DeadLetters(RedisClient& redis, const JobQueue& queue, const Clock& clock)
    : redis_(redis), queue_(queue), keys_(queue.keys()), clock_(clock) {}

void DeadLetters::stats(std::function<void(Result<QueueStats>)> cb) {
  struct Gather {
    QueueStats stats;
    int pending = 4;
    std::optional<Error> error;
    std::function<void(Result<QueueStats>)> cb;
    void done() {
      if (--pending > 0) return;
      if (error) return cb(*error);
      stats.waiting = std::max<int64_t>(0, stats.stream_length - stats.claimed);
      cb(stats);
    }
  };
  auto g = std::make_shared<Gather>();
  g->cb = std::move(cb);
  auto length = [this, g](const std::string& key, int64_t QueueStats::*field) {
    redis_.command({"XLEN", key}, [g, field](Result<RedisValue> r) {
      auto v = expectReply(std::move(r), "reading the queue");
      if (!v.ok())
        g->error = v.error();
      else
        g->stats.*field = v->integer;
      g->done();
    });
  };
  length(keys_.jobs(), &QueueStats::stream_length);
  length(keys_.deadJobs(), &QueueStats::dead);
  // Reports read but not yet acknowledged, plus those not read yet.
  redis_.command({"XLEN", keys_.status()}, [g](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "reading the status stream");
    if (!v.ok())
      g->error = v.error();
    else
      g->stats.status_backlog = v->integer;
    g->done();
  });
  // Summary form: [count, smallest id, greatest id, [[consumer, count], ...]].
  redis_.command(
      {"XPENDING", keys_.jobs(), std::string(Keys::kRunnersGroup)}, [g](Result<RedisValue> r) {
        auto v = expectReply(std::move(r), "reading the claimed jobs");
        if (!v.ok()) {
          // NOGROUP before the first start: nothing is claimed.
          if (v.error().message.find("NOGROUP") == std::string::npos) g->error = v.error();
        } else if (v->elements.size() == 4) {
          g->stats.claimed = v->elements[0].integer;
          for (const auto& c : v->elements[3].elements) {
            if (c.elements.size() != 2) continue;
            g->stats.claimed_by.emplace_back(c.elements[0].str, std::stoll(c.elements[1].str));
          }
        }
        g->done();
      });
}

void DeadLetters::list(int64_t count, const std::string& before,
                       std::function<void(Result<std::vector<DeadJob>>)> cb) {
  std::string end = before.empty() ? "+" : "(" + before;
  redis_.command({"XREVRANGE", keys_.deadJobs(), end, "-", "COUNT", std::to_string(count)},
                 [cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "reading the dead-letter stream");
                   if (!v.ok()) return cb(v.error());
                   std::vector<DeadJob> out;
                   for (const auto& e : v->elements) {
                     if (e.elements.size() != 2) continue;
                     out.push_back(parseDeadJob(e.elements[0].str, flatStrings(e.elements[1])));
                   }
                   cb(std::move(out));
                 });
}

void DeadLetters::find(const std::string& job_id,
                       std::function<void(Result<std::optional<DeadJob>>)> cb) {
  redis_.command({"HGET", keys_.job(job_id), "dead_id"}, [this, job_id, cb = std::move(cb)](
                                                             Result<RedisValue> r) mutable {
    auto v = expectReply(std::move(r), "reading job " + job_id);
    if (!v.ok()) return cb(v.error());
    if (v->isNil() || v->str.empty()) return scan(job_id, "-", 0, std::move(cb));
    std::string entry = v->str;
    redis_.command({"XRANGE", keys_.deadJobs(), entry, entry},
                   [job_id, cb = std::move(cb)](Result<RedisValue> range) {
                     auto entries = expectReply(std::move(range), "reading the dead-letter stream");
                     if (!entries.ok()) return cb(entries.error());
                     for (const auto& e : entries->elements) {
                       if (e.elements.size() != 2) continue;
                       auto d = parseDeadJob(e.elements[0].str, flatStrings(e.elements[1]));
                       if (d.job_id == job_id) return cb(std::optional<DeadJob>(std::move(d)));
                     }
                     cb(std::optional<DeadJob>());
                   });
  });
}

void DeadLetters::scan(const std::string& job_id, std::string from, int64_t scanned,
                       std::function<void(Result<std::optional<DeadJob>>)> cb) {
  constexpr int64_t kChunk = 500;
  redis_.command({"XRANGE", keys_.deadJobs(), from, "+", "COUNT", std::to_string(kChunk)},
                 [this, job_id, scanned, cb = std::move(cb)](Result<RedisValue> r) mutable {
                   auto v = expectReply(std::move(r), "searching the dead-letter stream");
                   if (!v.ok()) return cb(v.error());
                   std::string last;
                   for (const auto& e : v->elements) {
                     if (e.elements.size() != 2) continue;
                     last = e.elements[0].str;
                     auto fields = flatStrings(e.elements[1]);
                     if (fieldOf(fields, "id") == job_id)
                       return cb(std::optional<DeadJob>(parseDeadJob(last, fields)));
                   }
                   int64_t seen = scanned + static_cast<int64_t>(v->elements.size());
                   if (static_cast<int64_t>(v->elements.size()) < kChunk || seen >= kMaxScan)
                     return cb(std::optional<DeadJob>());
                   scan(job_id, "(" + last, seen, std::move(cb));
                 });
}

void DeadLetters::retry(const std::string& job_id, std::function<void(Result<int>)> cb) {
  find(job_id, [this, job_id, cb = std::move(cb)](Result<std::optional<DeadJob>> found) {
    if (!found.ok()) return cb(found.error());
    if (!found->has_value())
      return cb(Error::notFound("job_id", "job " + job_id +
                                              " is not in the dead-letter stream (never dead, "
                                              "retried already, or purged)"));
    DeadJob dead = std::move(**found);
    if (!dead.job)
      return cb(Error::conflict(
          "job_id", "the dead-letter entry of job " + job_id + " holds no readable job; purge it"));
    Job job = *dead.job;
    int used = job.attempt;  // deliveries so far; the retry gets a fresh budget after them
    job.attempt += 1;
    int64_t now = clock_.unixSeconds();
    std::vector<std::string> args{dead.entry_id,
                                  encodeJob(job),
                                  job.id,
                                  std::to_string(queue_.retention().record_ttl_seconds),
                                  std::to_string(used),
                                  std::to_string(now)};
    for (auto& [name, value] : newRecordFields(job, "", now)) {
      if (name == "created_at") continue;  // kept from the first enqueue (HSETNX)
      args.push_back(name);
      args.push_back(value);
    }
    redis_.eval(
        kRetryScript, {keys_.jobs(), keys_.deadJobs(), keys_.job(job.id)}, std::move(args),
        [this, job_id, cb](Result<RedisValue> r) {
          auto v = expectReply(std::move(r), "retrying job " + job_id);
          if (!v.ok()) return cb(v.error());
          int64_t code = v->elements.empty() ? -1 : v->elements[0].integer;
          if (code == 1)
            return cb(Error::conflict(
                "job_id", "job " + job_id + " is " + v->elements[1].str + ", not dead"));
          if (code != 2)
            return cb(Error::notFound("job_id", "job " + job_id +
                                                    " left the dead-letter stream "
                                                    "meanwhile"));
          auto record = parseJobRecord(job_id, flatStrings(v->elements[1]));
          if (!record) return cb(Error::internal("retried job has no record"));
          TLOG_INFO("queue", "job=%s attempt=%d retried from the dead-letter stream",
                    job_id.c_str(), record->attempt);
          int attempt = record->attempt;
          if (sink_)
            sink_(JobEvent{std::move(*record), "queued again from the dead-letter stream", ""});
          cb(attempt);
        });
  });
}

void DeadLetters::purge(int64_t older_than_seconds, const std::string& job_id,
                        std::function<void(Result<int64_t>)> cb) {
  if (!job_id.empty()) {
    return find(job_id, [this, job_id, cb = std::move(cb)](Result<std::optional<DeadJob>> found) {
      if (!found.ok()) return cb(found.error());
      if (!found->has_value())
        return cb(Error::notFound("job", "job " + job_id + " is not in the dead-letter stream"));
      redis_.command({"XDEL", keys_.deadJobs(), (*found)->entry_id}, [cb](Result<RedisValue> r) {
        auto v = expectReply(std::move(r), "purging a dead job");
        if (!v.ok()) return cb(v.error());
        cb(v->integer);
      });
    });
  }
  if (older_than_seconds > 0) {
    // Entry ids start with their creation time in ms: MINID drops everything older.
    int64_t min_ms = clock_.unixMillis() - older_than_seconds * 1000;
    return redis_.command({"XTRIM", keys_.deadJobs(), "MINID", std::to_string(min_ms)},
                          [cb = std::move(cb)](Result<RedisValue> r) {
                            auto v = expectReply(std::move(r), "purging dead jobs");
                            if (!v.ok()) return cb(v.error());
                            cb(v->integer);
                          });
  }
  // XTRIM MAXLEN 0 empties the stream and says how many entries went.
  redis_.command({"XTRIM", keys_.deadJobs(), "MAXLEN", "0"},
                 [cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "purging dead jobs");
                   if (!v.ok()) return cb(v.error());
                   cb(v->integer);
                 });
}

}  // namespace triggerd
