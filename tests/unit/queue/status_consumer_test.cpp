// The status consumer against a real Redis: runner reports move job records, in order, once;
// reports for an older attempt or after a final state change nothing; unusable reports are
// dropped; handled entries leave the stream; another process's abandoned reports are taken over.
#include "queue/status_consumer.h"

#include "tests/unit/queue/queue_fixture.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using testing::FakeRunner;
using testing::queueTestJob;

class StatusConsumerTest : public testing::QueueFixture {
 protected:
  StatusConsumerTest() { consumer_ = makeConsumer("triggerd-a"); }

  std::unique_ptr<StatusConsumer> makeConsumer(const std::string& name,
                                               std::chrono::milliseconds claim_idle = 60000ms) {
    StatusConsumerOptions o;
    o.claim_idle = claim_idle;
    o.log_ttl_seconds = 3600;
    auto c = std::make_unique<StatusConsumer>(redis_.loop(), redis_.client(), keys_, metrics_,
                                              clock_, name, o);
    c->setEventSink([this](const JobEvent& e) { consumed_.push_back(e); });
    return c;
  }

  size_t poll(StatusConsumer& c) {
    return redis_.await<size_t>([&](auto cb) { c.pollOnce(cb); });
  }

  std::unique_ptr<StatusConsumer> consumer_;
  std::vector<JobEvent> consumed_;
};

TEST_F(StatusConsumerTest, ReportsMoveTheRecordInOrderAndLeaveTheStream) {
  enqueue({queueTestJob(1)});
  FakeRunner runner(redis_.server(), "r1");
  auto job = runner.claim();
  ASSERT_TRUE(job);
  ASSERT_EQ(runner.start(*job), "running");
  EXPECT_EQ(record(job->job_id)["state"], "running");
  EXPECT_EQ(record(job->job_id)["runner"], "r1");
  runner.report(*job, "running");
  runner.log(*job, "step 1\n");
  runner.report(*job, "failure", "step 1\nerror: no Dockerfile\n");
  runner.ack(*job);

  EXPECT_EQ(poll(*consumer_), 2u);
  auto r = record(job->job_id);
  EXPECT_EQ(r["state"], "failure");
  EXPECT_EQ(r["error"], "step 1\nerror: no Dockerfile\n");
  EXPECT_FALSE(r["finished_at"].empty());
  EXPECT_EQ(r.count("stream_id"), 0u);
  ASSERT_EQ(consumed_.size(), 2u);
  EXPECT_EQ(consumed_[0].record.state, JobState::kRunning);
  EXPECT_EQ(consumed_[0].detail, "building on r1");
  EXPECT_EQ(consumed_[1].record.state, JobState::kFailure);
  EXPECT_EQ(consumed_[1].record.sha, queueTestJob(1).commit.sha);
  // Handled reports are acknowledged and deleted; the log now expires with the record.
  EXPECT_EQ(len(keys_.status()), 0);
  int64_t ttl = redis_.server().cmd({"TTL", keys_.jobLog(job->job_id)}).integer;
  EXPECT_GT(ttl, 3500);
  EXPECT_EQ(metrics_.counter("triggerd_status_reports_total", {{"outcome", "applied"}}), 2u);
}

TEST_F(StatusConsumerTest, StaleAttemptsAndReportsAfterTheEndChangeNothing) {
  enqueue({queueTestJob(1)});
  FakeRunner runner(redis_.server(), "r1");
  auto job = runner.claim();
  ASSERT_TRUE(job);
  ASSERT_EQ(runner.start(*job), "running");
  FakeRunner::Claimed old = *job;
  old.attempt = 7;  // an attempt the record is not at
  runner.report(old, "success");
  runner.report(*job, "success");
  runner.report(*job, "failure", "late");
  EXPECT_EQ(poll(*consumer_), 3u);
  EXPECT_EQ(record(job->job_id)["state"], "success");
  EXPECT_EQ(record(job->job_id).count("error"), 0u);
  ASSERT_EQ(consumed_.size(), 1u);
  EXPECT_EQ(metrics_.counter("triggerd_status_reports_total", {{"outcome", "stale"}}), 1u);
  EXPECT_EQ(metrics_.counter("triggerd_status_reports_total", {{"outcome", "final"}}), 1u);
  EXPECT_EQ(len(keys_.status()), 0);
}

