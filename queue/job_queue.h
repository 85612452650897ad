// The job stream on the Redis layout of keys.h: durable enqueue of a delivery's jobs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "queue/job.h"
#include "redis/keys.h"
#include "redis/redis_client.h"

namespace triggerd {

struct EnqueueOutcome {
  bool duplicate = false;  // the delivery id was seen before; nothing was added
  bool replay = false;     // the same push came under another delivery id; nothing was added
  std::vector<std::string> job_ids;  // this delivery's jobs (the original ones if duplicate or
                                     // replay)
};

class JobQueue {
 public:
  // Job records (job:<id>) expire this long after enqueue (a state update may extend it).
  static constexpr int64_t kJobRecordTtlSeconds = 30 * 86400;
  // user:<u>:jobs keeps this many recent job ids.
  static constexpr int64_t kRecentJobsPerUser = 1000;

  // `redis_address` only names the server in error messages.
  JobQueue(RedisClient& redis, Keys keys, int64_t delivery_ttl_seconds = 72 * 3600,
           std::string redis_address = {});
  // Cancels the Redis requests still in flight: no callback given to this object runs afterwards.
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // In one atomic step (a Lua script): if the delivery key exists, answer its job ids; if
  // `push_key` is given (keys.h pushSeen: trigger, ref, commit) and exists, the same push came
  // before under another delivery id: answer its job ids as a replay; else XADD every job to
  // the stream, write each job's record (state "queued") and the user's recent-jobs list, and
  // remember the delivery (and the push) -> job ids for the TTL.
  // The callback runs once Redis acknowledged (so the jobs are as durable as Redis' AOF), or
  // with Error{503} when Redis is unreachable or timed out. An empty `jobs` still records
  // the delivery, so a redelivery of an ignored push stays ignored.
  void enqueue(const std::string& trigger_id, const std::string& delivery_id,
               const std::vector<Job>& jobs, std::function<void(Result<EnqueueOutcome>)> cb,
               const std::string& push_key = {});

  // Creates the consumer group (XGROUP CREATE <jobs> runners 0 MKSTREAM), tolerating BUSYGROUP.
  // Id 0, not $: entries added before the group existed are still delivered.
  void ensureConsumerGroup(std::function<void(Status)> cb);
  // CONFIG GET appendonly: Ok when "yes"; Error naming allow_volatile_redis otherwise.
  // A Redis that refuses CONFIG (renamed command) is reported as an error too.
  void checkPersistence(std::function<void(Status)> cb);

  // redis.wait_replicas: the enqueue script is followed by WAIT <replicas> <timeout> on its
  // connection, and the enqueue fails with Error{503} when fewer replicas confirmed it in time
  // (the delivery is then spooled and enqueued again; the dedupe keys make that harmless).
  void setReplication(int replicas, std::chrono::milliseconds timeout) {
    wait_replicas_ = replicas;
    wait_timeout_ = timeout;
  }

  const Keys& keys() const { return keys_; }
  bool connected() const { return redis_.connected(); }

 private:
  // command() that remembers the id until the callback runs, so ~JobQueue can cancel it;
  // `replicated`: commandReplicated() with the configured WAIT.
  void send(std::vector<std::string> argv, RedisCallback cb, bool replicated = false);
  // EVALSHA of the enqueue script; on NOSCRIPT (Redis restarted, SCRIPT FLUSH) one EVAL, which
  // also caches the script again.
  void runEnqueueScript(std::vector<std::string> keys_and_args, size_t num_keys, RedisCallback cb);

  RedisClient& redis_;
  Keys keys_;
  int64_t delivery_ttl_seconds_;
  std::string redis_address_;
  int wait_replicas_ = 0;
  std::chrono::milliseconds wait_timeout_{0};
  std::string script_sha_;  // SHA1 of the script, computed locally: no SCRIPT LOAD round trip
  std::unordered_set<RedisRequestId> in_flight_;
};

}  // namespace triggerd
