// HookWork: one piece of hook work on one trigger's repository (docs/hooks.md), as named steps
// on one state object: take the repository's lease, list every hook, then create, update,
// re-enable or delete; look for failed deliveries and redeliver them; let the lease go; record
// the outcome on the trigger; report.
//
// Whatever the mode, a trigger has at most one hook: the list is read under the repository's
// lease, a hook of the trigger already there (found by its URL on every page) is updated rather
// than a second created, and extra copies are deleted. Checks read without the lease.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "credentials/source.h"
#include "hooks/held_lease.h"
#include "hooks/hook_report.h"
#include "loop/event_loop.h"
#include "providers/provider_client.h"
#include "redis/keys.h"
#include "redis/redis_client.h"
#include "triggers/trigger_store.h"

namespace triggerd {

// What hook work needs, owned by whoever starts it (HookService).
struct HookEnv {
  EventLoop* loop = nullptr;
  RedisClient* redis = nullptr;
  TriggerStore* triggers = nullptr;
  HttpClient* http = nullptr;  // the ProviderThrottle: every provider call obeys rate limits
  const Clock* clock = nullptr;
  Random* rng = nullptr;
  Metrics* metrics = nullptr;
  Keys keys;
  std::string lease_owner;  // leaseOwnerId() of this process; each work adds its own part
};

struct HookOptions {
  std::string public_base_url;
  ProviderClientSettings client;
  std::chrono::seconds secret_rotation_grace{86400};
  // Failed deliveries are looked for this far back at most (GitHub redelivers 3 days back).
  std::chrono::seconds recover_window{72 * 3600};
  std::chrono::milliseconds lease_ttl{60000};
  std::chrono::milliseconds lease_wait{8000};  // for another request's work on the repository
  int max_redeliveries = 100;                  // per trigger per run
  // How long background work (jobs, the reconciler) waits out a provider's rate limit; work a
  // client waits on does not wait (HttpRequest::rate_limit_patience).
  std::chrono::seconds max_rate_limit_wait{3600};
};

class HookWork : public std::enable_shared_from_this<HookWork> {
 public:
  using Done = std::function<void(HookReport)>;

  // Runs `mode` for `trigger` with `source`'s token. `done` runs exactly once.
  static void start(const HookEnv& env, const HookOptions& options, Trigger trigger, Source source,
                    HookMode mode, Done done);

  HookWork(const HookEnv& env, const HookOptions& options, Trigger trigger, Source source,
           HookMode mode, Done done);

 private:
  void begin();
  void prepareRotation();
  void lock();
  void refresh();
  void list(bool after_conflict = false);
  // Deletes `hooks` one after another; then examines `keep`, or, without one, finishes.
  void removeHooks(std::vector<RemoteHook> hooks, std::optional<RemoteHook> keep);
  void create(bool deleted_before);
  void examine(RemoteHook hook);
  void update(RemoteHook hook, std::vector<std::string> drift);
  void reactivate(RemoteHook hook);
  void written(RemoteHook hook, bool created);
  void recover();
  void redeliverNext();
  void findMissed();
  void finish();
  void fail(const Error& e);
  // Stores what was found and done on the trigger (not for remove), then reports.
  void record();
  void report();

  bool changes() const { return mode_ != HookMode::kCheck; }
  std::string repo() const;
  HookSpec spec() const;

  HookEnv env_;
  HookOptions options_;
  Trigger trigger_;
  Source source_;
  HookMode mode_;
  Done done_;
  std::shared_ptr<ProviderClient> client_;
  std::unique_ptr<HeldLease> lease_;
  std::string url_;
  SecretString new_secret_;  // kRotate
  HookReport report_;
  RemoteHook hook_;
  bool have_hook_ = false;
  bool signing_refused_ = false;  // the provider took no signing token: drop the key
  bool drift_fixed_ = false;      // an update corrected what the provider had
  std::vector<HookDelivery> to_redeliver_;
  size_t next_redelivery_ = 0;
  int64_t listed_at_ = 0;  // when the delivery log was read: recovery is done up to then
  bool recovered_ = false;
  bool more_to_redeliver_ = false;  // more failed than one run redelivers
  bool missed_checked_ = false;
};

}  // namespace triggerd
