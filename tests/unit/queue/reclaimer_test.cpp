// The reclaim sweep against a real Redis: a job whose runner stopped answering is queued again
// with the next attempt after the visibility timeout, and after max_attempts moves to the
// dead-letter stream with its last error; kept-alive and finished jobs are left alone; one
// process sweeps at a time.
#include "queue/reclaimer.h"

#include "queue/dead_letters.h"
#include "queue/status_consumer.h"
#include "tests/unit/queue/queue_fixture.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using testing::FakeRunner;
using testing::queueTestJob;

class ReclaimerTest : public testing::QueueFixture {
 protected:
  std::unique_ptr<Reclaimer> makeReclaimer(const std::string& owner, int max_attempts = 2) {
    ReclaimOptions o;
    o.visibility_timeout = 1s;
    o.max_attempts = max_attempts;
    o.interval = 100ms;
    auto r = std::make_unique<Reclaimer>(redis_.loop(), redis_.client(), keys_, metrics_, clock_,
                                         owner, o);
    r->setEventSink([this](const JobEvent& e) { reclaimed_.push_back(e); });
    return r;
  }

  ReclaimSummary sweep(Reclaimer& r) {
    return redis_.await<ReclaimSummary>([&](auto cb) { r.sweepOnce(cb); });
  }

  // Past the visibility timeout of every entry claimed so far.
  void idle() { testing::runFor(redis_.loop(), 1100ms); }

  std::vector<JobEvent> reclaimed_;
};

TEST_F(ReclaimerTest, ADeadRunnersJobIsQueuedAgainThenDeadLettered) {
  enqueue({queueTestJob(1)});
  auto reclaimer = makeReclaimer("p1", 2);

  FakeRunner first(redis_.server(), "r1");
  auto job = first.claim();
  ASSERT_TRUE(job);
  ASSERT_EQ(job->attempt, 1);
  ASSERT_EQ(first.start(*job), "running");
  // r1 dies without a word. Before the visibility timeout nothing happens.
  auto early = sweep(*reclaimer);
  EXPECT_TRUE(early.swept);
  EXPECT_EQ(early.requeued, 0);
  idle();
  auto s = sweep(*reclaimer);
  EXPECT_EQ(s.requeued, 1);
  auto r = record(job->job_id);
  EXPECT_EQ(r["state"], "queued");
  EXPECT_EQ(r["attempt"], "2");
  EXPECT_NE(r["error"].find("visibility timeout (1s) on runner r1"), std::string::npos)
      << r["error"];
  EXPECT_EQ(r.count("runner"), 0u);
  ASSERT_EQ(reclaimed_.size(), 1u);
  EXPECT_EQ(reclaimed_[0].record.state, JobState::kQueued);
  EXPECT_NE(reclaimed_[0].detail.find("queued again (attempt 2)"), std::string::npos);
  EXPECT_EQ(len(keys_.jobs()), 1);  // the old entry went, the new one came

  // r1 comes back to life and tries to start its old entry: the job moved on.
  EXPECT_EQ(first.start(*job), "moved");

  FakeRunner second(redis_.server(), "r2");
  auto again = second.claim();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->job_id, job->job_id);
  EXPECT_EQ(again->attempt, 2);
  EXPECT_NE(again->entry_id, job->entry_id);
  ASSERT_EQ(second.start(*again), "running");
  idle();
  s = sweep(*reclaimer);
  EXPECT_EQ(s.dead, 1);
  r = record(job->job_id);
  EXPECT_EQ(r["state"], "dead");
  EXPECT_EQ(r.count("stream_id"), 0u);
  EXPECT_EQ(len(keys_.jobs()), 0);
  EXPECT_EQ(len(keys_.deadJobs()), 1);
  RedisValue dead = redis_.server().cmd({"XRANGE", keys_.deadJobs(), "-", "+"});
  auto d =
      parseDeadJob(dead.elements[0].elements[0].str, flatStrings(dead.elements[0].elements[1]));
  EXPECT_EQ(d.job_id, job->job_id);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_NE(d.error.find("on runner r2"), std::string::npos);
  EXPECT_EQ(d.entry_id, r["dead_id"]);
  ASSERT_EQ(reclaimed_.size(), 2u);
  EXPECT_EQ(reclaimed_[1].record.state, JobState::kDead);
  EXPECT_NE(reclaimed_[1].detail.find("gave up after 2 attempts"), std::string::npos);
  EXPECT_EQ(metrics_.counter("triggerd_jobs_reclaimed_total", {{"outcome", "dead"}}), 1u);

  // A report from r2 after the fact is ignored: the job is dead.
  second.report(*again, "success");
  StatusConsumer consumer(redis_.loop(), redis_.client(), keys_, metrics_, clock_, "t", {});
  redis_.await<size_t>([&](auto cb) { consumer.pollOnce(cb); });
  EXPECT_EQ(record(job->job_id)["state"], "dead");
}

