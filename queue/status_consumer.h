// The status consumer: reads runners' state reports from the status stream (keys.h status, group
// "triggerd"), applies each to its job record in one script, emits a JobEvent per change, and
// acknowledges and deletes what it handled. Reports for another attempt than the record's
// current one (the job was reclaimed meanwhile) and reports after a final state are ignored.
//
// Polled (XREADGROUP without BLOCK: the one Redis connection must never block): at once again
// while batches come full, else every poll interval. Entries another triggerd process read but
// never acknowledged (it died) are taken over after `claim_idle`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "loop/event_loop.h"
#include "queue/job_events.h"
#include "redis/keys.h"
#include "redis/tracked_redis.h"

namespace triggerd {

struct StatusConsumerOptions {
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds claim_idle{60000};
  std::chrono::milliseconds claim_interval{30000};
  int64_t batch = 100;
  int64_t log_ttl_seconds = 7 * 86400;  // a job's log lives as long as its record
};

// One report as a runner writes it (docs/runner-protocol.md).
struct StatusReport {
  std::string entry_id;
  std::string job;
  std::string state;  // running | success | failure | canceled
  std::string runner;
  int attempt = 0;
  std::string message;  // clipped to kMaxMessage bytes
  int64_t at = 0;       // unix seconds; the time triggerd read it when `at` is unreadable
};

// Checks and normalises a report's fields; the error names the field at fault.
Result<StatusReport> parseStatusReport(const std::string& entry_id,
                                       const std::vector<std::string>& fields, int64_t now_unix);

class StatusConsumer {
 public:
  static constexpr size_t kMaxMessage = 1024;

  StatusConsumer(EventLoop& loop, RedisClient& redis, Keys keys, Metrics& metrics,
                 const Clock& clock, std::string consumer_name, StatusConsumerOptions options);
  ~StatusConsumer();
  StatusConsumer(const StatusConsumer&) = delete;
  StatusConsumer& operator=(const StatusConsumer&) = delete;

  void setEventSink(JobEventSink sink) { sink_ = std::move(sink); }
  void setOptions(StatusConsumerOptions options) { options_ = options; }
  // Starts polling (and a first take-over of abandoned entries).
  void start();
  void stop();
  // One read of new reports and their handling; `done` gets how many entries were handled.
  void pollOnce(std::function<void(size_t)> done);
  // One take-over of entries pending longer than claim_idle, handled like new ones.
  void claimOnce(std::function<void(size_t)> done);

 private:
  void schedule(std::chrono::milliseconds after);
  void handleBatch(std::vector<std::pair<std::string, std::vector<std::string>>> entries,
                   std::function<void(size_t)> done);
  // Applies one report; `done(true)` when it may be acknowledged (handled or unusable).
  void apply(const StatusReport& report, std::function<void(bool)> done);
  void acknowledge(std::vector<std::string> ids, std::function<void()> done);
  void count(const char* outcome);

  EventLoop& loop_;
  TrackedRedis redis_;
  Keys keys_;
  Metrics& metrics_;
  const Clock& clock_;
  std::string consumer_;
  StatusConsumerOptions options_;
  JobEventSink sink_;
  std::unique_ptr<Timer> timer_;
  bool running_ = false;
  bool failing_ = false;  // the last read failed: logged once until one succeeds
  std::chrono::steady_clock::time_point last_claim_{};
};

}  // namespace triggerd
