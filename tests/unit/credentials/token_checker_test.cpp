// The token check across several triggerd processes: two checkers (two "processes", each with
// its own metrics and lease owner) on one Redis run one pass per interval between them, and
// never two passes at once. The Redis is the in-memory one, whose clock the test moves, so the
// leases expire exactly when the test says; the provider is the fake GitHub on loopback.
#include "credentials/token_checker.h"

#include <gtest/gtest.h>

#include "crypto/keyring.h"
#include "http/curl_multi_client.h"
#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_redis_client.h"
#include "tests/support/loop_runner.h"
#include "tests/support/loopback_http.h"
#include "tests/support/test_keys.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kToken = "ghp_leasetest00000000000000000000000000";

class TokenCheckerLeaseTest : public ::testing::Test {
 protected:
  // One triggerd process: its own checker and metrics, the shared Redis and provider.
  struct Process {
    Process(TokenCheckerLeaseTest& t, const std::string& owner)
        : checker(t.loop_, t.redis_, t.keys_, owner, t.sources_, t.http_, t.clock_, metrics,
                  options()) {}
    uint64_t passes(const char* outcome) const {
      return metrics.counter("triggerd_token_check_passes_total", {{"outcome", outcome}});
    }
    Metrics metrics;
    TokenChecker checker;
  };

  static TokenCheckOptions options() {
    TokenCheckOptions o;
    o.interval = 10s;  // the period lease lasts 9 s of the fake Redis's clock
    return o;
  }

  void SetUp() override {
    github_.addUser(1, "octocat", "The Octocat");
    github_.addToken(kToken, "octocat", {"repo"});
    for (const char* user : {"alice", "bob", "carol"}) {
      Source s;
      s.user = user;
      s.provider = Provider::kGithub;
      s.api_url = github_.apiBaseUrl();
      s.login = "octocat";
      s.account_id = "1";
      s.token = kToken;
      s.scopes = {"repo"};
      ASSERT_TRUE(await<Status>(loop_, [&](auto cb) { sources_.create(s, cb); }).ok());
    }
    github_.clearRequests();
  }

  size_t userCalls() const {
    size_t n = 0;
    for (const auto& r : github_.requests()) n += r.rawPath() == "/user";
    return n;
  }

  // Fires both processes' periodic timers at once and waits until both have decided.
  void fireBoth(Process& a, Process& b) {
    auto decided = [](const Process& p) {
      return p.passes("completed") + p.passes("elsewhere") + p.passes("failed");
    };
    uint64_t target = decided(a) + decided(b) + 2;
    a.checker.start(0ms);
    b.checker.start(0ms);
    ASSERT_TRUE(runUntil(loop_, [&] { return decided(a) + decided(b) == target; }));
    ASSERT_TRUE(runUntil(loop_, [&] { return !a.checker.running() && !b.checker.running(); }));
  }

  EventLoop loop_;
  FakeRedisClient redis_{loop_};
  Keys keys_;
  SecureRandom rng_;
  Keyring keyring_ = keyringOf(masterKey('k'));
  SealedRecords records_{redis_, keyring_, rng_};
  SourceStore sources_{records_, keys_};
  FakeGitHub github_;
  CurlMultiClient http_{loop_, loopbackClientOptions()};
  SystemClock clock_;
};

TEST_F(TokenCheckerLeaseTest, TwoProcessesRunOnePassPerInterval) {
  Process a(*this, "host-a:1:aaaa"), b(*this, "host-b:2:bbbb");
  fireBoth(a, b);
  EXPECT_EQ(a.passes("completed") + b.passes("completed"), 1u);
  EXPECT_EQ(a.passes("elsewhere") + b.passes("elsewhere"), 1u);
  EXPECT_EQ(userCalls(), 3u) << "one pass: each of the three sources checked once";
  // The pass lease is let go at the end of the pass; the period lease stays until it expires.
  EXPECT_TRUE(redis_.cmd({"GET", "triggerd:lease:token-check"}).isNil());
  EXPECT_FALSE(redis_.cmd({"GET", "triggerd:lease:token-check:period"}).isNil());

  // Later in the same interval: still nobody.
  redis_.advanceTime(8s);
  fireBoth(a, b);
  EXPECT_EQ(a.passes("completed") + b.passes("completed"), 1u);
  EXPECT_EQ(userCalls(), 3u);

  // The next interval: one more pass, again in one process only.
  redis_.advanceTime(2s);
  fireBoth(a, b);
  EXPECT_EQ(a.passes("completed") + b.passes("completed"), 2u);
  EXPECT_EQ(a.passes("elsewhere") + b.passes("elsewhere"), 4u);
  EXPECT_EQ(userCalls(), 6u);
}