TEST_F(StatusConsumerTest, UnusableReportsAreDroppedAndCounted) {
  redis_.server().cmd({"XADD", keys_.status(), "*", "job", "not-a-job", "state", "success"});
  redis_.server().cmd({"XADD", keys_.status(), "*", "job", queueTestJob(1).id, "state", "exploded",
                       "runner", "r1", "attempt", "1"});
  redis_.server().cmd({"XADD", keys_.status(), "*", "job", queueTestJob(1).id, "state", "success",
                       "runner", "r1", "attempt", "x"});
  redis_.server().cmd({"XADD", keys_.status(), "*", "job", queueTestJob(9).id, "state", "success",
                       "runner", "r1", "attempt", "1"});  // no such job
  EXPECT_EQ(poll(*consumer_), 4u);
  EXPECT_EQ(metrics_.counter("triggerd_status_reports_total", {{"outcome", "invalid"}}), 3u);
  EXPECT_EQ(metrics_.counter("triggerd_status_reports_total", {{"outcome", "missing"}}), 1u);
  EXPECT_EQ(len(keys_.status()), 0);
  EXPECT_TRUE(consumed_.empty());
}

TEST_F(StatusConsumerTest, LongMessagesAreClippedAndInvalidUtf8Replaced) {
  enqueue({queueTestJob(1)});
  FakeRunner runner(redis_.server(), "r1");
  auto job = runner.claim();
  ASSERT_EQ(runner.start(*job), "running");
  runner.report(*job, "failure", std::string(3000, 'x') + "\xff");
  poll(*consumer_);
  std::string error = record(job->job_id)["error"];
  EXPECT_LE(error.size(), StatusConsumer::kMaxMessage);
  EXPECT_EQ(error.substr(error.size() - 3), "\xE2\x80\xA6");
}

TEST_F(StatusConsumerTest, ReportsAnotherProcessReadButNeverHandledAreTakenOver) {
  enqueue({queueTestJob(1)});
  FakeRunner runner(redis_.server(), "r1");
  auto job = runner.claim();
  ASSERT_EQ(runner.start(*job), "running");
  runner.report(*job, "success");
  // Another triggerd process read the report and died before handling it.
  redis_.server().cmd({"XREADGROUP", "GROUP", "triggerd", "triggerd-dead", "COUNT", "10", "STREAMS",
                       keys_.status(), ">"});
  EXPECT_EQ(poll(*consumer_), 0u);
  auto taker = makeConsumer("triggerd-b", 100ms);
  testing::runFor(redis_.loop(), 150ms);
  EXPECT_EQ(redis_.await<size_t>([&](auto cb) { taker->claimOnce(cb); }), 1u);
  EXPECT_EQ(record(job->job_id)["state"], "success");
  EXPECT_EQ(len(keys_.status()), 0);
}

TEST_F(StatusConsumerTest, StartedConsumerPollsByItself) {
  enqueue({queueTestJob(1)});
  consumer_->start();
  FakeRunner runner(redis_.server(), "r1");
  ASSERT_TRUE(runner.runOne("success"));
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return consumed_.size() == 2; }));
  EXPECT_EQ(consumed_[1].record.state, JobState::kSuccess);
  consumer_->stop();
}

TEST_F(StatusConsumerTest, ADeletedStreamGetsItsGroupBack) {
  enqueue({queueTestJob(1)});
  redis_.server().cmd({"DEL", keys_.status()});
  EXPECT_EQ(poll(*consumer_), 0u);  // NOGROUP: the group is made again
  FakeRunner runner(redis_.server(), "r1");
  auto job = runner.claim();
  ASSERT_EQ(runner.start(*job), "running");
  runner.report(*job, "success");
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] {
    poll(*consumer_);
    return record(job->job_id)["state"] == "success";
  }));
}

TEST_F(StatusConsumerTest, ParsesAndChecksReportFields) {
  auto ok = parseStatusReport("1-0",
                              {"job", queueTestJob(1).id, "state", "canceled", "runner", "r1",
                               "attempt", "2", "at", "2026-11-25T10:00:00Z"},
                              1);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->attempt, 2);
  EXPECT_EQ(ok->at, 1795600800);
  auto no_runner =
      parseStatusReport("1-0", {"job", queueTestJob(1).id, "state", "success", "attempt", "1"}, 1);
  ASSERT_FALSE(no_runner.ok());
  EXPECT_EQ(no_runner.error().field, "runner");
  auto zero = parseStatusReport(
      "1-0", {"job", queueTestJob(1).id, "state", "success", "runner", "r", "attempt", "0"}, 1);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().field, "attempt");
}

}  // namespace
}  // namespace triggerd
