#include "http/rate_limit.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>

#include "common/encoding.h"

namespace triggerd {
namespace {

// Below this a "reset" value is a delta in seconds, not a Unix time (2001-09-09).
constexpr int64_t kEpochThreshold = 1000000000;

std::optional<int64_t> parseInt(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  std::string_view s = trim(*text);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), as seconds from now.
std::optional<int64_t> parseRetryAfter(std::string_view text, int64_t now_unix) {
  if (auto seconds = parseInt(text)) {
    if (*seconds < 0) return std::nullopt;
    return *seconds;
  }
  // curl_getdate understands IMF-fixdate, RFC 850 and asctime, the three HTTP-date forms.
  std::string date(trim(text));
  time_t at = curl_getdate(date.c_str(), nullptr);
  if (at < 0) return std::nullopt;
  return std::max<int64_t>(0, static_cast<int64_t>(at) - now_unix);
}

bool mentionsSecondaryLimit(const std::string& body) {
  std::string lower = toLower(std::string_view(body).substr(0, 4096));
  return lower.find("secondary rate limit") != std::string::npos ||
         lower.find("abuse detection") != std::string::npos ||
         lower.find("rate limit exceeded") != std::string::npos;
}

}  // namespace

RateLimitInfo parseRateLimit(const HttpResponse& response, int64_t now_unix) {
  RateLimitInfo info;
  if (auto retry = response.header("Retry-After")) {
    info.retry_after_seconds = parseRetryAfter(*retry, now_unix);
  }
  auto pick = [&response](std::string_view github, std::string_view gitlab) {
    auto value = response.header(github);
    return value ? value : response.header(gitlab);
  };
  info.limit = parseInt(pick("X-RateLimit-Limit", "RateLimit-Limit"));
  info.remaining = parseInt(pick("X-RateLimit-Remaining", "RateLimit-Remaining"));
  if (auto reset = parseInt(response.header("X-RateLimit-Reset"))) {
    info.reset_epoch = *reset;
  } else if (auto gl_reset = parseInt(response.header("RateLimit-Reset"))) {
    // GitLab sends a Unix time; the IETF draft it follows sends seconds from now.
    info.reset_epoch = *gl_reset < kEpochThreshold ? now_unix + *gl_reset : *gl_reset;
  } else if (auto reset_time = response.header("RateLimit-ResetTime")) {
    std::string date(trim(*reset_time));
    time_t at = curl_getdate(date.c_str(), nullptr);
    if (at >= 0) info.reset_epoch = static_cast<int64_t>(at);
  }
  if (auto resource = response.header("X-RateLimit-Resource"))
    info.resource = std::string(*resource);
  return info;
}

RateLimitDecision decideRateLimit(const HttpResponse& response, int64_t now_unix, int attempt,
                                  const RateLimitPolicy& policy) {
  RateLimitDecision decision;
  if (response.status != 403 && response.status != 429) return decision;
  RateLimitInfo info = parseRateLimit(response, now_unix);

  std::chrono::seconds wait{0};
  if (info.retry_after_seconds) {
    wait = std::chrono::seconds(std::max<int64_t>(1, *info.retry_after_seconds));
    decision.reason =
        "rate limited: the provider asked to retry after " + std::to_string(wait.count()) + " s";
  } else if (info.exhausted() && info.reset_epoch) {
    wait = std::chrono::seconds(std::max<int64_t>(0, *info.reset_epoch - now_unix)) +
           policy.reset_skew;
    decision.reason = "primary rate limit exhausted" +
                      (info.resource ? " (" + *info.resource + ")" : std::string()) +
                      "; it resets in " + std::to_string(wait.count()) + " s";
  } else if (response.status == 429 || info.exhausted() || mentionsSecondaryLimit(response.body)) {
    auto exponent = std::clamp(attempt, 0, 30);
    auto backoff = policy.secondary_first_wait.count() * (int64_t{1} << exponent);
    wait = std::chrono::seconds(std::min<int64_t>(backoff, policy.max_backoff.count()));
    decision.reason = "secondary rate limit; backing off " + std::to_string(wait.count()) + " s";
  } else {
    return decision;  // a 403 with no rate-limit signal: permission denied, not a limit
  }

  decision.wait = wait;
  if (attempt >= policy.max_retries) {
    decision.action = RateLimitDecision::Action::kGiveUp;
    decision.reason += "; giving up after " + std::to_string(attempt) + " retries";
  } else if (wait > policy.max_wait) {
    decision.action = RateLimitDecision::Action::kGiveUp;
    decision.reason +=
        "; longer than the " + std::to_string(policy.max_wait.count()) + " s this request may wait";
  } else {
    decision.action = RateLimitDecision::Action::kRetry;
  }
  return decision;
}

std::chrono::seconds pauseBeforeNextCall(const RateLimitInfo& info, int64_t now_unix,
                                         const RateLimitPolicy& policy) {
  if (!info.exhausted() || !info.reset_epoch || *info.reset_epoch <= now_unix) {
    return std::chrono::seconds(0);
  }
  return std::chrono::seconds(*info.reset_epoch - now_unix) + policy.reset_skew;
}

}  // namespace triggerd