TEST_F(TokenCheckerLeaseTest, APassAskedForWhileAnotherProcessRunsOneIsRefused) {
  Process a(*this, "host-a:1:aaaa"), b(*this, "host-b:2:bbbb");
  std::optional<TokenCheckSummary> first, second;
  a.checker.runOnce([&](TokenCheckSummary s) { first = s; });
  // b asks while a's pass is under way (its lease is taken on the first loop turns).
  ASSERT_TRUE(runUntil(loop_, [&] { return a.checker.running() && userCalls() >= 1; }));
  b.checker.runOnce([&](TokenCheckSummary s) { second = s; });
  ASSERT_TRUE(runUntil(loop_, [&] { return first && second; }));
  EXPECT_EQ(first->checked, 3);
  EXPECT_FALSE(first->elsewhere);
  EXPECT_TRUE(second->elsewhere);
  EXPECT_EQ(second->checked, 0);
  EXPECT_EQ(userCalls(), 3u);
  // Once a's pass is over, b may run one.
  auto again = await<TokenCheckSummary>(loop_, [&](auto cb) { b.checker.runOnce(cb); });
  EXPECT_EQ(again.checked, 3);
  EXPECT_FALSE(again.elsewhere);
}

TEST_F(TokenCheckerLeaseTest, ALeaseHeldByACrashedProcessExpiresByItself) {
  // Another process took the pass lease and died: nobody may run until it expires.
  redis_.cmd({"SET", "triggerd:lease:token-check", "gone:9:dead", "PX", "60000"});
  Process a(*this, "host-a:1:aaaa");
  auto refused = await<TokenCheckSummary>(loop_, [&](auto cb) { a.checker.runOnce(cb); });
  EXPECT_TRUE(refused.elsewhere);
  redis_.advanceTime(TokenChecker::kPassLeaseTtl + 1ms);
  auto ran = await<TokenCheckSummary>(loop_, [&](auto cb) { a.checker.runOnce(cb); });
  EXPECT_FALSE(ran.elsewhere);
  EXPECT_EQ(ran.checked, 3);
}

TEST_F(TokenCheckerLeaseTest, StoppingInTheMiddleOfAPassLetsGoOfItsLease) {
  Process a(*this, "host-a:1:aaaa"), b(*this, "host-b:2:bbbb");
  github_.setDelay(100ms);  // a pass of three sources takes 300 ms
  std::optional<TokenCheckSummary> stopped;
  a.checker.runOnce([&](TokenCheckSummary s) { stopped = s; });
  ASSERT_TRUE(runUntil(loop_, [&] { return userCalls() >= 1; }));
  a.checker.stop();  // shutdown
  ASSERT_TRUE(runUntil(loop_, [&] {
    return redis_.cmd({"GET", "triggerd:lease:token-check"}).isNil();
  }));
  EXPECT_TRUE(a.checker.running()) << "the lease went before the pass ended";
  ASSERT_TRUE(runUntil(loop_, [&] { return stopped.has_value(); }));
  EXPECT_LT(stopped->checked, 3) << "the pass ends after the source in hand";
  github_.setDelay(0ms);
  auto ran = await<TokenCheckSummary>(loop_, [&](auto cb) { b.checker.runOnce(cb); });
  EXPECT_FALSE(ran.elsewhere);
  EXPECT_EQ(ran.checked, 3);
}

}  // namespace
}  // namespace triggerd::testing
