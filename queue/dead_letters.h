// Operating the queue: its counts, and the dead-letter stream (keys.h jobs:dead): listing,
// retrying a dead job (a new stream entry with the next attempt and a fresh budget of
// queue.max_attempts deliveries) and purging. For the admin API.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "queue/job_events.h"
#include "queue/job_queue.h"
#include "redis/keys.h"
#include "redis/tracked_redis.h"

namespace triggerd {

struct QueueStats {
  int64_t stream_length = 0;   // entries in the job stream
  int64_t claimed = 0;         // delivered to a runner, not acknowledged yet
  int64_t waiting = 0;         // not delivered to any runner yet
  int64_t dead = 0;            // entries in the dead-letter stream
  int64_t status_backlog = 0;  // runner reports triggerd has not handled yet
  std::vector<std::pair<std::string, int64_t>> claimed_by;  // consumer -> entries it holds
};

struct DeadJob {
  std::string entry_id;  // in the dead-letter stream
  std::string job_id;
  std::string error;
  int attempts = 0;
  std::string at;          // RFC 3339
  std::optional<Job> job;  // nullopt when the stored job does not decode
};

class DeadLetters {
 public:
  DeadLetters(RedisClient& redis, const JobQueue& queue, const Clock& clock);

  void setEventSink(JobEventSink sink) { sink_ = std::move(sink); }

  void stats(std::function<void(Result<QueueStats>)> cb);
  // Newest first; `before` (an entry id, exclusive) continues a listing.
  void list(int64_t count, const std::string& before,
            std::function<void(Result<std::vector<DeadJob>>)> cb);
  // Re-enqueues a dead job. 404 when it is not in the dead-letter stream, 409 when its record
  // says it is not dead. The answer is the job's new attempt.
  void retry(const std::string& job_id, std::function<void(Result<int>)> cb);
  // Deletes dead-letter entries: every one (older_than_seconds 0 and no job), those older than
  // `older_than_seconds`, or the one of `job_id`. The answer is how many went.
  void purge(int64_t older_than_seconds, const std::string& job_id,
             std::function<void(Result<int64_t>)> cb);

 private:
  // The dead-letter entry of a job: from its record's dead_id, else by scanning the stream.
  void find(const std::string& job_id, std::function<void(Result<std::optional<DeadJob>>)> cb);
  void scan(const std::string& job_id, std::string from, int64_t scanned,
            std::function<void(Result<std::optional<DeadJob>>)> cb);

  TrackedRedis redis_;
  const JobQueue& queue_;
  const Keys& keys_;
  const Clock& clock_;
  JobEventSink sink_;
};

// A dead-letter entry from its id and fields.
DeadJob parseDeadJob(const std::string& entry_id, const std::vector<std::string>& fields);

}  // namespace triggerd
