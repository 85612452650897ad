// HookReconciler: every hooks.reconcile_interval, and hooks.startup_delay after start-up (which
// recovers the pushes made while triggerd was down), repairs every installed hook (HookJobs,
// repair): recreates deleted hooks, re-enables disabled ones, sends changed settings again and
// redelivers failed deliveries. A lease makes one triggerd process of several run each pass;
// the others skip it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/metrics.h"
#include "hooks/held_lease.h"
#include "hooks/hook_jobs.h"
#include "loop/event_loop.h"
#include "redis/keys.h"

namespace triggerd {

class HookReconciler {
 public:
  HookReconciler(EventLoop& loop, RedisClient& redis, const Keys& keys, HookJobs& jobs,
                 Metrics& metrics, std::string lease_owner, std::chrono::seconds interval);
  void setInterval(std::chrono::seconds interval) { interval_ = interval; }

  // Arms the periodic pass; the first runs after `first_delay`.
  void start(std::chrono::milliseconds first_delay);
  // One pass now, unless one runs here or in another process: `started` gets the job id, or
  // an empty id when the pass was skipped.
  void runOnce(std::function<void(std::string)> started = {});

 private:
  void schedule();

  EventLoop& loop_;
  RedisClient& redis_;
  Keys keys_;
  HookJobs& jobs_;
  Metrics& metrics_;
  std::string owner_;
  std::chrono::seconds interval_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<HeldLease> lease_;
  bool running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
