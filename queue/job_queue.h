// The job stream on the Redis layout of keys.h: durable enqueue of a delivery's jobs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "queue/job.h"
#include "queue/keys.h"
#include "queue/redis_client.h"

namespace triggerd {

struct EnqueueOutcome {
  bool duplicate = false;            // the delivery was seen before; nothing was added
  std::vector<std::string> job_ids;  // the jobs of this delivery (the original ones if duplicate)
};

class JobQueue {
 public:
  JobQueue(RedisClient& redis, Keys keys, int64_t delivery_ttl_seconds = 72 * 3600);

  // In one atomic step (a Lua script): if the delivery key exists, answer its job ids;
  // else XADD every job to the stream and remember the delivery -> job ids for the TTL.
  // The callback runs once Redis acknowledged (so the jobs are as durable as Redis' AOF), or
  // with Error{503} when Redis is unreachable or timed out. An empty `jobs` still records
  // the delivery, so a redelivery of an ignored push stays ignored.
  void enqueue(const std::string& trigger_id, const std::string& delivery_id,
               const std::vector<Job>& jobs, std::function<void(Result<EnqueueOutcome>)> cb);

  // Creates the consumer group (XGROUP CREATE ... MKSTREAM), tolerating BUSYGROUP.
  void ensureConsumerGroup(std::function<void(Status)> cb);
  // CONFIG GET appendonly: Ok when "yes"; Error naming allow_volatile_redis otherwise.
  // A Redis that refuses CONFIG (renamed command) is reported as an error too.
  void checkPersistence(std::function<void(Status)> cb);

 private:
  RedisClient& redis_;
  Keys keys_;
  int64_t delivery_ttl_seconds_;
  std::string script_sha_;  // loaded lazily; NOSCRIPT falls back to EVAL
};

}  // namespace triggerd
