// ProviderThrottle: an HttpClient in front of another that keeps triggerd inside GitHub's and
// GitLab's rate limits. Requests share a budget per provider host and credential (both providers
// count per token), and a budget is paused when an answer says so:
//  - a rate-limit answer (403 or 429 with Retry-After, X-RateLimit-Remaining: 0, RateLimit-*,
//    or GitHub's secondary-limit message; decideRateLimit in http/rate_limit.h) pauses it for the
//    wait the provider asked for, or the secondary-limit backoff;
//  - a successful answer whose remaining budget is 0 pauses it until the reset
//    (pauseBeforeNextCall), so the next request is not refused.
// While a budget is paused, a request whose HttpRequest::rate_limit_patience covers the pause
// waits and is sent when it ends; a rate-limited request that may still wait is sent again after
// the pause (up to the policy's retries). Any other request gets, at once, the provider's
// rate-limit answer or a 429 made here with Retry-After (and X-Triggerd-Throttled: 1), which the
// provider clients turn into "rate limited; retry after N s". Nothing is ever sent while a
// budget is paused.
//
// The HttpClient contract holds: every callback runs exactly once, on a later loop turn, unless
// cancelled; destroying the throttle cancels everything pending. It must be destroyed before the
// client it wraps.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "http/client.h"
#include "http/rate_limit.h"
#include "loop/event_loop.h"

namespace triggerd {

class ProviderThrottle final : public HttpClient {
 public:
  struct Stats {
    uint64_t pauses = 0;   // budgets paused (rate-limit answers and spent budgets)
    uint64_t retried = 0;  // rate-limited requests sent again after a pause
    uint64_t refused = 0;  // requests answered here with a 429 instead of being sent
  };

  ProviderThrottle(EventLoop& loop, HttpClient& inner, const Clock& clock,
                   RateLimitPolicy policy = {});
  ~ProviderThrottle() override;
  ProviderThrottle(const ProviderThrottle&) = delete;
  ProviderThrottle& operator=(const ProviderThrottle&) = delete;

  HttpRequestId send(HttpRequest request, HttpCallback cb) override;
  void cancel(HttpRequestId id) override;

  const Stats& stats() const { return stats_; }
  // Requests waiting for a paused budget.
  size_t waiting() const;
  // The budget a request counts against: "scheme://host:port#<digest of its credential>".
  static std::string budgetKey(const HttpRequest& request);

 private:
  struct Call {
    HttpRequest request;
    HttpCallback cb;
    std::string budget;
    int attempt = 0;  // rate-limited answers so far
    HttpRequestId inner_id = 0;
    bool in_flight = false;
    std::chrono::steady_clock::time_point started;
  };
  struct Budget {
    std::chrono::steady_clock::time_point open_at;  // paused until then
    std::deque<HttpRequestId> waiting;
    std::unique_ptr<Timer> timer;
    std::string reason;
  };

  void dispatch(HttpRequestId id);
  void onAnswer(HttpRequestId id, Result<HttpResponse> result);
  void pause(const std::string& key, std::chrono::seconds wait, const std::string& reason);
  void reopen(const std::string& key);
  void finish(HttpRequestId id, Result<HttpResponse> result);
  // Answers `id` on a later loop turn with a 429 made here.
  void refuse(HttpRequestId id, std::chrono::seconds wait, const std::string& reason);
  std::chrono::seconds pausedFor(const Budget& b) const;

  EventLoop& loop_;
  HttpClient& inner_;
  const Clock& clock_;
  RateLimitPolicy policy_;
  Stats stats_;
  HttpRequestId next_id_ = 1;
  std::unordered_map<HttpRequestId, Call> calls_;
  std::unordered_map<std::string, Budget> budgets_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
