// ProviderThrottle in front of a real CurlMultiClient and a real loopback server that keeps a
// rate-limit budget: what waits, what is refused at once, what is retried, and that nothing is
// sent while a budget is paused.
#include "http/provider_throttle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <mutex>
#include <optional>

#include "http/curl_multi_client.h"
#include "tests/support/loop_runner.h"
#include "tests/support/tls_server.h"

namespace triggerd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

CurlMultiClient::Options loopbackOptions() {
  CurlMultiClient::Options o;
  auto guard = AddressGuard::fromStrings({"127.0.0.0/8"});
  if (guard.ok()) o.address_guard = *guard;
  return o;
}

class ProviderThrottleTest : public ::testing::Test {
 protected:
  HttpRequest request(const std::string& token, seconds patience) {
    HttpRequest r;
    r.url = server_.url("/api");
    r.headers = {{"Authorization", "Bearer " + token}};
    r.rate_limit_patience = patience;
    return r;
  }

  // Sends and runs the loop until the answer comes.
  Result<HttpResponse> call(HttpRequest r, milliseconds timeout = milliseconds(10000)) {
    std::optional<Result<HttpResponse>> out;
    throttle_.send(std::move(r), [&](Result<HttpResponse> got) { out.emplace(std::move(got)); });
    EXPECT_TRUE(testing::runUntil(
        loop_, [&] { return out.has_value(); }, timeout));
    if (!out) return Error{599, "", "no answer"};
    return std::move(*out);
  }

  EventLoop loop_;
  CurlMultiClient curl_{loop_, loopbackOptions()};
  SystemClock clock_;
  ProviderThrottle throttle_{loop_, curl_, clock_};
  FakeHttpServer server_;
};

TEST_F(ProviderThrottleTest, ASpentBudgetHoldsTheNextRequestUntilItsReset) {
  std::atomic<int64_t> reset{0};
  server_.setHandler([&](const FakeRequest&) {
    reset = std::time(nullptr) + 1;
    FakeResponse r = FakeResponse::json(200, "{}");
    r.headers = {{"x-ratelimit-limit", "1"},
                 {"x-ratelimit-remaining", "0"},
                 {"x-ratelimit-reset", std::to_string(reset.load())}};
    return r;
  });
  ASSERT_TRUE(call(request("a", seconds(0))).ok());
  ASSERT_EQ(server_.requestCount(), 1u);

  // Not allowed to wait: answered here, at once, and not sent.
  auto refused = call(request("a", seconds(0)));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->header("X-Triggerd-Throttled"), "1");
  EXPECT_GE(std::stoi(std::string(*refused->header("Retry-After"))), 1);
  EXPECT_EQ(server_.requestCount(), 1u);
  EXPECT_EQ(throttle_.stats().refused, 1u);

  // Allowed to wait: sent once the budget resets.
  auto start = std::chrono::steady_clock::now();
  auto waited = call(request("a", seconds(30)));
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(900));
  EXPECT_EQ(server_.requestCount(), 2u);

  // Another token has a budget of its own.
  auto other = call(request("b", seconds(0)));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 200);
}

TEST_F(ProviderThrottleTest, ARateLimitedRequestIsSentAgainAfterRetryAfter) {
  std::atomic<int> calls{0};
  server_.setHandler([&](const FakeRequest&) {
    if (++calls == 1) {
      FakeResponse r = FakeResponse::json(429, R"({"message": "secondary rate limit"})");
      r.headers.push_back({"Retry-After", "1"});
      return r;
    }
    return FakeResponse::json(200, "{}");
  });
  auto start = std::chrono::steady_clock::now();
  auto r = call(request("a", seconds(30)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(900));
  EXPECT_EQ(throttle_.stats().retried, 1u);

  // Without patience the provider's own answer comes back, for "retry after N s".
  calls = 0;
  auto impatient = call(request("c", seconds(0)));
  ASSERT_TRUE(impatient.ok());
  EXPECT_EQ(impatient->status, 429);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(ProviderThrottleTest, ACancelledWaitingRequestIsNeverSentNorAnswered) {
  server_.setHandler([&](const FakeRequest&) {
    FakeResponse r = FakeResponse::json(200, "{}");
    r.headers = {{"x-ratelimit-remaining", "0"},
                 {"x-ratelimit-reset", std::to_string(std::time(nullptr) + 1)}};
    return r;
  });
  ASSERT_TRUE(call(request("a", seconds(0))).ok());
  bool answered = false;
  HttpRequestId id =
      throttle_.send(request("a", seconds(30)), [&](Result<HttpResponse>) { answered = true; });
  EXPECT_EQ(throttle_.waiting(), 1u);
  throttle_.cancel(id);
  EXPECT_EQ(throttle_.waiting(), 0u);
  testing::runFor(loop_, milliseconds(2500));
  EXPECT_FALSE(answered);
  EXPECT_EQ(server_.requestCount(), 1u);
}

}  // namespace
}  // namespace triggerd
