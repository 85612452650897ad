// The start script runners run (queue/runner_scripts.h): who may build, and that the runner
// protocol document shows exactly this script.
#include <gtest/gtest.h>

#include "queue/runner_scripts.h"
#include "tests/support/subprocess.h"
#include "tests/unit/queue/queue_fixture.h"

namespace triggerd {
namespace {

using testing::FakeRunner;
using testing::queueTestJob;

class RunnerScriptTest : public testing::QueueFixture {};

TEST_F(RunnerScriptTest, StartsAQueuedJobOnceForItsAttempt) {
  enqueue({queueTestJob(1)});
  FakeRunner runner(redis_.server(), "host-1:0");
  auto job = runner.claim();
  ASSERT_TRUE(job);
  EXPECT_EQ(runner.start(*job), "running");
  auto r = record(job->job_id);
  EXPECT_EQ(r["state"], "running");
  EXPECT_EQ(r["runner"], "host-1:0");
  EXPECT_FALSE(r["started_at"].empty());
  // The same runner starting again (it restarted) may go on.
  EXPECT_EQ(runner.start(*job), "running");
  FakeRunner::Claimed other = *job;
  other.attempt = 2;
  EXPECT_EQ(runner.start(other), "moved");
}

TEST_F(RunnerScriptTest, RefusesSupersededCanceledFinishedAndMissingJobs) {
  enqueue({queueTestJob(1)});
  FakeRunner runner(redis_.server(), "r1");
  auto job = runner.claim();
  enqueue({queueTestJob(2)});
  EXPECT_EQ(runner.start(*job), "superseded");
  EXPECT_EQ(record(job->job_id)["state"], "superseded");
  redis_.server().cmd({"HSET", keys_.job(job->job_id), "state", "canceled"});
  EXPECT_EQ(runner.start(*job), "canceled");
  redis_.server().cmd({"HSET", keys_.job(job->job_id), "state", "success"});
  EXPECT_EQ(runner.start(*job), "success");
  FakeRunner::Claimed ghost = *job;
  ghost.job_id = queueTestJob(9).id;
  EXPECT_EQ(runner.start(ghost), "missing");
}

TEST(RunnerProtocolDoc, ShowsTheStartScriptVerbatim) {
  std::string doc = testing::readFile(testing::sourcePath("docs/runner-protocol.md"));
  ASSERT_FALSE(doc.empty());
  EXPECT_NE(doc.find(kRunnerStartScript), std::string::npos)
      << "docs/runner-protocol.md must show queue/runner_scripts.h's start script verbatim";
}

}  // namespace
}  // namespace triggerd
