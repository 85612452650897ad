// Jobs through the real daemon, with runners that follow docs/runner-protocol.md (FakeRunner):
// commit statuses from pending to the result on both providers, the jobs API, supersede, a
// runner that dies (reclaimed, built again), a job that runs out of attempts (dead letter, retry,
// purge), and two runners competing for the same jobs.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/integration/jobs_fixture.h"

namespace triggerd::testing {
namespace {

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override { world_ = std::make_unique<JobsWorld>(); }
  JobsWorld& w() { return *world_; }
  std::unique_ptr<JobsWorld> world_;
};

TEST_F(JobsTest, APushEndsAsPendingThenSuccessStatusesAndTheJobShowsEachState) {
  auto ids = w().pushGithub();
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_TRUE(w().waitGithubStatuses(1)) << w().tri().log();
  auto pending = w().github().statuses()[0];
  EXPECT_EQ(pending.state, "pending");
  EXPECT_EQ(pending.sha, kGithubSha);
  EXPECT_EQ(pending.context, "triggerd/registry.example.com/team/app");
  EXPECT_EQ(pending.description, "queued: master-6113728");
  EXPECT_EQ(pending.target_url, "https://console.example.com/jobs/" + ids[0]);

  FakeRunner runner(w().redis(), "build-1:0");
  auto job = runner.claim();
  ASSERT_TRUE(job);
  ASSERT_EQ(runner.start(*job), "running");
  runner.report(*job, "running");
  runner.log(*job, "STEP 1/2: FROM scratch\n");
  runner.log(*job, "pushed registry.example.com/team/app:master-6113728\n");
  ASSERT_EQ(w().waitJobState("alice", ids[0], "running"), "running");
  runner.report(*job, "success");
  runner.ack(*job);
  ASSERT_EQ(w().waitJobState("alice", ids[0], "success"), "success");
  ASSERT_TRUE(waitUntil([&] { return w().github().statuses().back().state == "success"; }));
  auto statuses = w().github().statuses();
  EXPECT_EQ(statuses.back().description, "built master-6113728");
  for (size_t i = 0; i + 1 < statuses.size(); ++i) EXPECT_EQ(statuses[i].state, "pending");

  auto shown = JobsWorld::parse(w().tri().admin("GET", "/api/v1/users/alice/jobs/" + ids[0]).body);
  const auto& j = shown["job"];
  EXPECT_EQ(std::string(j["event"].GetString()), "push");
  EXPECT_EQ(std::string(j["ref"].GetString()), "refs/heads/master");
  EXPECT_EQ(std::string(j["sha"].GetString()), kGithubSha);
  EXPECT_EQ(std::string(j["runner"].GetString()), "build-1:0");
  EXPECT_EQ(std::string(j["repository"].GetString()), kGithubRepo);
  EXPECT_EQ(j["attempt"].GetInt(), 1);
  EXPECT_TRUE(j["started_at"].IsString());
  EXPECT_TRUE(j["finished_at"].IsString());

  auto list = JobsWorld::parse(w().tri().admin("GET", "/api/v1/users/alice/jobs").body);
  ASSERT_EQ(list["jobs"].Size(), 1u);
  EXPECT_TRUE(list["next_page"].IsNull());

  auto log =
      JobsWorld::parse(w().tri().admin("GET", "/api/v1/users/alice/jobs/" + ids[0] + "/log").body);
  ASSERT_EQ(log["entries"].Size(), 2u);
  EXPECT_EQ(std::string(log["entries"][1]["chunk"].GetString()),
            "pushed registry.example.com/team/app:master-6113728\n");
  auto rest = JobsWorld::parse(w().tri()
                                   .admin("GET", "/api/v1/users/alice/jobs/" + ids[0] +
                                                     "/log?after=" + log["next"].GetString())
                                   .body);
  EXPECT_EQ(rest["entries"].Size(), 0u);

  // Another user's token does not see alice's job.
  auto minted = JobsWorld::parse(
      w().tri().admin("POST", "/api/v1/users/bob/tokens", "{\"name\": \"t\"}").body);
  std::string bob_token = minted["token"].GetString();
  EXPECT_EQ(w().tri().admin("GET", "/api/v1/users/alice/jobs/" + ids[0], "", bob_token).status,
            403);
  EXPECT_EQ(w().tri().admin("GET", "/api/v1/users/bob/jobs/" + ids[0], "", bob_token).status, 404);
}

TEST_F(JobsTest, GitlabGetsPendingRunningAndFailedWithTheReason) {
  auto ids = w().pushGitlab();
  ASSERT_EQ(ids.size(), 1u);
  FakeRunner runner(w().redis(), "build-2:0");
  ASSERT_TRUE(runner.runOne("failure", "step 3\nerror: Dockerfile not found\n"));
  ASSERT_TRUE(waitUntil([&] {
    auto s = w().gitlab().statuses();
    return !s.empty() && s.back().state == "failed";
  })) << w().tri().log();
  auto statuses = w().gitlab().statuses();
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses[0].state, "pending");
  EXPECT_EQ(statuses[1].state, "running");
  EXPECT_EQ(statuses[1].description, "building on build-2:0");
  EXPECT_EQ(statuses[2].description, "build failed: error: Dockerfile not found");
  EXPECT_EQ(statuses[2].sha, kGitlabSha);
  EXPECT_EQ(statuses[2].ref, "master");
  EXPECT_EQ(statuses[2].name, "triggerd/registry.example.com/team/app");
  auto job = JobsWorld::parse(w().tri().admin("GET", "/api/v1/users/bob/jobs/" + ids[0]).body);
  EXPECT_EQ(std::string(job["job"]["state"].GetString()), "failure");
  EXPECT_EQ(std::string(job["job"]["error"].GetString()), "step 3\nerror: Dockerfile not found\n");
}

