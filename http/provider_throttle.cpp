#include "http/provider_throttle.h"

#include <algorithm>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"

namespace triggerd {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

// "https://api.github.com" of "https://api.github.com/repos/o/r?x=1".
std::string originOf(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  return toLower(url.substr(0, end == std::string::npos ? url.size() : end));
}

std::string credentialOf(const HttpRequest& r) {
  for (const auto& [name, value] : r.headers) {
    if (equalsIgnoreCase(name, "Authorization") || equalsIgnoreCase(name, "PRIVATE-TOKEN"))
      return value;
  }
  return {};
}

seconds ceilSeconds(steady_clock::duration d) {
  auto s = std::chrono::ceil<seconds>(d);
  return std::max(s, seconds(1));
}

}  // namespace

ProviderThrottle::ProviderThrottle(EventLoop& loop, HttpClient& inner, const Clock& clock,
                                   RateLimitPolicy policy)
    : loop_(loop), inner_(inner), clock_(clock), policy_(policy) {}

ProviderThrottle::~ProviderThrottle() {
  *alive_ = false;
  for (auto& [id, call] : calls_)
    if (call.in_flight) inner_.cancel(call.inner_id);
}

std::string ProviderThrottle::budgetKey(const HttpRequest& request) {
  std::string credential = credentialOf(request);
  // A digest, so the token never sits in a map key that a debugger or log could show.
  return originOf(request.url) + "#" + sha256Hex(credential).substr(0, 16);
}

size_t ProviderThrottle::waiting() const {
  size_t n = 0;
  for (const auto& [key, b] : budgets_) n += b.waiting.size();
  return n;
}

seconds ProviderThrottle::pausedFor(const Budget& b) const {
  auto now = clock_.monotonic();
  if (b.open_at <= now) return seconds(0);
  return ceilSeconds(b.open_at - now);
}

HttpRequestId ProviderThrottle::send(HttpRequest request, HttpCallback cb) {
  HttpRequestId id = next_id_++;
  std::string key = budgetKey(request);
  Call& call = calls_[id];
  call.request = std::move(request);
  call.cb = std::move(cb);
  call.budget = key;
  call.started = clock_.monotonic();
  Budget& budget = budgets_[key];
  seconds paused = pausedFor(budget);
  if (paused.count() == 0) {
    dispatch(id);
  } else if (call.request.rate_limit_patience >= paused) {
    budget.waiting.push_back(id);
  } else {
    refuse(id, paused, budget.reason);
  }
  return id;
}

void ProviderThrottle::dispatch(HttpRequestId id) {
  Call& call = calls_.at(id);
  call.in_flight = true;
  std::weak_ptr<bool> alive = alive_;
  call.inner_id = inner_.send(call.request, [this, alive, id](Result<HttpResponse> r) {
    if (alive.expired()) return;
    onAnswer(id, std::move(r));
  });
}

void ProviderThrottle::onAnswer(HttpRequestId id, Result<HttpResponse> result) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;  // cancelled
  Call& call = it->second;
  call.in_flight = false;
  if (!result.ok()) return finish(id, std::move(result));
  int64_t now_unix = clock_.unixSeconds();
  RateLimitDecision decision = decideRateLimit(*result, now_unix, call.attempt, policy_);
  switch (decision.action) {
    case RateLimitDecision::Action::kRetry: {
      pause(call.budget, decision.wait, decision.reason);
      auto waited = clock_.monotonic() - call.started;
      if (waited + decision.wait <= call.request.rate_limit_patience) {
        ++call.attempt;
        ++stats_.retried;
        budgets_[call.budget].waiting.push_front(id);
        return;
      }
      return finish(id, std::move(result));  // the provider's own answer: "retry after N s"
    }
    case RateLimitDecision::Action::kGiveUp:
      pause(call.budget, decision.wait, decision.reason);
      return finish(id, std::move(result));
    case RateLimitDecision::Action::kNotLimited:
      break;
  }
  seconds spent = pauseBeforeNextCall(parseRateLimit(*result, now_unix), now_unix, policy_);
  if (spent.count() > 0) {
    pause(call.budget, spent,
          "the provider's budget is spent; it resets in " + std::to_string(spent.count()) + " s");
  }
  finish(id, std::move(result));
}

void ProviderThrottle::pause(const std::string& key, seconds wait, const std::string& reason) {
  Budget& budget = budgets_[key];
  auto until = clock_.monotonic() + wait;
  if (until <= budget.open_at) return;
  budget.open_at = until;
  budget.reason = reason;
  ++stats_.pauses;
  TLOG_INFO("throttle", "budget=%s wait_s=%lld reason=%s pausing requests", originOf(key).c_str(),
            static_cast<long long>(wait.count()), reason.c_str());
  if (!budget.timer) budget.timer = loop_.createTimer([this, key] { reopen(key); });
  budget.timer->arm(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
}

void ProviderThrottle::reopen(const std::string& key) {
  auto it = budgets_.find(key);
  if (it == budgets_.end()) return;
  Budget& budget = it->second;
  if (pausedFor(budget).count() > 0) {  // paused again meanwhile: the timer was re-armed
    budget.timer->arm(
        std::chrono::duration_cast<std::chrono::milliseconds>(budget.open_at - clock_.monotonic()));
    return;
  }
  std::deque<HttpRequestId> ready;
  ready.swap(budget.waiting);
  for (HttpRequestId id : ready)
    if (calls_.count(id)) dispatch(id);
}

void ProviderThrottle::finish(HttpRequestId id, Result<HttpResponse> result) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  HttpCallback cb = std::move(it->second.cb);
  calls_.erase(it);
  cb(std::move(result));
}

void ProviderThrottle::refuse(HttpRequestId id, seconds wait, const std::string& reason) {
  ++stats_.refused;
  HttpResponse r;
  r.status = 429;
  r.headers = {{"Content-Type", "application/json"},
               {"Retry-After", std::to_string(wait.count())},
               {"X-Triggerd-Throttled", "1"}};
  r.body = json::errorBody("triggerd holds requests to this provider back: " + reason);
  r.effective_url = calls_.at(id).request.url;
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive, id, r = std::move(r)]() mutable {
    if (alive.expired()) return;
    finish(id, std::move(r));
  });
}

void ProviderThrottle::cancel(HttpRequestId id) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  if (it->second.in_flight) inner_.cancel(it->second.inner_id);
  auto budget = budgets_.find(it->second.budget);
  if (budget != budgets_.end()) {
    auto& w = budget->second.waiting;
    w.erase(std::remove(w.begin(), w.end(), id), w.end());
  }
  calls_.erase(it);
}

}  // namespace triggerd
