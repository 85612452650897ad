// The reclaim sweep: takes back jobs whose runner died. Every interval, under a Redis lease so
// one triggerd process sweeps, it claims the stream entries idle longer than the visibility
// timeout (XAUTOCLAIM to the consumer "triggerd-reclaimer") and, per entry, atomically: re-adds
// the job as a new entry with attempt + 1 and its record back to "queued", or, once the job had
// max_attempts deliveries, moves it to the dead-letter stream with the last error and marks the
// record "dead". Either way the old entry is acknowledged and deleted. Entries whose job
// finished meanwhile (a late runner acknowledged it) are left alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "loop/event_loop.h"
#include "queue/job_events.h"
#include "redis/keys.h"
#include "redis/tracked_redis.h"
#include "store/lease.h"

namespace triggerd {

struct ReclaimOptions {
  std::chrono::seconds visibility_timeout{900};
  int max_attempts = 3;
  std::chrono::milliseconds interval{30000};
  int64_t batch = 100;           // entries per XAUTOCLAIM
  int64_t max_per_sweep = 1000;  // the rest waits for the next sweep
  int64_t log_ttl_seconds = 7 * 86400;
};

struct ReclaimSummary {
  bool swept = false;  // false: another process holds the lease (or Redis failed)
  int requeued = 0;
  int dead = 0;
  int finished = 0;  // the job had finished or its record was gone: entry just removed
};

class Reclaimer {
 public:
  Reclaimer(EventLoop& loop, RedisClient& redis, Keys keys, Metrics& metrics, const Clock& clock,
            std::string lease_owner, ReclaimOptions options);
  ~Reclaimer();
  Reclaimer(const Reclaimer&) = delete;
  Reclaimer& operator=(const Reclaimer&) = delete;

  void setEventSink(JobEventSink sink) { sink_ = std::move(sink); }
  void start();
  // Stops sweeping and lets go of the lease.
  void stop();
  void sweepOnce(std::function<void(ReclaimSummary)> done);

 private:
  struct Sweep;
  void claim(const std::shared_ptr<Sweep>& sweep, std::string cursor);
  void handle(const std::shared_ptr<Sweep>& sweep, const std::string& entry_id,
              const std::vector<std::string>& fields, std::function<void()> next);
  void finish(const std::shared_ptr<Sweep>& sweep);

  EventLoop& loop_;
  TrackedRedis redis_;
  Keys keys_;
  Metrics& metrics_;
  const Clock& clock_;
  ReclaimOptions options_;
  Lease lease_;
  JobEventSink sink_;
  std::unique_ptr<Timer> timer_;
  bool running_ = false;
  bool sweeping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
