// ClusterClient against a real three-primary Redis Cluster on loopback: routing by slot, MOVED
// after a resharding, ASK during one, keyless commands, and a lost primary.
#include "redis/cluster_client.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "redis/cluster_slots.h"
#include "tests/support/loop_runner.h"
#include "tests/support/redis_client_checks.h"
#include "tests/support/redis_cluster.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using testing::RedisCapture;
using testing::RedisCluster;
using testing::runUntil;

class ClusterClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new RedisCluster(3); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  std::unique_ptr<ClusterClient> makeClient() {
    ClusterClient::Options o;
    o.seeds = {cluster_->addresses()[1]};  // one seed is enough to learn the others
    o.home_key = "triggerd:{queue}:jobs";
    o.node.connect_timeout = 1000ms;
    o.node.command_timeout = 1000ms;
    o.node.reconnect_min = 20ms;
    o.node.reconnect_max = 200ms;
    o.check_interval = 200ms;
    auto c = std::make_unique<ClusterClient>(loop_, o);
    c->start();
    EXPECT_TRUE(runUntil(loop_, [&] { return c->connected(); })) << c->lastError();
    return c;
  }
  RedisCapture call(ClusterClient& c, std::vector<std::string> argv) {
    RedisCapture cap;
    c.command(std::move(argv), cap.cb());
    EXPECT_TRUE(runUntil(loop_, [&] { return cap.done(); }));
    return cap;
  }

  static RedisCluster* cluster_;
  EventLoop loop_;
};

RedisCluster* ClusterClientTest::cluster_ = nullptr;

TEST_F(ClusterClientTest, RoutesEveryKeyToItsPrimary) {
  auto c = makeClient();
  EXPECT_EQ(c->describe(), "cluster of 3 primaries");
  // Keys spread over all three primaries; each lands where the cluster says it belongs.
  for (int i = 0; i < 30; ++i) {
    std::string key = "route:" + std::to_string(i);
    auto set = call(*c, {"SET", key, "v" + std::to_string(i)});
    ASSERT_TRUE(set.result->ok()) << set.error().message;
    ASSERT_EQ(set.value().str, "OK") << set.value().str;
    EXPECT_EQ(cluster_->cmdFor(key, {"GET", key}).str, "v" + std::to_string(i));
    EXPECT_EQ(c->primaryOf(keySlot(key)),
              cluster_->node(cluster_->ownerOf(keySlot(key))).address());
  }
  EXPECT_EQ(c->counters().moved, 0u);
  // A script over tagged keys runs on their one node.
  auto eval =
      call(*c, {"EVAL", "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[2])",
                "2", "t:{g}:a", "t:{g}:b", "x"});
  ASSERT_TRUE(eval.result->ok());
  EXPECT_TRUE(eval.value().isNil());
  auto mget = call(*c, {"MGET", "t:{g}:a", "t:{g}:b"});
  ASSERT_EQ(mget.value().elements.size(), 2u);
  EXPECT_EQ(mget.value().elements[0].str, "x");
  // Keyless commands go to the primary of the home key.
  auto role = call(*c, {"ROLE"});
  ASSERT_TRUE(role.result->ok());
  EXPECT_EQ(role.value().elements[0].str, "master");
  auto waited = call(*c, {"WAIT", "0", "10"});
  EXPECT_EQ(waited.value().type, RedisValue::Type::kInteger);
}

TEST_F(ClusterClientTest, FollowsMovedAfterAResharding) {
  auto c = makeClient();
  const std::string key = "triggerd:{queue}:moved";
  const int slot = keySlot(key);
  ASSERT_TRUE(call(*c, {"SET", key, "before"}).result->ok());
  size_t from = cluster_->ownerOf(slot);
  size_t to = (from + 1) % cluster_->size();
  cluster_->moveSlot(slot, to);
  // The client's map still names the old owner: it answers MOVED, the client follows.
  EXPECT_EQ(c->primaryOf(slot), cluster_->node(from).address());
  auto get = call(*c, {"GET", key});
  ASSERT_TRUE(get.result->ok()) << get.error().message;
  EXPECT_EQ(get.value().str, "before");
  EXPECT_GE(c->counters().moved, 1u);
  EXPECT_EQ(c->primaryOf(slot), cluster_->node(to).address());
  ASSERT_TRUE(call(*c, {"SET", key, "after"}).result->ok());
  EXPECT_EQ(cluster_->node(to).cmd({"GET", key}).str, "after");
  EXPECT_TRUE(runUntil(loop_, [&] { return c->counters().slot_map_refreshes >= 2; }));
  cluster_->moveSlot(slot, from);  // leave the cluster as the other tests expect it
}

TEST_F(ClusterClientTest, FollowsAskDuringAMigration) {
  auto c = makeClient();
  const std::string moved_key = "triggerd:{ask}:a";
  const int slot = keySlot(moved_key);
  ASSERT_TRUE(call(*c, {"SET", moved_key, "here"}).result->ok());
  size_t from = cluster_->ownerOf(slot);
  size_t to = (from + 2) % cluster_->size();
  cluster_->moveSlot(slot, to, /*keep_migrating=*/true);
  // The key moved already; the source still owns the slot and answers ASK.
  auto get = call(*c, {"GET", moved_key});
  ASSERT_TRUE(get.result->ok()) << get.error().message;
  EXPECT_EQ(get.value().str, "here");
  EXPECT_GE(c->counters().ask, 1u);
  EXPECT_EQ(c->primaryOf(slot), cluster_->node(from).address());  // ASK changes no map
  cluster_->finishMove(slot, to);
  cluster_->moveSlot(slot, from);
}

TEST_F(ClusterClientTest, FailsFastWithoutAMapAndKeepsTheContract) {
  ClusterClient::Options o;
  o.seeds = {"127.0.0.1:1"};  // nothing listens there
  o.node.reconnect_min = 20ms;
  o.node.reconnect_max = 100ms;
  o.check_interval = 100ms;
  ClusterClient c(loop_, o);
  c.start();
  RedisCapture cap;
  c.command({"GET", "k"}, cap.cb());
  EXPECT_FALSE(cap.done());  // never inline
  ASSERT_TRUE(runUntil(loop_, [&] { return cap.done(); }));
  EXPECT_EQ(cap.error().kind(), Error::Kind::kUnavailable);
  EXPECT_FALSE(c.connected());
  EXPECT_TRUE(runUntil(loop_, [&] { return c.counters().discovery_failures > 0; }));
  EXPECT_NE(c.lastError().find("CLUSTER SLOTS"), std::string::npos) << c.lastError();

  // A cancelled command never calls back.
  RedisCapture cancelled;
  c.cancel(c.command({"GET", "k"}, cancelled.cb()));
  testing::runFor(loop_, 50ms);
  EXPECT_EQ(cancelled.calls, 0);
}

TEST_F(ClusterClientTest, DestroyableFromItsOwnCallback) {
  testing::expectDestroyableFromItsOwnCallback(loop_, makeClient());
}

#ifdef NDEBUG
TEST_F(ClusterClientTest, RefusesKeysOfTwoSlots) {
  auto c = makeClient();
  auto r = call(*c, {"MGET", "foo", "somekey"});
  EXPECT_EQ(r.error().kind(), Error::Kind::kInternal);
}
#endif

}  // namespace
}  // namespace triggerd
