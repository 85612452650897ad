// Redis breaks under sustained signed load: killed and restarted, frozen past the deadline,
// down for a long outage. With the spool, no delivery gets a 5xx, every one answered is built
// exactly once, and the spool drains when Redis is back.
#include <cstdlib>

#include "tests/faults/fault_test.h"
#include "tests/support/http_call.h"
#include "tests/support/json_doc.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

class RedisFaultTest : public FaultTest {};

TEST_F(RedisFaultTest, RedisKilledAndRestartedThreeTimes) {
  startDaemon();
  DeliveryLoad load(loadOptions());
  load.start();
  ASSERT_TRUE(load.awaitAnswered(50)) << load.summary();
  for (int round = 0; round < 3; ++round) {
    int spooled_before = load.spooled();
    killRedis();
    // Deliveries keep being answered from the spool while Redis is gone.
    std::this_thread::sleep_for(500ms);
    ASSERT_TRUE(load.awaitAnswered(40)) << "round " << round << ": " << load.summary();
    EXPECT_GT(load.spooled(), spooled_before) << "round " << round << ": " << load.summary();
    tri_->redis().start();
    std::this_thread::sleep_for(500ms);
    ASSERT_TRUE(load.awaitAnswered(40)) << "round " << round << ": " << load.summary();
  }
  finish(load);
  EXPECT_EQ(load.serverErrors(), 0) << load.summary();
  EXPECT_EQ(load.transportErrors(), 0) << load.summary();
}

TEST_F(RedisFaultTest, RedisFrozenPastTheDeadline) {
  startDaemon();
  DeliveryLoad load(loadOptions());
  load.start();
  ASSERT_TRUE(load.awaitAnswered(50)) << load.summary();
  // SIGSTOP: the connection stays open and nothing answers; commands time out (500 ms) and
  // deliveries past spool.redis_deadline (300 ms) go to the spool.
  for (int round = 0; round < 2; ++round) {
    int answered_before = load.answered(), spooled_before = load.spooled();
    ::kill(tri_->redis().pid(), SIGSTOP);
    std::this_thread::sleep_for(2s);
    ::kill(tri_->redis().pid(), SIGCONT);
    // Answered while frozen, from the spool.
    EXPECT_GT(load.answered(), answered_before + 20) << "round " << round << ": " << load.summary();
    EXPECT_GT(load.spooled(), spooled_before) << "round " << round << ": " << load.summary();
    ASSERT_TRUE(load.awaitAnswered(40)) << load.summary();
  }
  finish(load);
  EXPECT_EQ(load.serverErrors(), 0) << load.summary();
  EXPECT_EQ(load.transportErrors(), 0) << load.summary();
}

// A 10-minute Redis outage, shortened: TRIGGERD_FAULT_OUTAGE_SECONDS (default 10; 600 for the
// real thing) sets its length, and the spool's settings are scaled to it: small segments, so the
// outage still fills many (rotation, then deletion as the replay consumes them), and a
// spool.max_age comfortably longer than the outage (a record older than that would be set
// aside instead of built). Nothing in triggerd knows it runs in a test.
TEST_F(RedisFaultTest, LongRedisOutageIsBridgedByTheSpool) {
  int outage_s = 10;
  if (const char* env = std::getenv("TRIGGERD_FAULT_OUTAGE_SECONDS")) outage_s = std::atoi(env);
  ASSERT_GT(outage_s, 0);
  int max_age_s = std::max(60, outage_s * 6);
  startDaemon(withSpool("segment_bytes = \"64KiB\"\nmax_bytes = \"256MiB\"\nmax_age = \"" +
                        std::to_string(max_age_s) + "s\""));
  DeliveryLoadOptions lo = loadOptions();
  lo.max_deliveries = 20000;
  DeliveryLoad load(lo);
  load.start();
  ASSERT_TRUE(load.awaitAnswered(50)) << load.summary();

  tri_->redis().stop();
  int at_outage = load.answered();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(outage_s);
  int not_ready = 0, probes = 0;
  while (std::chrono::steady_clock::now() < until) {
    // Ready throughout: the spool takes what Redis cannot.
    auto r = httpCall("GET", tri_->publicUrl("/readyz"), {}, "", {"", 2000, ""});
    ++probes;
    if (r.status != 200) ++not_ready;
    std::this_thread::sleep_for(250ms);
  }
  int during = load.answered() - at_outage;
  auto status = parseJson(httpCall("GET", tri_->adminUrl("/readyz")).body);
  int64_t spooled = jsonInt(status, "/spool/records");
  tri_->redis().start();
  auto back = std::chrono::steady_clock::now();
  ASSERT_TRUE(spoolDrained(*tri_, 60s)) << tri_->log().substr(0, 100000);
  auto drained_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - back)
          .count();
  std::printf(
      "[ figures  ] outage_s=%d answered_during_outage=%d spooled_at_end=%lld "
      "spool_drained_ms=%lld\n",
      outage_s, during, static_cast<long long>(spooled), static_cast<long long>(drained_ms));
  EXPECT_EQ(not_ready, 0) << "of " << probes << " /readyz probes";
  EXPECT_GT(during, 100) << load.summary();
  EXPECT_GT(spooled, 0);
  finish(load);
  EXPECT_EQ(load.serverErrors(), 0) << load.summary();
  EXPECT_EQ(load.transportErrors(), 0) << load.summary();
}

}  // namespace
}  // namespace triggerd::testing
