// triggerd itself breaks or is told to change under sustained signed load: killed with SIGKILL
// and restarted on the same spool, stopped with SIGTERM, reloaded with SIGHUP (a valid and an
// invalid file). Every delivery answered is built exactly once.
#include <fstream>
#include <regex>
#include <sstream>

#include "common/digest.h"
#include "tests/faults/fault_test.h"
#include "tests/support/http_call.h"
#include "tests/support/json_doc.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

class DaemonFaultTest : public FaultTest {
 protected:
  // The value of one metric sample in the admin /metrics text, or -1.
  double metric(const std::string& sample) {
    std::string text = httpCall("GET", tri_->adminUrl("/metrics")).body;
    size_t at = text.find("\n" + sample + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + sample.size() + 2));
  }

  void rewriteConfig(const std::function<std::string(std::string)>& edit) {
    std::string text = readFile(tri_->configPath());
    std::ofstream(tri_->configPath(), std::ios::trunc) << edit(text);
  }
};

// SIGKILL leaves no chance to finish anything: deliveries in flight get a broken connection and
// are sent again, some deliveries are in the spool (Redis is frozen in the second round, until
// the process is dead), and the next start finds the spool directory as the killed process left
// it.
TEST_F(DaemonFaultTest, TriggerdKilledAndRestartedThreeTimes) {
  startDaemon();
  DeliveryLoad load(loadOptions());
  load.start();
  ASSERT_TRUE(load.awaitAnswered(50)) << load.summary();
  for (int round = 0; round < 3; ++round) {
    bool frozen = round == 1;
    if (frozen) {
      int spooled_before = load.spooled();
      ::kill(tri_->redis().pid(), SIGSTOP);
      ASSERT_TRUE(load.awaitAnswered(20)) << load.summary();  // answered from the spool
      // Killed with deliveries in its spool: the next start replays them.
      EXPECT_GT(load.spooled(), spooled_before) << load.summary();
    }
    tri_->process().stop(SIGKILL);
    if (frozen) ::kill(tri_->redis().pid(), SIGCONT);
    std::this_thread::sleep_for(300ms);  // clients meet a closed port and retry
    tri_->start();
    ASSERT_TRUE(load.awaitAnswered(50)) << "round " << round << ": " << load.summary();
  }
  finish(load);
  EXPECT_EQ(load.serverErrors(), 0) << load.summary();
  EXPECT_GT(load.transportErrors(), 0) << "the kills should have broken some deliveries";
}

// SIGTERM: requests triggerd has read are answered, then it exits 0. Redis is frozen first and
// its deadlines are long (2 s before the spool takes a delivery), so the requests are certainly
// inside triggerd, waiting for Redis, when the signal arrives; they are spooled and answered.
TEST_F(DaemonFaultTest, SigtermAnswersRequestsInFlightThenExitsZero) {
  TriggerdOptions o = withSpool();
  o.args = {"--set", "redis.command_timeout=3s", "--set", "spool.redis_deadline=2s"};
  startDaemon(o);
  constexpr int kInFlight = 8;
  DeliveryLoadOptions lo = loadOptions();
  lo.id_prefix = "inflight";
  lo.first_variant = 100100;  // pushes of their own: the load below sends variants 1, 2, ...
  lo.threads = kInFlight;
  lo.max_deliveries = kInFlight;  // one each, all at once
  lo.retry_for = 0s;              // no second attempt: the first must succeed
  {
    // A first delivery makes the trigger known to this process, which then verifies
    // deliveries to it while Redis cannot be read.
    DeliveryLoadOptions warm = loadOptions();
    warm.id_prefix = "warm";
    warm.threads = 1;
    warm.max_deliveries = 1;
    warm.first_variant = 100000;
    DeliveryLoad first(warm);
    first.start();
    ASSERT_TRUE(first.awaitAnswered(1));
  }
  ::kill(tri_->redis().pid(), SIGSTOP);
  DeliveryLoad inflight(lo);
  inflight.start();
  ASSERT_TRUE(waitUntil([&] {
    return metric("triggerd_http_connections{listener=\"public\"}") >= kInFlight;
  })) << metric("triggerd_http_connections{listener=\"public\"}");
  std::this_thread::sleep_for(300ms);  // the bodies are read; the enqueues wait for Redis
  EXPECT_EQ(inflight.answered(), 0) << "answered before the signal: " << inflight.summary();
  tri_->process().stop(SIGTERM, 0ms);
  int rc = tri_->process().wait(15s);
  EXPECT_EQ(rc, 0) << tri_->log().substr(0, 100000);
  inflight.stop();
  for (const auto& r : inflight.records()) {
    EXPECT_EQ(r.statuses.size(), 1u) << r.delivery_id;
    EXPECT_EQ(r.statuses.front(), 202)
        << r.delivery_id << " " << (r.transport_errors.empty() ? "" : r.transport_errors[0]);
    EXPECT_TRUE(r.spooled) << r.delivery_id;
  }
  EXPECT_EQ(inflight.records().size(), static_cast<size_t>(kInFlight));
  ::kill(tri_->redis().pid(), SIGCONT);

  // Under load: stop, start again; clients retry what the closed port refused.
  tri_->start();
  DeliveryLoad load(loadOptions());
  load.start();
  ASSERT_TRUE(load.awaitAnswered(100)) << load.summary();
  EXPECT_EQ(tri_->stop(SIGTERM), 0) << tri_->log().substr(0, 100000);
  std::this_thread::sleep_for(300ms);
  tri_->start();
  ASSERT_TRUE(load.awaitAnswered(100)) << load.summary();
  finish(load);
  EXPECT_TRUE(exactlyOnce(tri_->redis(), inflight.records()));
  EXPECT_EQ(load.serverErrors(), 0) << load.summary();
}

