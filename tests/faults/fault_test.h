// The base of the fault tests: a real triggerd with a spool on its own real Redis, a GitHub
// trigger, and signed load from several client threads (DeliveryLoad) that retries as a
// provider does. Each test breaks something on purpose while the load runs, then finish()
// checks exactly-once delivery against the job stream.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/faults/delivery_load.h"
#include "tests/faults/fault_checks.h"
#include "tests/integration/triggerd_fixture.h"

namespace triggerd::testing {

class FaultTest : public ::testing::Test {
 protected:
  static constexpr const char* kRules =
      R"([{"kind": "branch", "match": "master", "tags": ["latest"]}])";

  // A spool, and short Redis deadlines so a fault is noticed within half a second. Redis keeps
  // what it acknowledged even when killed (appendfsync always: with everysec a SIGKILL may lose
  // acknowledged writes, docs/redis-layout.md), so every loss the tests find is triggerd's.
  static TriggerdOptions withSpool(const std::string& spool_extra = "") {
    TriggerdOptions o;
    o.redis_appendfsync = "always";
    o.extra_toml = "[spool]\ndir = \"spool\"\nredis_deadline = \"300ms\"\n" + spool_extra + "\n";
    return o;
  }

  void startDaemon(TriggerdOptions options = withSpool()) {
    tri_ = std::make_unique<TriggerdInstance>(std::move(options));
    auto [id, secret] = tri_->createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
    trigger_ = id;
    secret_ = secret;
  }

  DeliveryLoadOptions loadOptions() {
    DeliveryLoadOptions o;
    o.secret = secret_;
    std::string url = tri_->publicUrl("/webhooks/github/" + trigger_);
    o.url = [url](int) { return url; };
    return o;
  }

  // Stops the load, waits for the spool to drain, and checks exactly-once delivery.
  void finish(DeliveryLoad& load,
              std::chrono::milliseconds drain_within = std::chrono::seconds(60)) {
    load.stop();
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(spoolDrained(*tri_, drain_within)) << tri_->log().substr(0, 200000);
    drain_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    auto records = load.records();
    auto verdict = exactlyOnce(tri_->redis(), records);
    EXPECT_TRUE(verdict) << "triggerd's log about them:\n"
                         << (verdict ? "" : linesAbout(tri_->log(), verdict.message()));
    EXPECT_EQ(load.otherFailures(), 0) << load.summary();
    std::printf("[ figures  ] %s drain_after_stop_ms=%lld\n", load.summary().c_str(),
                static_cast<long long>(drain_ms_));
  }

  void killRedis() {
    ::kill(tri_->redis().pid(), SIGKILL);
    tri_->redis().stop();  // reaps it
  }

  std::unique_ptr<TriggerdInstance> tri_;
  std::string trigger_, secret_;
  long long drain_ms_ = 0;
};

}  // namespace triggerd::testing
