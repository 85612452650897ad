// SentinelClient against real sentinels on loopback: discovery through the sentinels (a dead one
// skipped), the ROLE check, following a failover, and what an unknown master name says.
#include "redis/sentinel_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/loop_runner.h"
#include "tests/support/redis_client_checks.h"
#include "tests/support/redis_sentinel.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using testing::RedisCapture;
using testing::RedisSentinelSet;
using testing::runUntil;

class SentinelClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { set_ = new RedisSentinelSet(1, 3); }
  static void TearDownTestSuite() {
    delete set_;
    set_ = nullptr;
  }

  SentinelClient::Options options(std::vector<std::string> sentinels = {}) {
    SentinelClient::Options o;
    o.sentinels = sentinels.empty() ? set_->sentinelAddresses() : sentinels;
    o.master_name = RedisSentinelSet::kMasterName;
    o.primary.connect_timeout = 1000ms;
    o.primary.command_timeout = 1000ms;
    o.primary.reconnect_min = 20ms;
    o.primary.reconnect_max = 200ms;
    o.check_interval = 200ms;
    return o;
  }
  RedisCapture call(RedisClient& c, std::vector<std::string> argv) {
    RedisCapture cap;
    c.command(std::move(argv), cap.cb());
    EXPECT_TRUE(runUntil(loop_, [&] { return cap.done(); }));
    return cap;
  }

  static RedisSentinelSet* set_;
  EventLoop loop_;
};

RedisSentinelSet* SentinelClientTest::set_ = nullptr;

TEST_F(SentinelClientTest, FindsThePrimaryThroughTheSentinels) {
  // The first sentinel listed is not running: the next one answers.
  std::vector<std::string> sentinels = set_->sentinelAddresses();
  sentinels.insert(sentinels.begin(), "127.0.0.1:1");
  SentinelClient c(loop_, options(sentinels));
  int ups = 0;
  c.setStateCallbacks([&] { ++ups; }, nullptr);
  c.start();
  ASSERT_TRUE(runUntil(loop_, [&] { return c.connected(); })) << c.lastError();
  EXPECT_EQ(c.primaryAddress(), set_->primaryAddress());
  EXPECT_NE(c.describe().find(set_->primaryAddress()), std::string::npos) << c.describe();
  auto set = call(c, {"SET", "sentinel:k", "v"});
  ASSERT_TRUE(set.result->ok());
  EXPECT_EQ(set.value().str, "OK");
  EXPECT_TRUE(runUntil(loop_, [&] { return ups == 1; }));
  // WAIT 1 through the primary: its replica acknowledges.
  RedisCapture replicated;
  c.commandReplicated({"SET", "sentinel:w", "v"}, 1, 1000ms, replicated.cb());
  ASSERT_TRUE(runUntil(loop_, [&] { return replicated.done(); }));
  ASSERT_TRUE(replicated.result->ok()) << replicated.error().message;
  EXPECT_EQ(replicated.value().str, "OK");
  EXPECT_EQ(c.counters().replication_short, 0u);
}

TEST_F(SentinelClientTest, UnknownMasterNameIsReportedPerSentinel) {
  auto o = options();
  o.master_name = "nobody";
  SentinelClient c(loop_, o);
  c.start();
  ASSERT_TRUE(runUntil(loop_, [&] { return c.counters().discovery_failures >= 2; }));
  EXPECT_FALSE(c.connected());
  EXPECT_NE(c.lastError().find("does not monitor a master named \"nobody\""), std::string::npos)
      << c.lastError();
  auto r = call(c, {"GET", "k"});
  EXPECT_EQ(r.error().kind(), Error::Kind::kUnavailable);
}

TEST_F(SentinelClientTest, FollowsAFailover) {
  SentinelClient c(loop_, options());
  c.start();
  ASSERT_TRUE(runUntil(loop_, [&] { return c.connected(); })) << c.lastError();
  const std::string before = c.primaryAddress();
  ASSERT_TRUE(call(c, {"SET", "failover:k", "1"}).result->ok());
  ASSERT_TRUE(set_->ready());
  RedisValue started = set_->failover();
  ASSERT_FALSE(started.isError()) << started.str;
  ASSERT_TRUE(set_->waitForNewPrimary(before));
  // The old primary is demoted (its clients killed, or READONLY) and the check sees the move.
  ASSERT_TRUE(runUntil(
      loop_, [&] { return c.connected() && c.primaryAddress() != before; }, 20000ms))
      << c.lastError();
  EXPECT_EQ(c.primaryAddress(), set_->primaryAddress());
  EXPECT_EQ(c.counters().primary_changes, 1u);
  auto get = call(c, {"GET", "failover:k"});
  ASSERT_TRUE(get.result->ok());
  EXPECT_EQ(get.value().str, "1");
}

}  // namespace
}  // namespace triggerd
