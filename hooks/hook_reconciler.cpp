#include "hooks/hook_reconciler.h"

#include "common/log.h"

namespace triggerd {

using std::chrono::milliseconds;

namespace {
constexpr milliseconds kLeaseTtl{60000};
}  // namespace

HookReconciler::HookReconciler(EventLoop& loop, RedisClient& redis, const Keys& keys,
                               HookJobs& jobs, Metrics& metrics, std::string lease_owner,
                               std::chrono::seconds interval)
    : loop_(loop),
      redis_(redis),
      keys_(keys),
      jobs_(jobs),
      metrics_(metrics),
      owner_(std::move(lease_owner)),
      interval_(interval) {
  timer_ = loop_.createTimer([this] { runOnce(); });
}

void HookReconciler::start(milliseconds first_delay) {
  timer_->arm(first_delay);
}

void HookReconciler::schedule() {
  timer_->arm(std::chrono::duration_cast<milliseconds>(interval_));
}

void HookReconciler::runOnce(std::function<void(std::string)> started) {
  if (running_) {
    if (started) started("");
    return;
  }
  running_ = true;
  lease_ =
      std::make_unique<HeldLease>(loop_, redis_, keys_.lease("hooks-reconcile"), owner_, kLeaseTtl);
  std::weak_ptr<bool> alive = alive_;
  lease_->acquire(milliseconds(0), [this, alive, started](Result<bool> held) {
    if (alive.expired()) return;
    if (!held.ok() || !*held) {
      if (!held.ok())
        TLOG_WARN("hooks", "reason=%s hook reconciliation skipped", held.error().message.c_str());
      else
        TLOG_INFO("hooks", "hook reconciliation runs in another triggerd process; skipped here");
      metrics_.inc("triggerd_hook_reconciles_total", {{"outcome", "skipped"}});
      running_ = false;
      lease_.reset();
      schedule();
      if (started) started("");
      return;
    }
    HookJob job = jobs_.start(HookMode::kRepair, "", [this, alive](const HookJob& done) {
      if (alive.expired()) return;
      metrics_.inc("triggerd_hook_reconciles_total",
                   {{"outcome", done.failed > 0 ? "failures" : "ran"}});
      running_ = false;
      lease_.reset();  // lets go of the lease
      schedule();
    });
    if (started) started(job.id);
  });
}

}  // namespace triggerd
