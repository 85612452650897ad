// Keeps bound tokens honest: every check interval, re-validates each source's token with its
// provider (revoked, expired, scopes lost), records the result, logs tokens that expire within
// the warning window, and exports per-state counts as metrics. One source at a time, so a large
// installation never bursts the providers' rate limits.
//
// Several triggerd processes on one Redis run one pass between them, through two leases
// (store/lease.h):
// - lease:token-check is held while a pass runs (renewed, released at its end), so two passes
//   never run at once, whether periodic or asked for by an admin on any process;
// - lease:token-check:period is taken by the process whose timer claims an interval's pass and
//   left to expire after 90% of tokens.check_interval, so the timers firing in the same
//   interval (the other processes', whatever their phase) skip it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "credentials/source_store.h"
#include "http/client.h"
#include "loop/event_loop.h"
#include "providers/provider_settings.h"
#include "redis/keys.h"
#include "redis/redis_client.h"
#include "store/lease.h"

namespace triggerd {

struct TokenCheckOptions {
  std::chrono::seconds interval{3600};
  std::chrono::seconds expiry_warning{7 * 86400};
  ProviderClientSettings client;  // carries the scopes GitHub tokens must hold
};

struct TokenCheckSummary {
  int checked = 0;
  int valid = 0, expiring = 0, expired = 0, revoked = 0;
  int unreachable = 0;          // provider did not answer: state left as it was
  bool elsewhere = false;       // another triggerd process runs a pass: none ran here
  std::optional<Error> failed;  // Redis failed: no pass ran (or it stopped early)
};

class TokenChecker {
 public:
  // `lease_owner` names this process in the leases (leaseOwnerId()).
  TokenChecker(EventLoop& loop, RedisClient& redis, const Keys& keys, std::string lease_owner,
               SourceStore& sources, HttpClient& http, const Clock& clock, Metrics& metrics,
               TokenCheckOptions options);
  ~TokenChecker();
  TokenChecker(const TokenChecker&) = delete;
  TokenChecker& operator=(const TokenChecker&) = delete;
  void setOptions(TokenCheckOptions options) { options_ = std::move(options); }

  // Arms the periodic check; the first runs after `first_delay`, unless another process already
  // ran this interval's pass.
  void start(std::chrono::milliseconds first_delay);
  // No more periodic passes; lets go of the pass lease if a pass runs (shutdown).
  void stop();
  // Runs one pass now (unless one is running here); `done` gets the summary. A pass running in
  // another process answers `elsewhere` instead.
  void runOnce(std::function<void(TokenCheckSummary)> done = {});
  bool running() const { return running_; }

  static constexpr std::chrono::milliseconds kPassLeaseTtl{60000};

 private:
  void periodic();
  void onPassLease(Result<bool> held);
  void renewPassLease();
  void next();
  void checkOne(Source s);
  // Counts, logs and stores one source's new state; `reachable` false: the provider did not
  // answer, the state stays as it was.
  void record(Source s, bool reachable);
  void finish();
  std::chrono::milliseconds periodLeaseTtl() const;

  EventLoop& loop_;
  RedisClient& redis_;
  Keys keys_;
  std::string owner_;
  SourceStore& sources_;
  HttpClient& http_;
  const Clock& clock_;
  Metrics& metrics_;
  TokenCheckOptions options_;
  Lease pass_lease_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<Timer> renew_timer_;
  bool running_ = false;
  bool holding_ = false;  // this process holds lease:token-check
  bool lease_lost_ = false;
  uint64_t period_claims_ = 0;
  std::deque<std::pair<std::string, Provider>> queue_;
  TokenCheckSummary summary_;
  std::vector<std::function<void(TokenCheckSummary)>> waiters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
