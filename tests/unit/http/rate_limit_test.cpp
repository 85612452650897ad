#include "http/rate_limit.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

constexpr int64_t kNow = 1764064800;  // 2025-11-25T10:00:00Z

HttpResponse response(long status, HttpHeaders headers, std::string body = "") {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

using Action = RateLimitDecision::Action;

TEST(ParseRateLimitTest, GitHubHeaders) {
  auto info = parseRateLimit(response(200, {{"x-ratelimit-limit", "5000"},
                                            {"x-ratelimit-remaining", "4987"},
                                            {"x-ratelimit-used", "13"},
                                            {"x-ratelimit-reset", "1764066000"},
                                            {"x-ratelimit-resource", "core"}}),
                             kNow);
  EXPECT_EQ(info.limit, 5000);
  EXPECT_EQ(info.remaining, 4987);
  EXPECT_EQ(info.reset_epoch, 1764066000);
  EXPECT_EQ(info.resource, "core");
  EXPECT_FALSE(info.retry_after_seconds);
  EXPECT_FALSE(info.exhausted());
}

TEST(ParseRateLimitTest, GitLabHeaders) {
  auto info =
      parseRateLimit(response(429, {{"RateLimit-Limit", "600"},
                                    {"RateLimit-Remaining", "0"},
                                    {"RateLimit-Reset", "1764064860"},
                                    {"RateLimit-ResetTime", "Tue, 25 Nov 2025 10:01:00 GMT"},
                                    {"Retry-After", "60"}}),
                     kNow);
  EXPECT_EQ(info.limit, 600);
  EXPECT_EQ(info.remaining, 0);
  EXPECT_TRUE(info.exhausted());
  EXPECT_EQ(info.reset_epoch, 1764064860);
  EXPECT_EQ(info.retry_after_seconds, 60);
}

TEST(ParseRateLimitTest, ResetAsDeltaAndResetTime) {
  auto delta = parseRateLimit(response(429, {{"RateLimit-Reset", "30"}}), kNow);
  EXPECT_EQ(delta.reset_epoch, kNow + 30);
  auto date = parseRateLimit(
      response(429, {{"RateLimit-ResetTime", "Tue, 25 Nov 2025 10:05:00 GMT"}}), kNow);
  EXPECT_EQ(date.reset_epoch, kNow + 300);
}

TEST(ParseRateLimitTest, RetryAfterForms) {
  EXPECT_EQ(parseRateLimit(response(429, {{"Retry-After", "120"}}), kNow).retry_after_seconds, 120);
  EXPECT_EQ(parseRateLimit(response(429, {{"Retry-After", " 7 "}}), kNow).retry_after_seconds, 7);
  EXPECT_EQ(parseRateLimit(response(503, {{"Retry-After", "Tue, 25 Nov 2025 10:02:00 GMT"}}), kNow)
                .retry_after_seconds,
            120);
  // RFC 850 and asctime forms are HTTP-dates too.
  EXPECT_EQ(
      parseRateLimit(response(503, {{"Retry-After", "Tuesday, 25-Nov-25 10:00:30 GMT"}}), kNow)
          .retry_after_seconds,
      30);
  EXPECT_EQ(parseRateLimit(response(503, {{"Retry-After", "Tue Nov 25 10:00:10 2025"}}), kNow)
                .retry_after_seconds,
            10);
  // A date in the past means "now".
  EXPECT_EQ(parseRateLimit(response(503, {{"Retry-After", "Tue, 25 Nov 2025 09:00:00 GMT"}}), kNow)
                .retry_after_seconds,
            0);
  EXPECT_FALSE(parseRateLimit(response(503, {{"Retry-After", "soon"}}), kNow).retry_after_seconds);
  EXPECT_FALSE(parseRateLimit(response(503, {{"Retry-After", "-5"}}), kNow).retry_after_seconds);
}

TEST(ParseRateLimitTest, GarbageIsIgnored) {
  auto info = parseRateLimit(
      response(200, {{"X-RateLimit-Remaining", "many"}, {"X-RateLimit-Reset", "12abc"}}), kNow);
  EXPECT_FALSE(info.remaining);
  EXPECT_FALSE(info.reset_epoch);
}

TEST(DecideRateLimitTest, SuccessAndPlainForbiddenAreNotLimits) {
  EXPECT_EQ(decideRateLimit(response(200, {{"x-ratelimit-remaining", "0"}}), kNow, 0).action,
            Action::kNotLimited);
  EXPECT_EQ(decideRateLimit(response(403, {{"x-ratelimit-remaining", "4000"}},
                                     R"({"message":"Resource not accessible by integration"})"),
                            kNow, 0)
                .action,
            Action::kNotLimited);
  EXPECT_EQ(decideRateLimit(response(404, {{"Retry-After", "5"}}), kNow, 0).action,
            Action::kNotLimited);
}

TEST(DecideRateLimitTest, RetryAfterWins) {
  auto d = decideRateLimit(response(403, {{"Retry-After", "42"},
                                          {"x-ratelimit-remaining", "0"},
                                          {"x-ratelimit-reset", std::to_string(kNow + 900)}}),
                           kNow, 0);
  EXPECT_EQ(d.action, Action::kRetry);
  EXPECT_EQ(d.wait.count(), 42);
}

TEST(DecideRateLimitTest, PrimaryExhaustedWaitsUntilReset) {
  auto d = decideRateLimit(response(403,
                                    {{"x-ratelimit-remaining", "0"},
                                     {"x-ratelimit-reset", std::to_string(kNow + 600)},
                                     {"x-ratelimit-resource", "core"}},
                                    R"({"message":"API rate limit exceeded for user ID 1."})"),
                           kNow, 0);
  EXPECT_EQ(d.action, Action::kRetry);
  EXPECT_EQ(d.wait.count(), 601);
  EXPECT_NE(d.reason.find("core"), std::string::npos);

  auto gitlab = decideRateLimit(
      response(429, {{"RateLimit-Remaining", "0"}, {"RateLimit-Reset", std::to_string(kNow + 5)}}),
      kNow, 0);
  EXPECT_EQ(gitlab.action, Action::kRetry);
  EXPECT_EQ(gitlab.wait.count(), 6);
}

TEST(DecideRateLimitTest, SecondaryBacksOffExponentially) {
  auto secondary = response(403, {{"x-ratelimit-remaining", "4000"}},
                            R"({"message":"You have exceeded a secondary rate limit."})");
  EXPECT_EQ(decideRateLimit(secondary, kNow, 0).wait.count(), 60);
  EXPECT_EQ(decideRateLimit(secondary, kNow, 1).wait.count(), 120);
  EXPECT_EQ(decideRateLimit(secondary, kNow, 3).wait.count(), 480);
  EXPECT_EQ(decideRateLimit(secondary, kNow, 4).wait.count(), 900);  // capped at max_backoff
  EXPECT_EQ(decideRateLimit(secondary, kNow, 4).action, Action::kRetry);
  auto gave_up = decideRateLimit(secondary, kNow, 5);
  EXPECT_EQ(gave_up.action, Action::kGiveUp);
  EXPECT_NE(gave_up.reason.find("giving up"), std::string::npos);

  // A bare 429 is a limit even without headers or a body.
  EXPECT_EQ(decideRateLimit(response(429, {}), kNow, 0).action, Action::kRetry);
}

TEST(DecideRateLimitTest, TooLongAWaitGivesUp) {
  RateLimitPolicy policy;
  policy.max_wait = std::chrono::seconds(300);
  auto d = decideRateLimit(response(403, {{"x-ratelimit-remaining", "0"},
                                          {"x-ratelimit-reset", std::to_string(kNow + 3000)}}),
                           kNow, 0, policy);
  EXPECT_EQ(d.action, Action::kGiveUp);
  EXPECT_EQ(d.wait.count(), 3001);
}

TEST(PauseBeforeNextCallTest, OnlyWhenExhausted) {
  RateLimitInfo info;
  EXPECT_EQ(pauseBeforeNextCall(info, kNow).count(), 0);
  info.remaining = 0;
  info.reset_epoch = kNow + 10;
  EXPECT_EQ(pauseBeforeNextCall(info, kNow).count(), 11);
  info.reset_epoch = kNow - 10;
  EXPECT_EQ(pauseBeforeNextCall(info, kNow).count(), 0);
  info.remaining = 3;
  info.reset_epoch = kNow + 10;
  EXPECT_EQ(pauseBeforeNextCall(info, kNow).count(), 0);
}

}  // namespace
}  // namespace triggerd
