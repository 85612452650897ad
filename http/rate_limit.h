// Provider rate limits: what a response says about them, and how long to wait before retrying.
// GitHub sends X-RateLimit-{Limit,Remaining,Used,Reset,Resource}; GitLab sends
// RateLimit-{Limit,Remaining,Reset} (and RateLimit-ResetTime); both may send Retry-After.
// Pure functions of the response and the current time: no I/O, no clock reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "http/client.h"

namespace triggerd {

struct RateLimitInfo {
  // Retry-After, as seconds from `now` (delta-seconds, or an HTTP-date minus now, never < 0).
  std::optional<int64_t> retry_after_seconds;
  std::optional<int64_t> limit;
  std::optional<int64_t> remaining;
  std::optional<int64_t> reset_epoch;   // Unix seconds when the window resets
  std::optional<std::string> resource;  // GitHub's x-ratelimit-resource ("core", "search", ...)

  bool exhausted() const { return remaining && *remaining <= 0; }
};

// Reads the headers above. GitHub's X-RateLimit-* wins over GitLab's RateLimit-* when both are
// present. A RateLimit-Reset small enough to be a delta (IETF draft) rather than an epoch is
// converted with `now_unix`. Unparseable values are left empty.
RateLimitInfo parseRateLimit(const HttpResponse& response, int64_t now_unix);

struct RateLimitPolicy {
  int max_retries = 5;                            // then give up
  std::chrono::seconds secondary_first_wait{60};  // GitHub: "wait at least one minute"
  std::chrono::seconds max_backoff{15 * 60};      // cap of the exponential backoff
  std::chrono::seconds max_wait{60 * 60};         // a longer wait gives up instead
  std::chrono::seconds reset_skew{1};             // added to waits until X-RateLimit-Reset
};

struct RateLimitDecision {
  enum class Action {
    kNotLimited,  // not a rate-limit answer: handle the response normally
    kRetry,       // wait `wait`, then send the same request again
    kGiveUp,      // limited, but retries are exhausted or the wait is beyond max_wait
  };
  Action action = Action::kNotLimited;
  std::chrono::seconds wait{0};  // kRetry: how long; kGiveUp: how long the provider asked for
  std::string reason;            // for logs and API errors: "GitHub primary rate limit ..."
};

// GitHub's documented rate-limit rules (docs/providers.md), for one response to a request already
// retried `attempt` times (0 first):
//  - only 403 and 429 can be rate limits; a 403 without any rate-limit signal is a permission
//    error (kNotLimited);
//  - Retry-After present: wait that long;
//  - else remaining is 0 and a reset is known: wait until the reset (+ skew);
//  - else a 429, or a 403 whose body mentions a secondary rate limit: wait
//    secondary_first_wait * 2^attempt, capped at max_backoff;
//  - give up after max_retries retries or when the wait exceeds max_wait.
RateLimitDecision decideRateLimit(const HttpResponse& response, int64_t now_unix, int attempt,
                                  const RateLimitPolicy& policy = {});

// Before the next call: how long to hold back when a successful response already said the
// budget is spent (remaining 0 with a reset in the future); 0 otherwise.
std::chrono::seconds pauseBeforeNextCall(const RateLimitInfo& info, int64_t now_unix,
                                         const RateLimitPolicy& policy = {});

}  // namespace triggerd