TEST_F(JobsTest, ANewerPushSupersedesAQueuedJobWhichTheRunnerSkipsAndReportsCanceled) {
  auto first = w().pushGithub(1);
  auto second = w().pushGithub(2);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  ASSERT_EQ(w().waitJobState("alice", first[0], "superseded"), "superseded");
  ASSERT_TRUE(waitUntil([&] {
    for (const auto& s : w().github().statuses())
      if (s.sha == JobsWorld::githubSha(1) && s.state == "error") return true;
    return false;
  })) << w().tri().log();
  for (const auto& s : w().github().statuses()) {
    if (s.sha != JobsWorld::githubSha(1) || s.state != "error") continue;
    EXPECT_EQ(s.description,
              "superseded by a newer push (" + JobsWorld::githubSha(2).substr(0, 7) + ")");
  }

  FakeRunner runner(w().redis(), "build-1:0");
  auto skipped = runner.claim();
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->job_id, first[0]);
  EXPECT_EQ(runner.start(*skipped), "superseded");
  runner.report(*skipped, "canceled", "superseded");
  runner.ack(*skipped);
  ASSERT_TRUE(runner.runOne("success"));
  ASSERT_EQ(w().waitJobState("alice", second[0], "success"), "success");
  // The canceled report changes nothing: superseded is final.
  EXPECT_EQ(w().waitJobState("alice", first[0], "superseded"), "superseded");
  EXPECT_EQ(w().tri().streamLength(), 0);
}

TEST_F(JobsTest, ARunnerKilledMidJobIsReclaimedAndTheJobBuiltOnceMore) {
  auto ids = w().pushGithub();
  FakeRunner dying(w().redis(), "build-1:0");
  auto job = dying.claim();
  ASSERT_TRUE(job);
  ASSERT_EQ(dying.start(*job), "running");
  dying.report(*job, "running");
  // build-1 dies. After the visibility timeout (2 s) the sweep (every 1 s) queues it again.
  FakeRunner next(w().redis(), "build-2:0");
  std::optional<FakeRunner::Claimed> again;
  ASSERT_TRUE(
      waitUntil([&] { return (again = next.claim()).has_value(); }, std::chrono::seconds(10)))
      << w().tri().log();
  EXPECT_EQ(again->job_id, ids[0]);
  EXPECT_EQ(again->attempt, 2);
  ASSERT_EQ(next.start(*again), "running");
  next.report(*again, "running");
  next.report(*again, "success");
  next.ack(*again);
  // The dead runner's late report is for attempt 1: ignored.
  dying.report(*job, "failure", "late");
  ASSERT_EQ(w().waitJobState("alice", ids[0], "success"), "success");
  auto shown = JobsWorld::parse(w().tri().admin("GET", "/api/v1/users/alice/jobs/" + ids[0]).body);
  EXPECT_EQ(shown["job"]["attempt"].GetInt(), 2);
  EXPECT_EQ(std::string(shown["job"]["runner"].GetString()), "build-2:0");
  bool requeue_status = false;
  for (const auto& s : w().github().statuses())
    requeue_status |=
        s.state == "pending" && s.description.find("queued again (attempt 2)") != std::string::npos;
  EXPECT_TRUE(requeue_status);
  EXPECT_EQ(w().tri().streamLength(), 0);
}

