// The job stream on the Redis layout of keys.h: the durable enqueue of a delivery's (or a manual
// run's) jobs, with de-duplication, supersede and the job lists, in one atomic script.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "queue/job.h"
#include "queue/job_events.h"
#include "queue/job_records.h"
#include "queue/recent_records.h"
#include "redis/keys.h"
#include "redis/redis_client.h"
#include "redis/tracked_redis.h"

namespace triggerd {

struct EnqueueOutcome {
  bool duplicate = false;  // the delivery id (or Idempotency-Key) was seen before; nothing added
  bool replay = false;     // the same push came under another delivery id; nothing was added
  std::vector<std::string> job_ids;     // this enqueue's jobs (the original ones if duplicate or
                                        // replay)
  std::vector<std::string> superseded;  // older queued jobs of the same trigger and ref
  std::vector<std::string> superseded_entries;  // their stream entries (parallel to superseded)
  std::vector<std::string> entries;  // the stream entry of each new job (not for a duplicate)
};

// One enqueue: a delivery's jobs or a manual run's.
struct EnqueueRequest {
  std::string trigger_id;
  std::string user;  // the trigger's user: its job list
  std::vector<Job> jobs;
  // A key that makes a repeat enqueue nothing and answer the first one's ids (keys.h delivery
  // or runIdempotency); empty: no de-duplication.
  std::string dedupe_key;
  // keys.h pushSeen (trigger, ref, commit): the same push under the same delivery id is a
  // duplicate, under another one a replay. Empty: not checked.
  std::string push_key;
  std::string delivery_id;  // stored with the push key
  // The jobs supersede the still-queued jobs of the previous push to the same trigger and ref
  // (keys.h latestJobs), and become the latest themselves.
  bool supersede = false;
  std::string requested_by;  // who ran a manual run
};

// How long job records and the job lists last (queue.job_retention, queue.history_length,
// queue.user_history_length).
struct JobRetention {
  int64_t record_ttl_seconds = 7 * 86400;
  int64_t trigger_history = 100;
  int64_t user_history = 1000;
};

class JobQueue {
 public:
  // `redis_address` only names the server in error messages.
  JobQueue(RedisClient& redis, Keys keys, int64_t delivery_ttl_seconds = 72 * 3600,
           std::string redis_address = {});
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  void setRetention(JobRetention retention) { retention_ = retention; }
  const JobRetention& retention() const { return retention_; }
  // Script calls made so far: fewer than enqueues when concurrent ones were grouped.
  uint64_t scriptCalls() const { return calls_; }
  // Receives a "queued" event per new job and a "superseded" event per job it superseded, after
  // the enqueue's own callback ran (so the provider's 202 is on its way first).
  void setEventSink(JobEventSink sink) { sink_ = std::move(sink); }
  void setClock(const Clock& clock) { clock_ = &clock; }

  // In one atomic step (a Lua script): if the dedupe key exists, answer its job ids; if the push
  // key exists, the same push came before under another delivery id: answer its ids as a
  // replay; else XADD every job to the stream, write each job's record (state "queued"), add the
  // ids to the trigger's and the user's job lists, supersede, and remember the dedupe and push
  // keys -> job ids for the delivery TTL.
  // The callback runs once Redis acknowledged (so the jobs are as durable as Redis' AOF), or
  // with Error{503} when Redis is unreachable or timed out. Enqueues made while a call is in
  // flight share the next call (one script run for all, each still its own atomic step and its
  // own outcome); callbacks run in the order of the enqueues. An empty `jobs` still records the
  // dedupe key, so a redelivery of an ignored push stays ignored.
  void enqueue(EnqueueRequest request, std::function<void(Result<EnqueueOutcome>)> cb);
  // A webhook delivery's jobs: de-duplicated on the push key, which remembers the delivery id
  // (without a push key: on the delivery key); pushes supersede older queued jobs of their ref.
  void enqueue(const std::string& trigger_id, const std::string& delivery_id,
               const std::vector<Job>& jobs, std::function<void(Result<EnqueueOutcome>)> cb,
               const std::string& push_key = {});

  // Creates the consumer groups: runners on the job stream and triggerd on the status stream
  // (XGROUP CREATE ... 0 MKSTREAM), tolerating BUSYGROUP. Id 0, not $: entries added before the
  // group existed are still delivered.
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
  int64_t deliveryTtlSeconds() const { return delivery_ttl_seconds_; }

 private:
  // One enqueue's keys and arguments for the script, waiting for its call.
  struct Pending {
    std::vector<std::string> keys, args;
    EnqueueRequest request;
    int64_t now = 0;  // the call's time, set when it is sent
    std::function<void(Result<EnqueueOutcome>)> cb;
  };
  // At most this many enqueues share one script call (keeps one call's run time, and so every
  // other client's wait behind it in Redis, short). With at most 32 jobs per delivery
  // (kMaxRules), one job list gets at most 2,048 ids in one LPUSH, far below what Lua's unpack
  // takes.
  static constexpr size_t kMaxBatch = 64;
  static constexpr int kMaxInFlight = 1;
  // Records kept for supersede's events: a few thousand jobs' worth (about 1 MB), enough that
  // the previous push's jobs of a branch are usually still here when the next push comes.
  static constexpr size_t kRecentRecords = 2048;

  void flush();
  void answer(std::vector<Pending>& batch, Result<RedisValue> r);
  void createGroup(const std::string& stream, std::string_view group,
                   std::function<void(Status)> cb);
  void emit(const EnqueueRequest& request, const EnqueueOutcome& outcome, int64_t now);
  // A superseded job's event from its record as Redis holds it (not kept in recent_).
  void emitReadBack(const std::string& id, std::string detail);

  TrackedRedis redis_;
  Keys keys_;
  int64_t delivery_ttl_seconds_;
  std::string redis_address_;
  int wait_replicas_ = 0;
  std::chrono::milliseconds wait_timeout_{0};
  JobRetention retention_;
  JobEventSink sink_;
  RecentRecords recent_{kRecentRecords};
  const Clock* clock_;
  // Enqueues made while a script call is in flight wait here and go together in the next call:
  // one call in flight at a time, so each call carries what arrived during the previous one.
  std::vector<Pending> pending_;
  int in_flight_ = 0;
  uint64_t calls_ = 0;
};

}  // namespace triggerd
