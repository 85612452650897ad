// Start-up: config checking, refusing a Redis without AOF, signals.
#include <gtest/gtest.h>

#include <signal.h>

#include <thread>

#include "tests/integration/triggerd_fixture.h"

namespace triggerd::testing {
namespace {

std::string bin() {
  return triggerdBinary();
}

TEST(StartupTest, CheckConfigAcceptsTheExampleShapeAndRejectsErrorsWithFileAndLine) {
  TempDir dir;
  dir.write("master.key", std::string(64, 'a') + "\n");
  dir.write("good.toml",
            "[server]\npublic_base_url = \"https://t.example\"\n[security]\n"
            "master_key_file = \"master.key\"\nadmin_token_sha256 = [\"" +
                std::string(64, 'b') + "\"]\n",
            0644);
  Subprocess good({bin(), "--check-config", "--config", dir.file("good.toml")},
                  dir.file("good.log"));
  EXPECT_EQ(good.wait(std::chrono::seconds(10)), 0) << good.log();

  dir.write("bad.toml",
            "[server]\npublic_base_url = \"https://t.example\"\nmax_bodyy = 3\n[security]\n"
            "master_key_file = \"master.key\"\nadmin_token_sha256 = [\"" +
                std::string(64, 'b') + "\"]\n",
            0644);
  Subprocess bad({bin(), "--check-config", "--config", dir.file("bad.toml")}, dir.file("bad.log"));
  EXPECT_NE(bad.wait(std::chrono::seconds(10)), 0);
  EXPECT_NE(bad.log().find(dir.file("bad.toml") + ":3"), std::string::npos) << bad.log();
}

TEST(StartupTest, RefusesRedisWithoutAppendOnly) {
  TriggerdOptions o;
  o.redis_appendonly = false;
  o.wait_ready = false;
  TriggerdInstance tri(o);
  EXPECT_NE(tri.process().wait(std::chrono::seconds(15)), 0);
  EXPECT_NE(tri.log().find("allow_volatile_redis"), std::string::npos) << tri.log();
}

TEST(StartupTest, AllowVolatileRedisStartsAnyway) {
  TriggerdOptions o;
  o.redis_appendonly = false;
  o.redis_extra = "allow_volatile_redis = true";
  TriggerdInstance tri(o);
  EXPECT_TRUE(tri.process().running());
  EXPECT_NE(tri.log().find("appendonly"), std::string::npos) << tri.log();
}

TEST(StartupTest, SigtermExitsCleanlyAndHealthEndpointsAnswer) {
  TriggerdInstance tri;
  auto health = httpCall("GET", tri.publicUrl("/healthz"));
  EXPECT_EQ(health.status, 200);
  auto metrics = httpCall("GET", tri.adminUrl("/metrics"));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("triggerd_webhook_deliveries_total"), std::string::npos);
  EXPECT_EQ(tri.stop(SIGTERM), 0) << tri.log();
}

TEST(StartupTest, SighupReloadsAndKeepsServing) {
  TriggerdInstance tri;
  kill(tri.process().pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(tri.process().running());
  EXPECT_EQ(httpCall("GET", tri.publicUrl("/readyz")).status, 200);
  EXPECT_NE(tri.log().find("reload"), std::string::npos) << tri.log();
}

}  // namespace
}  // namespace triggerd::testing
