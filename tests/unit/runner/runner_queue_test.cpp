// The runner's Redis protocol against a real redis-server: claim, the start script, keep-alive,
// log chunks and the finish script, including the races with triggerd's reclaim.
#include "runner/runner_queue.h"

#include <gtest/gtest.h>

#include <ctime>
#include <map>

#include "queue/job_queue.h"
#include "tests/support/redis_loop.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

class RunnerQueueTest : public ::testing::Test {
 protected:
  RunnerQueueTest() {
    HiredisClient::Options o;
    o.address = rl_.server().address();
    o.command_timeout = 7000ms;
    blocking_ = std::make_unique<HiredisClient>(rl_.loop(), o);
    blocking_->start();
    EXPECT_TRUE(runUntil(rl_.loop(), [&] { return blocking_->connected(); }));
    queue_ =
        std::make_unique<RunnerQueue>(rl_.loop(), rl_.client(), *blocking_, Keys(), "r1", 600, 100);
    JobQueue jq(rl_.client(), Keys());
    EXPECT_TRUE(rl_.await<Status>([&](auto cb) { jq.ensureConsumerGroup(cb); }).ok());
  }

  RedisValue cmd(const std::vector<std::string>& argv) { return rl_.server().cmd(argv); }

  // Adds a job entry and its queued record, as the enqueue script does.
  std::string addJob(const std::string& id) {
    cmd({"HSET", "triggerd:job:" + id, "state", "queued", "attempt", "2"});
    return cmd({"XADD", "triggerd:jobs", "*", "job", "{\"id\":\"" + id + "\"}", "id", id}).str;
  }

  ClaimedEntry claim() {
    auto r = rl_.await<Result<std::optional<ClaimedEntry>>>([&](auto cb) { queue_->claim(cb); });
    EXPECT_TRUE(r.ok() && r->has_value());
    return r.ok() && r->has_value() ? **r : ClaimedEntry{};
  }

  StartOutcome start(const std::string& id) {
    auto r = rl_.await<Result<StartOutcome>>(
        [&](auto cb) { queue_->start(id, 2, "2026-11-25T10:00:00Z", cb); });
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : StartOutcome::kMissing;
  }

  RedisLoop rl_;
  std::unique_ptr<HiredisClient> blocking_;
  std::unique_ptr<RunnerQueue> queue_;
};

TEST_F(RunnerQueueTest, ClaimsTheNextEntryForThisConsumer) {
  std::string entry = addJob("J1");
  ClaimedEntry c = claim();
  EXPECT_EQ(c.entry_id, entry);
  EXPECT_EQ(c.job_id, "J1");
  EXPECT_EQ(c.job_json, "{\"id\":\"J1\"}");
  auto pending = cmd({"XPENDING", "triggerd:jobs", "runners", "-", "+", "10", "r1"});
  ASSERT_EQ(pending.elements.size(), 1u);
}

