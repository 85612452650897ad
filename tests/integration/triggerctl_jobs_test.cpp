// triggerctl's run, history, jobs, queue and runner-token commands against the real daemon.
#include <gtest/gtest.h>

#include "tests/integration/jobs_fixture.h"

namespace triggerd::testing {
namespace {

struct CtlResult {
  int exit_code = -1;
  std::string output;
};

class TriggerctlJobsTest : public ::testing::Test {
 protected:
  void SetUp() override { w_.tri().dir().write("admin-token", w_.tri().adminToken() + "\n"); }

  CtlResult ctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {triggerctlBinary(), "--url", w_.tri().adminUrl("")};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string log = w_.tri().dir().file("ctl-" + std::to_string(++calls_) + ".log");
    Subprocess p(argv, log, {{"TRIGGERCTL_TOKEN_FILE", w_.tri().dir().file("admin-token")}});
    CtlResult r;
    r.exit_code = p.wait(std::chrono::seconds(30));
    r.output = p.log();
    return r;
  }

  JobsWorld w_;
  int calls_ = 0;
};

TEST_F(TriggerctlJobsTest, RunFollowAndOperateTheQueue) {
  auto run = ctl({"triggers", "run", "alice", w_.githubTrigger(), "--ref", "master",
                  "--idempotency-key", "k-1"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("Queued 1 job for refs/heads/master at " + std::string(kGithubSha)),
            std::string::npos)
      << run.output;
  auto again = ctl({"triggers", "run", "alice", w_.githubTrigger(), "--ref", "master",
                    "--idempotency-key", "k-1"});
  EXPECT_NE(again.output.find("Already run"), std::string::npos) << again.output;
  auto no_rule = ctl({"triggers", "run", "alice", w_.githubTrigger(), "--ref", "feature/x"});
  EXPECT_EQ(no_rule.exit_code, 1);
  EXPECT_NE(no_rule.output.find("(field: ref) [HTTP 422]"), std::string::npos) << no_rule.output;

  FakeRunner runner(w_.redis(), "build-1:0");
  auto job = runner.runOne("success");
  ASSERT_TRUE(job);
  ASSERT_EQ(w_.waitJobState("alice", *job, "success"), "success");
  auto history = ctl({"triggers", "history", "alice", w_.githubTrigger()});
  ASSERT_EQ(history.exit_code, 0) << history.output;
  EXPECT_NE(history.output.find(*job + "  success  manual  refs/heads/master"), std::string::npos)
      << history.output;
  auto list = ctl({"jobs", "list", "alice"});
  EXPECT_NE(list.output.find(*job), std::string::npos) << list.output;
  auto log = ctl({"jobs", "log", "alice", *job, "--follow"});
  ASSERT_EQ(log.exit_code, 0) << log.output;
  EXPECT_EQ(log.output, "building " + *job + "\n");

  auto stats = ctl({"queue", "stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  EXPECT_NE(stats.output.find("WAITING         0"), std::string::npos) << stats.output;
  auto purge = ctl({"queue", "purge", "--all"});
  EXPECT_EQ(purge.exit_code, 0) << purge.output;
  EXPECT_EQ(ctl({"queue", "dead", "retry", *job}).exit_code, 1);  // not dead

  auto token = ctl({"--json", "runner-tokens", "create", "--name", "build-1"});
  ASSERT_EQ(token.exit_code, 0) << token.output;
  auto listed = ctl({"runner-tokens", "list"});
  EXPECT_NE(listed.output.find("build-1"), std::string::npos) << listed.output;
}

}  // namespace
}  // namespace triggerd::testing
