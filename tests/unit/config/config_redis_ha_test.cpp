// The [redis] keys of Sentinel and Cluster (docs/redis-ha.md): what loads, and the precise
// refusal of every inconsistent combination.
#include <gtest/gtest.h>

#include "tests/unit/config/config_test_util.h"

namespace triggerd::testing {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(ConfigTest, SentinelAndClusterSettingsLoad) {
  dir_.write("sentinel.password", "s3cret\n", 0600);
  auto c = parse(
      minimal("[redis]\nsentinels = [\"10.0.0.5:26379\", \"[fd00::6]:26379\"]\nmaster_name = "
              "\"triggerd\"\nsentinel_password_file = \"sentinel.password\"\nwait_replicas = 1\n"
              "wait_timeout = \"250ms\"\n"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->redis_sentinels.size(), 2u);
  EXPECT_EQ(c->redis_master_name, "triggerd");
  EXPECT_EQ(c->redis_sentinel_password, "s3cret");
  EXPECT_EQ(c->redis_wait_replicas, 1);
  EXPECT_EQ(c->redis_wait_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(renderEffectiveConfig(*c).find("s3cret"), std::string::npos);

  auto k = parse(minimal("[redis]\ncluster_nodes = [\"10.0.0.5:6379\"]\n"));
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->redis_cluster_nodes, std::vector<std::string>{"10.0.0.5:6379"});
  EXPECT_EQ(k->redis_wait_replicas, 0);
}

TEST_F(ConfigTest, SentinelAndClusterNodesMustBeIpAndPort) {
  std::string e =
      errorOf(minimal("[redis]\nsentinels = [\"10.0.0.5:26379\", \"sentinel.internal:26379\"]\n"
                      "master_name = \"m\"\n"));
  EXPECT_TRUE(contains(e,
                       "redis.sentinels: item 2: host \"sentinel.internal\" must be an IP "
                       "address"))
      << e;
  e = errorOf(minimal("[redis]\ncluster_nodes = [\"10.0.0.5\"]\n"));
  EXPECT_TRUE(contains(e, "redis.cluster_nodes: item 1: \"10.0.0.5\" is not IP:port")) << e;
}

TEST_F(ConfigTest, InconsistentHighAvailabilitySettingsAreRefused) {
  std::string e = errorOf(minimal("[redis]\nsentinels = [\"10.0.0.5:26379\"]\n"));
  EXPECT_TRUE(contains(e, "redis.master_name: required with redis.sentinels")) << e;
  e = errorOf(minimal("[redis]\nmaster_name = \"m\"\n"));
  EXPECT_TRUE(contains(e, "redis.sentinels: required with redis.master_name")) << e;
  e =
      errorOf(minimal("[redis]\nsentinels = [\"10.0.0.5:26379\"]\nmaster_name = \"m\"\n"
                      "cluster_nodes = [\"10.0.0.6:6379\"]\n"));
  EXPECT_TRUE(contains(e, "redis.cluster_nodes: cannot be set together with redis.sentinels")) << e;
  e = errorOf(minimal("[redis]\ncluster_nodes = [\"10.0.0.6:6379\"]\nkey_prefix = \"{t}:\"\n"));
  EXPECT_TRUE(contains(e, "redis.key_prefix: must not contain { or } with redis.cluster_nodes"))
      << e;
  EXPECT_TRUE(parse(minimal("[redis]\nkey_prefix = \"{t}:\"\n")).ok());
  e = errorOf(minimal("[redis]\nwait_replicas = 1\nwait_timeout = \"2s\"\n"));
  EXPECT_TRUE(contains(e, "redis.wait_timeout: must be shorter than redis.command_timeout (2s)"))
      << e;
  EXPECT_TRUE(parse(minimal("[redis]\nwait_timeout = \"2s\"\n")).ok());  // no WAIT, no limit
  dir_.write("sentinel.password", "s3cret\n", 0600);
  e = errorOf(minimal("[redis]\nsentinel_password_file = \"sentinel.password\"\n"));
  EXPECT_TRUE(contains(e, "redis.sentinel_password_file: only used with redis.sentinels")) << e;
  e = errorOf(minimal("[redis]\nwait_replicas = 11\n"));
  EXPECT_TRUE(contains(e, "redis.wait_replicas: must be from 0 to 10 (got 11)")) << e;
}

}  // namespace
}  // namespace triggerd::testing