TEST_F(JobsTest, AJobFailingMaxAttemptsTimesIsDeadLetteredThenRetriedAndPurged) {
  auto ids = w().pushGithub();
  for (int attempt = 1; attempt <= 2; ++attempt) {
    FakeRunner runner(w().redis(), "doomed-" + std::to_string(attempt));
    std::optional<FakeRunner::Claimed> job;
    ASSERT_TRUE(
        waitUntil([&] { return (job = runner.claim()).has_value(); }, std::chrono::seconds(10)));
    EXPECT_EQ(job->attempt, attempt);
    ASSERT_EQ(runner.start(*job), "running");  // and dies
  }
  ASSERT_EQ(w().waitJobState("alice", ids[0], "dead"), "dead") << w().tri().log();
  ASSERT_TRUE(waitUntil([&] { return w().github().statuses().back().state == "failure"; }));
  EXPECT_NE(w().github().statuses().back().description.find("gave up after 2 attempts"),
            std::string::npos);

  auto stats = JobsWorld::parse(w().tri().admin("GET", "/api/v1/admin/queue").body);
  EXPECT_EQ(stats["dead"].GetInt64(), 1);
  EXPECT_EQ(stats["stream_length"].GetInt64(), 0);
  auto dead = JobsWorld::parse(w().tri().admin("GET", "/api/v1/admin/queue/dead").body);
  ASSERT_EQ(dead["dead"].Size(), 1u);
  EXPECT_EQ(std::string(dead["dead"][0]["job"].GetString()), ids[0]);
  EXPECT_EQ(dead["dead"][0]["attempts"].GetInt(), 2);
  EXPECT_NE(std::string(dead["dead"][0]["error"].GetString()).find("runner doomed-2"),
            std::string::npos);

  auto retried = w().tri().admin("POST", "/api/v1/admin/queue/dead/" + ids[0] + "/retry");
  ASSERT_EQ(retried.status, 202) << retried.body;
  EXPECT_EQ(JobsWorld::parse(retried.body)["attempt"].GetInt(), 3);
  FakeRunner healthy(w().redis(), "healthy");
  ASSERT_TRUE(healthy.runOne("success"));
  ASSERT_EQ(w().waitJobState("alice", ids[0], "success"), "success");

  // A user token may not operate the queue.
  auto minted = JobsWorld::parse(
      w().tri().admin("POST", "/api/v1/users/alice/tokens", "{\"name\": \"t\"}").body);
  EXPECT_EQ(w().tri().admin("GET", "/api/v1/admin/queue", "", minted["token"].GetString()).status,
            403);

  w().redis().cmd({"XADD", "triggerd:jobs:dead", "*", "job", "{}", "id", "x"});
  auto purged = w().tri().admin("POST", "/api/v1/admin/queue/dead/purge", "{}");
  ASSERT_EQ(purged.status, 200) << purged.body;
  EXPECT_EQ(JobsWorld::parse(purged.body)["purged"].GetInt64(), 1);
  EXPECT_EQ(w().tri()
                .admin("POST", "/api/v1/admin/queue/dead/purge", "{\"older_than\": \"soon\"}")
                .status,
            422);
}

TEST_F(JobsTest, TwoRunnersCompetingBuildEachJobExactlyOnce) {
  std::vector<std::string> ids;
  for (int v = 1; v <= 8; ++v) {  // one branch each: none supersedes another
    auto more = w().pushGithub(v, "race-" + std::to_string(v), "release/" + std::to_string(v));
    ids.insert(ids.end(), more.begin(), more.end());
  }
  ASSERT_EQ(ids.size(), 8u);
  std::multiset<std::string> built;
  std::mutex mu;
  auto work = [&](const std::string& name) {
    FakeRunner runner(w().redis(), name);
    for (int idle = 0; idle < 20;) {
      auto job = runner.claim();
      if (!job) {
        ++idle;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      std::string started = runner.start(*job);
      if (started == "running") {
        {
          std::lock_guard lock(mu);
          built.insert(job->job_id);
        }
        runner.report(*job, "running");
        runner.report(*job, "success");
      } else {
        ADD_FAILURE() << name << " could not start " << job->job_id << ": " << started;
      }
      runner.ack(*job);
    }
  };
  std::thread a(work, "runner-a"), b(work, "runner-b");
  a.join();
  b.join();
  EXPECT_EQ(w().tri().streamLength(), 0);
  for (const auto& id : ids) {
    EXPECT_EQ(built.count(id), 1u) << id;
    EXPECT_EQ(w().waitJobState("alice", id, "success"), "success") << id;
  }
}

}  // namespace
}  // namespace triggerd::testing
