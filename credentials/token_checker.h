// Keeps bound tokens honest: every check interval, re-validates each source's token with its
// provider (revoked, expired, scopes lost), records the result, logs tokens that expire within
// the warning window, and exports per-state counts as metrics. One source at a time, so a large
// installation never bursts the providers' rate limits.
#pragma once

#include <chrono>
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

namespace triggerd {

struct TokenCheckOptions {
  std::chrono::seconds interval{3600};
  std::chrono::seconds expiry_warning{7 * 86400};
  ProviderClientSettings client;  // carries the scopes GitHub tokens must hold
};

struct TokenCheckSummary {
  int checked = 0;
  int valid = 0, expiring = 0, expired = 0, revoked = 0;
  int unreachable = 0;  // provider did not answer: state left as it was
};

class TokenChecker {
 public:
  TokenChecker(EventLoop& loop, SourceStore& sources, HttpClient& http, const Clock& clock,
               Metrics& metrics, TokenCheckOptions options);
  void setOptions(TokenCheckOptions options) { options_ = std::move(options); }

  // Arms the periodic check; the first runs after `first_delay`.
  void start(std::chrono::milliseconds first_delay);
  // Runs one pass now (unless one is running); `done` gets the summary.
  void runOnce(std::function<void(TokenCheckSummary)> done = {});
  bool running() const { return running_; }

 private:
  void next();
  void checkOne(Source s);
  // Counts, logs and stores one source's new state; `reachable` false: the provider did not
  // answer, the state stays as it was.
  void record(Source s, bool reachable);
  void finish();

  EventLoop& loop_;
  SourceStore& sources_;
  HttpClient& http_;
  const Clock& clock_;
  Metrics& metrics_;
  TokenCheckOptions options_;
  std::unique_ptr<Timer> timer_;
  bool running_ = false;
  std::deque<std::pair<std::string, Provider>> queue_;
  TokenCheckSummary summary_;
  std::vector<std::function<void(TokenCheckSummary)>> waiters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