// SIGHUP with a valid file applies it, with an invalid one keeps the running config; neither
// costs a single delivery a retry.
TEST_F(DaemonFaultTest, SighupWithValidAndInvalidConfigsUnderLoad) {
  startDaemon();
  DeliveryLoad load(loadOptions());
  load.start();
  ASSERT_TRUE(load.awaitAnswered(50)) << load.summary();

  // Valid: a second admin token, then several reloads in a row (they coalesce).
  const std::string second_token = "second-admin-token-0123456789";
  std::string original = readFile(tri_->configPath());
  rewriteConfig([&](std::string text) {
    return std::regex_replace(text, std::regex("admin_token_sha256 = \\[\"([0-9a-f]{64})\"\\]"),
                              "admin_token_sha256 = [\"$1\", \"" + sha256Hex(second_token) + "\"]");
  });
  ::kill(tri_->process().pid(), SIGHUP);
  ASSERT_TRUE(waitUntil([&] {
    return tri_->admin("GET", "/api/v1/users/alice/triggers", "", second_token).status == 200;
  })) << tri_->log().substr(0, 100000);
  for (int i = 0; i < 3; ++i) ::kill(tri_->process().pid(), SIGHUP);
  ASSERT_TRUE(load.awaitAnswered(50)) << load.summary();

  // Invalid: refused as a whole, the running config (with the second token) stays.
  rewriteConfig([](std::string text) { return text + "\n[limits]\nmax_body_bytes = \"10MB\"\n"; });
  double refused_before = metric("triggerd_config_reloads_total{outcome=\"refused\"}");
  ::kill(tri_->process().pid(), SIGHUP);
  ASSERT_TRUE(waitUntil([&] {
    return metric("triggerd_config_reloads_total{outcome=\"refused\"}") > refused_before;
  })) << tri_->log().substr(0, 100000);
  EXPECT_EQ(tri_->admin("GET", "/api/v1/users/alice/triggers", "", second_token).status, 200);
  ASSERT_TRUE(load.awaitAnswered(50)) << load.summary();
  rewriteConfig([&](std::string) { return original; });
  ::kill(tri_->process().pid(), SIGHUP);
  ASSERT_TRUE(waitUntil([&] {
    return tri_->admin("GET", "/api/v1/users/alice/triggers", "", second_token).status == 401;
  }));
  ASSERT_TRUE(load.awaitAnswered(50)) << load.summary();
  finish(load);
  EXPECT_GE(metric("triggerd_config_reloads_total{outcome=\"applied\"}"), 3);
  // No failed request: every delivery was answered 2xx on its first attempt.
  for (const auto& r : load.records())
    EXPECT_EQ(r.statuses.size(), 1u) << r.delivery_id << " needed a retry";
  EXPECT_EQ(load.serverErrors() + load.transportErrors(), 0) << load.summary();
}

}  // namespace
}  // namespace triggerd::testing