TEST_F(RunnerQueueTest, UnblockEndsAWaitingClaimEarly) {
  std::optional<Result<std::optional<ClaimedEntry>>> got;
  queue_->claim([&](auto r) { got.emplace(std::move(r)); });
  runFor(rl_.loop(), 200ms);  // the XREADGROUP is blocking now
  auto t0 = std::chrono::steady_clock::now();
  queue_->unblock();
  ASSERT_TRUE(runUntil(
      rl_.loop(), [&] { return got.has_value(); }, 6000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  ASSERT_TRUE(got->ok());
  EXPECT_FALSE((*got)->has_value());
}

// The drain's race: the stop signal lands before the CLIENT ID answer named the blocking
// connection, or the CLIENT UNBLOCK overtakes the XREADGROUP on its way to Redis. Either way the
// claim still ends at once, not after its block time.
TEST_F(RunnerQueueTest, UnblockRightAfterTheClaimWasSentStillEndsItEarly) {
  for (int round = 0; round < 5; ++round) {
    std::optional<Result<std::optional<ClaimedEntry>>> got;
    auto t0 = std::chrono::steady_clock::now();
    queue_->claim([&](auto r) { got.emplace(std::move(r)); });
    queue_->unblock();  // nothing is answered yet: the loop has not run
    ASSERT_TRUE(runUntil(
        rl_.loop(), [&] { return got.has_value(); }, 6000ms));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "round " << round;
    ASSERT_TRUE(got->ok());
    EXPECT_FALSE((*got)->has_value());
  }
}

TEST_F(RunnerQueueTest, AnUnblockBeforeTheClaimDoesNotCutItShort) {
  queue_->unblock();  // no claim in flight: nothing to end
  std::optional<Result<std::optional<ClaimedEntry>>> got;
  queue_->claim([&](auto r) { got.emplace(std::move(r)); });
  runFor(rl_.loop(), 300ms);
  EXPECT_FALSE(got.has_value()) << "the claim ended without work and without an unblock";
  std::string entry = addJob("J1");
  ASSERT_TRUE(runUntil(
      rl_.loop(), [&] { return got.has_value(); }, 2000ms));
  ASSERT_TRUE(got->ok() && got->value().has_value());
  EXPECT_EQ((*got)->value().entry_id, entry);
}

TEST_F(RunnerQueueTest, AMissingGroupIsAConflict) {
  cmd({"DEL", "triggerd:jobs"});
  auto r = rl_.await<Result<std::optional<ClaimedEntry>>>([&](auto cb) { queue_->claim(cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is(Error::Kind::kConflict));
}

TEST_F(RunnerQueueTest, StartMarksTheRecordRunningAndReportsIt) {
  addJob("J1");
  const int64_t before = std::time(nullptr);
  EXPECT_EQ(start("J1"), StartOutcome::kRunning);
  auto rec = cmd({"HGETALL", "triggerd:job:J1"});
  std::map<std::string, std::string> fields;
  for (size_t i = 0; i + 1 < rec.elements.size(); i += 2)
    fields[rec.elements[i].str] = rec.elements[i + 1].str;
  EXPECT_EQ(fields["state"], "running");
  EXPECT_EQ(fields["runner"], "r1");
  EXPECT_EQ(fields["attempt"], "2");
  // Redis's clock, unix seconds, as the protocol's start script sets it.
  EXPECT_GE(std::stoll(fields["started_at"]), before);
  EXPECT_LE(std::stoll(fields["started_at"]), before + 5);
  auto status = cmd({"XRANGE", "triggerd:status", "-", "+"});
  ASSERT_EQ(status.elements.size(), 1u);
  const auto& f = status.elements[0].elements[1].elements;
  std::vector<std::string> flat;
  for (const auto& v : f) flat.push_back(v.str);
  EXPECT_EQ(flat, (std::vector<std::string>{"job", "J1", "state", "running", "runner", "r1",
                                            "attempt", "2", "at", "2026-11-25T10:00:00Z"}));
}

TEST_F(RunnerQueueTest, StartLeavesSupersededCanceledAndMissingRecordsAlone) {
  addJob("J1");
  cmd({"HSET", "triggerd:job:J1", "state", "superseded"});
  EXPECT_EQ(start("J1"), StartOutcome::kSuperseded);
  cmd({"HSET", "triggerd:job:J1", "state", "canceled"});
  EXPECT_EQ(start("J1"), StartOutcome::kCanceled);
  EXPECT_EQ(cmd({"HGET", "triggerd:job:J1", "state"}).str, "canceled");
  EXPECT_EQ(start("NOPE"), StartOutcome::kMissing);
  EXPECT_EQ(cmd({"EXISTS", "triggerd:job:NOPE"}).integer, 0);  // no half record created
  EXPECT_EQ(cmd({"XLEN", "triggerd:status"}).integer, 0);
}

TEST_F(RunnerQueueTest, StartRefusesAnAttemptTakenBackOrAJobThatEnded) {
  addJob("J1");
  cmd({"HSET", "triggerd:job:J1", "attempt", "3"});  // triggerd reclaimed attempt 2
  EXPECT_EQ(start("J1"), StartOutcome::kMoved);
  EXPECT_EQ(cmd({"HGET", "triggerd:job:J1", "state"}).str, "queued");
  EXPECT_EQ(cmd({"HGET", "triggerd:job:J1", "attempt"}).str, "3");  // never written back
  cmd({"HSET", "triggerd:job:J1", "attempt", "2", "state", "success"});
  EXPECT_EQ(start("J1"), StartOutcome::kEnded);
  EXPECT_EQ(cmd({"HGET", "triggerd:job:J1", "state"}).str, "success");
  EXPECT_EQ(cmd({"XLEN", "triggerd:status"}).integer, 0);
}

TEST_F(RunnerQueueTest, FinishWithoutAStateAcknowledgesAndReportsNothing) {
  std::string entry = addJob("J1");
  claim();
  StatusReport silent{"J1", "", 2, "", "2026-11-25T10:00:00Z"};
  auto acked = rl_.await<Result<bool>>([&](auto cb) { queue_->finish(entry, silent, cb); });
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_TRUE(*acked);
  EXPECT_EQ(cmd({"XLEN", "triggerd:jobs"}).integer, 0);
  EXPECT_EQ(cmd({"XLEN", "triggerd:status"}).integer, 0);
}

TEST_F(RunnerQueueTest, KeepAliveResetsTheIdleTimeOnlyOfItsOwnEntry) {
  std::string entry = addJob("J1");
  claim();
  runFor(rl_.loop(), 300ms);
  auto ok = rl_.await<Result<bool>>([&](auto cb) { queue_->keepAlive(entry, cb); });
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  auto p = cmd({"XPENDING", "triggerd:jobs", "runners", "-", "+", "1"});
  EXPECT_LT(p.elements[0].elements[2].integer, 200);  // idle reset
  EXPECT_EQ(p.elements[0].elements[3].integer, 1);    // no extra delivery counted

  // triggerd's reclaimer took it over: the runner must not take it back.
  cmd({"XCLAIM", "triggerd:jobs", "runners", "triggerd-reclaimer", "0", entry});
  auto lost = rl_.await<Result<bool>>([&](auto cb) { queue_->keepAlive(entry, cb); });
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(*lost);
  p = cmd({"XPENDING", "triggerd:jobs", "runners", "-", "+", "1"});
  EXPECT_EQ(p.elements[0].elements[1].str, "triggerd-reclaimer");
}

TEST_F(RunnerQueueTest, FinishReportsAcksAndDeletesItsOwnEntry) {
  std::string entry = addJob("J1");
  claim();
  StatusReport r{"J1", "failure", 2, std::string(3000, 'x') + "the end", "2026-11-25T10:05:00Z"};
  auto acked = rl_.await<Result<bool>>([&](auto cb) { queue_->finish(entry, r, cb); });
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_TRUE(*acked);
  EXPECT_EQ(cmd({"XLEN", "triggerd:jobs"}).integer, 0);
  EXPECT_EQ(cmd({"XPENDING", "triggerd:jobs", "runners"}).elements[0].integer, 0);
  auto status = cmd({"XRANGE", "triggerd:status", "-", "+"});
  const auto& f = status.elements.at(0).elements[1].elements;
  ASSERT_EQ(f.size(), 12u);
  EXPECT_EQ(f[7].str, "2");
  EXPECT_EQ(f[8].str, "message");
  EXPECT_EQ(f[9].str.size(), RunnerQueue::kMaxMessageBytes);
  EXPECT_EQ(f[9].str.substr(f[9].str.size() - 7), "the end");
}

TEST_F(RunnerQueueTest, FinishOfAReclaimedEntryReportsButLeavesTheEntry) {
  std::string entry = addJob("J1");
  claim();
  cmd({"XCLAIM", "triggerd:jobs", "runners", "triggerd-reclaimer", "0", entry});
  StatusReport r{"J1", "success", 1, "", "2026-11-25T10:05:00Z"};
  auto acked = rl_.await<Result<bool>>([&](auto cb) { queue_->finish(entry, r, cb); });
  ASSERT_TRUE(acked.ok());
  EXPECT_FALSE(*acked);
  EXPECT_EQ(cmd({"XLEN", "triggerd:jobs"}).integer, 1);  // triggerd's to move on
  EXPECT_EQ(cmd({"XLEN", "triggerd:status"}).integer, 1);
}

TEST_F(RunnerQueueTest, LogChunksAreCappedAndExpire) {
  for (int i = 0; i < 300; ++i) {
    auto st = rl_.await<Status>(
        [&](auto cb) { queue_->appendLog("J1", "line " + std::to_string(i) + "\n", cb); });
    ASSERT_TRUE(st.ok());
  }
  long long len = cmd({"XLEN", "triggerd:job:J1:log"}).integer;
  EXPECT_GE(len, 100);
  EXPECT_LT(len, 300);  // MAXLEN ~ 100 trims whole nodes
  EXPECT_GT(cmd({"TTL", "triggerd:job:J1:log"}).integer, 500);
  auto last = cmd({"XREVRANGE", "triggerd:job:J1:log", "+", "-", "COUNT", "1"});
  EXPECT_EQ(last.elements[0].elements[1].elements[1].str, "line 299\n");
}

TEST_F(RunnerQueueTest, ScriptsAreSentAgainAfterAScriptFlush) {
  addJob("J1");
  EXPECT_EQ(start("J1"), StartOutcome::kRunning);
  cmd({"SCRIPT", "FLUSH"});
  EXPECT_EQ(start("J1"), StartOutcome::kRunning);
}

TEST(LastBytesTest, KeepsTheEndOnACharacterBoundary) {
  EXPECT_EQ(lastBytes("short", 10), "short");
  EXPECT_EQ(lastBytes("abcdef", 3), "def");
  EXPECT_EQ(lastBytes("x\xC3\xA9y", 2), "y");  // never half of "é"
  EXPECT_EQ(lastBytes("x\xC3\xA9y", 3), "\xC3\xA9y");
}

}  // namespace
}  // namespace triggerd::testing
