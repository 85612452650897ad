// Operating the queue against a real Redis: counts, listing the dead-letter stream, retrying a
// dead job with a fresh budget of attempts, purging.
#include "queue/dead_letters.h"

#include "queue/reclaimer.h"
#include "tests/unit/queue/queue_fixture.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using testing::FakeRunner;
using testing::queueTestJob;

class DeadLettersTest : public testing::QueueFixture {
 protected:
  DeadLettersTest() : dead_(redis_.client(), queue_, clock_) {
    dead_.setEventSink([this](const JobEvent& e) { retried_.push_back(e); });
  }

  // Delivers `id`'s job to a runner that dies, `attempts` times, until it is dead (max 1).
  void kill(int attempts = 1) {
    ReclaimOptions o;
    o.visibility_timeout = 1s;
    o.max_attempts = attempts;
    Reclaimer reclaimer(redis_.loop(), redis_.client(), keys_, metrics_, clock_, "p", o);
    for (int i = 0; i < attempts; ++i) {
      FakeRunner runner(redis_.server(), "r" + std::to_string(i));
      auto job = runner.claim();
      ASSERT_TRUE(job);
      ASSERT_EQ(runner.start(*job), "running");
      testing::runFor(redis_.loop(), 1100ms);
      redis_.await<ReclaimSummary>([&](auto cb) { reclaimer.sweepOnce(cb); });
    }
  }

  DeadLetters dead_;
  std::vector<JobEvent> retried_;
};

TEST_F(DeadLettersTest, StatsCountWaitingClaimedAndDead) {
  enqueue({queueTestJob(1), queueTestJob(2), queueTestJob(3)});
  FakeRunner runner(redis_.server(), "r1");
  runner.claim();
  redis_.server().cmd({"XADD", keys_.deadJobs(), "*", "job", "{}", "id", "x"});
  auto stats = redis_.await<Result<QueueStats>>([&](auto cb) { dead_.stats(cb); });
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->stream_length, 3);
  EXPECT_EQ(stats->claimed, 1);
  EXPECT_EQ(stats->waiting, 2);
  EXPECT_EQ(stats->dead, 1);
  ASSERT_EQ(stats->claimed_by.size(), 1u);
  EXPECT_EQ(stats->claimed_by[0], (std::pair<std::string, int64_t>{"r1", 1}));
}

TEST_F(DeadLettersTest, ARetriedDeadJobGetsTheNextAttemptAndAFreshBudget) {
  enqueue({queueTestJob(1)});
  kill(1);
  std::string id = queueTestJob(1).id;
  ASSERT_EQ(record(id)["state"], "dead");

  auto list = redis_.await<Result<std::vector<DeadJob>>>([&](auto cb) { dead_.list(10, "", cb); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].job_id, id);
  ASSERT_TRUE((*list)[0].job);
  EXPECT_EQ((*list)[0].job->commit.sha, queueTestJob(1).commit.sha);

  auto attempt = redis_.await<Result<int>>([&](auto cb) { dead_.retry(id, cb); });
  ASSERT_TRUE(attempt.ok()) << attempt.error().message;
  EXPECT_EQ(*attempt, 2);
  auto r = record(id);
  EXPECT_EQ(r["state"], "queued");
  EXPECT_EQ(r["attempt"], "2");
  EXPECT_EQ(r["base"], "1");
  EXPECT_EQ(r.count("dead_id"), 0u);
  EXPECT_EQ(r.count("error"), 0u);
  EXPECT_EQ(len(keys_.deadJobs()), 0);
  ASSERT_EQ(retried_.size(), 1u);
  EXPECT_EQ(retried_[0].record.state, JobState::kQueued);

  // A runner gets attempt 2; with max_attempts 1 it may fail once more before dying again.
  FakeRunner runner(redis_.server(), "r9");
  auto job = runner.claim();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->attempt, 2);
  EXPECT_EQ(runner.start(*job), "running");

  // A job that is not dead is refused; an unknown one is not found.
  auto busy = redis_.await<Result<int>>([&](auto cb) { dead_.retry(id, cb); });
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().status, 404);  // no longer in the dead-letter stream
  auto unknown = redis_.await<Result<int>>([&](auto cb) { dead_.retry(queueTestJob(7).id, cb); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().status, 404);
}

TEST_F(DeadLettersTest, RetryFindsADeadJobWhoseRecordExpired) {
  enqueue({queueTestJob(1)});
  kill(1);
  std::string id = queueTestJob(1).id;
  redis_.server().cmd({"DEL", keys_.job(id)});
  auto attempt = redis_.await<Result<int>>([&](auto cb) { dead_.retry(id, cb); });
  ASSERT_TRUE(attempt.ok()) << attempt.error().message;
  auto r = record(id);  // rebuilt from the job in the dead-letter entry
  EXPECT_EQ(r["state"], "queued");
  EXPECT_EQ(r["trigger"], queueTestJob(1).trigger_id);
  EXPECT_EQ(r["sha"], queueTestJob(1).commit.sha);
}

TEST_F(DeadLettersTest, PurgeOneOldOrEverything) {
  for (int i = 1; i <= 3; ++i) {
    enqueue({queueTestJob(i, "refs/heads/b" + std::to_string(i))});
    kill(1);
  }
  ASSERT_EQ(len(keys_.deadJobs()), 3);
  auto one =
      redis_.await<Result<int64_t>>([&](auto cb) { dead_.purge(0, queueTestJob(2).id, cb); });
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, 1);
  auto none_old = redis_.await<Result<int64_t>>([&](auto cb) { dead_.purge(3600, "", cb); });
  ASSERT_TRUE(none_old.ok());
  EXPECT_EQ(*none_old, 0);
  auto all = redis_.await<Result<int64_t>>([&](auto cb) { dead_.purge(0, "", cb); });
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 2);
  EXPECT_EQ(len(keys_.deadJobs()), 0);
}

}  // namespace
}  // namespace triggerd