TEST_F(ReclaimerTest, KeptAliveAndFinishedJobsAreLeftAlone) {
  enqueue({queueTestJob(1), queueTestJob(2)});
  auto reclaimer = makeReclaimer("p1");
  FakeRunner runner(redis_.server(), "r1");
  auto alive = runner.claim();
  auto done = runner.claim();
  ASSERT_TRUE(alive && done);
  ASSERT_EQ(runner.start(*alive), "running");
  ASSERT_EQ(runner.start(*done), "running");
  testing::runFor(redis_.loop(), 600ms);
  runner.keepAlive(*alive);
  testing::runFor(redis_.loop(), 600ms);
  // `done` finished and was acknowledged by the time the sweep claims: the sweep's script finds
  // it acknowledged and leaves it.
  runner.report(*done, "success");
  runner.ack(*done);
  auto s = sweep(*reclaimer);
  EXPECT_EQ(s.requeued, 0);
  EXPECT_EQ(s.dead, 0);
  EXPECT_EQ(record(alive->job_id)["state"], "running");
  EXPECT_EQ(len(keys_.jobs()), 1);
}

TEST_F(ReclaimerTest, SupersededJobsInADeadRunnersHandsAreJustRemoved) {
  enqueue({queueTestJob(1)});
  FakeRunner runner(redis_.server(), "r1");
  auto job = runner.claim();  // claimed, never started: the runner died at once
  ASSERT_TRUE(job);
  enqueue({queueTestJob(2)});  // a newer push to the same ref supersedes it
  EXPECT_EQ(record(job->job_id)["state"], "superseded");
  auto reclaimer = makeReclaimer("p1");
  idle();
  auto s = sweep(*reclaimer);
  EXPECT_EQ(s.finished, 1);
  EXPECT_EQ(s.requeued, 0);
  EXPECT_EQ(record(job->job_id)["state"], "superseded");
  EXPECT_EQ(len(keys_.jobs()), 1);  // only the newer job's entry
}

TEST_F(ReclaimerTest, OneProcessSweepsAtATime) {
  auto a = makeReclaimer("p1");
  auto b = makeReclaimer("p2");
  EXPECT_TRUE(sweep(*a).swept);
  EXPECT_FALSE(sweep(*b).swept);
  a->stop();  // lets go of the lease
  testing::runFor(redis_.loop(), 50ms);
  EXPECT_TRUE(sweep(*b).swept);
}

TEST_F(ReclaimerTest, AnUnreadableJobGoesStraightToTheDeadLetters) {
  enqueue({queueTestJob(1)});
  redis_.server().cmd({"XADD", keys_.jobs(), "*", "job", "{not json", "id", queueTestJob(5).id});
  FakeRunner runner(redis_.server(), "r1");
  runner.claim();
  auto broken = runner.claim();
  ASSERT_TRUE(broken);
  auto reclaimer = makeReclaimer("p1", 5);
  idle();
  auto s = sweep(*reclaimer);
  EXPECT_EQ(s.dead, 1);  // the unreadable entry, whatever attempts are left
  EXPECT_EQ(s.requeued, 1);
  RedisValue dead = redis_.server().cmd({"XRANGE", keys_.deadJobs(), "-", "+"});
  ASSERT_EQ(dead.elements.size(), 1u);
  auto d =
      parseDeadJob(dead.elements[0].elements[0].str, flatStrings(dead.elements[0].elements[1]));
  EXPECT_NE(d.error.find("unreadable"), std::string::npos) << d.error;
}

}  // namespace
}  // namespace triggerd
