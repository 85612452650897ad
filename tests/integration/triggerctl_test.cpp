// triggerctl against the real daemon, and master key rotation end to end.
#include <gtest/gtest.h>

#include "tests/fakes/fake_gitlab.h"
#include "tests/integration/hooks_support.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

struct CtlResult {
  int exit_code = -1;
  std::string output;
};

class TriggerctlTest : public ::testing::Test {
 protected:
  static TriggerdOptions options() {
    TriggerdOptions o;
    o.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
    return o;
  }

  CtlResult ctl(std::vector<std::string> args, const std::string& url = "") {
    std::vector<std::string> argv = {triggerctlBinary(), "--url",
                                     url.empty() ? tri_.adminUrl("") : url};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string log = tri_.dir().file("ctl-" + std::to_string(++calls_) + ".log");
    Subprocess p(argv, log, {{"TRIGGERCTL_TOKEN_FILE", tri_.dir().file("admin-token")}});
    CtlResult r;
    r.exit_code = p.wait(std::chrono::seconds(30));
    r.output = p.log();
    return r;
  }

  void SetUp() override { tri_.dir().write("admin-token", tri_.adminToken() + "\n"); }

  TriggerdInstance tri_{options()};
  int calls_ = 0;
};

TEST_F(TriggerctlTest, CreateListShowUpdateDelete) {
  auto created = ctl({"triggers", "create", "alice", "--manual", "--provider", "github",
                      "--repository", "octo/app", "--image", "registry.example.com/team/app",
                      "--rule", "branch:main=latest,main-{sha:7}", "--rule", "tag:v(.*)={1}"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_NE(created.output.find("https://triggerd.test/webhooks/github/"), std::string::npos)
      << created.output;

  auto json = ctl({"--json", "triggers", "list", "alice"});
  ASSERT_EQ(json.exit_code, 0) << json.output;
  auto d = parseJson(json.output);
  ASSERT_EQ(jsonSize(d, "/triggers"), 1u);
  std::string id = jsonString(d, "/triggers/0/id");
  EXPECT_EQ(jsonSize(d, "/triggers/0/rules"), 2u);

  auto table = ctl({"triggers", "list", "alice"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.output.find(id), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("octo/app"), std::string::npos) << table.output;

  EXPECT_EQ(ctl({"triggers", "update", "alice", id, "--disable"}).exit_code, 0);
  auto shown = ctl({"--json", "triggers", "show", "alice", id});
  EXPECT_NE(shown.output.find("\"enabled\":false"), std::string::npos) << shown.output;
  EXPECT_EQ(ctl({"triggers", "delete", "alice", id}).exit_code, 0);
  auto gone = ctl({"triggers", "show", "alice", id});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.output.find("404"), std::string::npos) << gone.output;
}

TEST_F(TriggerctlTest, ErrorsAndExitCodes) {
  auto invalid =
      ctl({"triggers", "create", "alice", "--provider", "github", "--repository", "octo/app",
           "--image", "registry.example.com/team/app", "--rule", "branch:(unclosed=latest"});
  EXPECT_EQ(invalid.exit_code, 1) << invalid.output;
  EXPECT_NE(invalid.output.find("rules[0].match"), std::string::npos) << invalid.output;
  auto usage = ctl({"triggers", "list", "alice", "--token", "secret"});
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  auto unreachable = ctl({"health"}, "http://127.0.0.1:" + std::to_string(freePort()));
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.output;
  EXPECT_EQ(ctl({"health"}).exit_code, 0);
}

TEST_F(TriggerctlTest, BindsGitlabAndBrowses) {
  FakeGitLab gitlab;
  gitlab.addUser(5, "alice", "Alice");
  gitlab.addToken("glpat-ctl-000000000000000", "alice", {"api"});
  gitlab.addProject(gitlabProject(9, "team/web", "alice", 50));
  gitlab.addBranches(9, 4);
  tri_.dir().write("gitlab-token", "glpat-ctl-000000000000000\n");
  auto bound = ctl({"sources", "bind-gitlab", "alice", "--address", gitlab.serverRoot(),
                    "--token-file", tri_.dir().file("gitlab-token")});
  ASSERT_EQ(bound.exit_code, 0) << bound.output;
  auto list = ctl({"sources", "list", "alice"});
  EXPECT_NE(list.output.find("gitlab"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("valid"), std::string::npos) << list.output;
  EXPECT_EQ(list.output.find("glpat-ctl"), std::string::npos);
  auto repos = ctl({"sources", "repos", "alice", "gitlab", "--all"});
  EXPECT_NE(repos.output.find("team/web"), std::string::npos) << repos.output;
  auto branches = ctl({"sources", "branches", "alice", "gitlab", "team/web"});
  EXPECT_NE(branches.output.find("branch-"), std::string::npos) << branches.output;
}

TEST(KeyRotationTest, ResealMovesEverySecretToTheNewKey) {
  const std::string old_key(64, 'a'), new_key(64, 'b');
  TriggerdOptions o;
  o.master_key_hex = old_key;
  TriggerdInstance tri(o);
  auto [id, secret] =
      tri.createTrigger("alice", "github", "Codertocat/Hello-World",
                        R"([{"kind": "branch", "match": "master", "tags": ["x"]}])");
  // Each delivery is another push (its own head commit), so none is a replay of the last.
  int pushes = 0;
  auto deliver = [&](const std::string& delivery) {
    std::string body = githubPush("github/push.json", ++pushes);
    return tri.post("/webhooks/github/" + id, body,
                    {{"Content-Type", "application/json"},
                     {"X-GitHub-Event", "push"},
                     {"X-GitHub-Delivery", delivery},
                     {"X-Hub-Signature-256", githubSignature(secret, body)}});
  };
  ASSERT_EQ(deliver("r1").status, 202);

  tri.restartWithKeys(new_key, {old_key});
  ASSERT_EQ(deliver("r2").status, 202) << "old values must still open" << tri.log();
  auto reseal = tri.admin("POST", "/api/v1/admin/keys/reseal");
  ASSERT_EQ(reseal.status, 200) << reseal.body << tri.log();
  EXPECT_NE(reseal.body.find("\"resealed\":1"), std::string::npos) << reseal.body;

  tri.restartWithKeys(new_key, {});
  EXPECT_EQ(deliver("r3").status, 202) << tri.log();
  auto t = tri.admin("GET", "/api/v1/users/alice/triggers/" + id);
  EXPECT_EQ(t.status, 200);
}

// A record no configured key opens is named, and triggerctl fails, so nobody retires a key that
// is still needed.
TEST_F(TriggerctlTest, ResealNamesRecordsItCannotOpenAndExitsOne) {
  auto [id, secret] = tri_.createTrigger("alice", "github", "octo/app",
                                         R"([{"kind": "branch", "match": "main", "tags": ["x"]}])");
  // The old key is dropped before the sweep: the trigger can no longer be opened.
  tri_.restartWithKeys(std::string(64, 'c'), {});
  tri_.dir().write("admin-token", tri_.adminToken() + "\n");
  auto r = ctl({"keys", "reseal"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("could not be opened"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("triggerd:trigger:" + id), std::string::npos) << r.output;
  auto json = ctl({"--json", "keys", "reseal"});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_NE(json.output.find("\"left_behind\":[\"triggerd:trigger:" + id + "\"]"),
            std::string::npos)
      << json.output;
}

// `triggerctl hooks`: one trigger's hook at once, every hook as a job with progress.
class TriggerctlHooksTest : public ::testing::Test {
 protected:
  TriggerdOptions hookedOptions() {
    prepareGithub(github_);
    return hookOptions(github_.apiBaseUrl());
  }
  FakeGitHub github_;
  int calls_ = 0;
};

TEST_F(TriggerctlHooksTest, CheckAndRepairOneOrEveryHookWithProgress) {
  TriggerdInstance tri(hookedOptions());
  bindGithub(tri);
  tri.dir().write("admin-token", tri.adminToken() + "\n");
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {triggerctlBinary(), "--url", tri.adminUrl("")};
    argv.insert(argv.end(), args.begin(), args.end());
    Subprocess p(argv, tri.dir().file("ctl-" + std::to_string(++calls_) + ".log"),
                 {{"TRIGGERCTL_TOKEN_FILE", tri.dir().file("admin-token")}});
    CtlResult r;
    r.exit_code = p.wait(std::chrono::seconds(30));
    r.output = p.log();
    return r;
  };
  auto created =
      run({"triggers", "create", "alice", "--provider", "github", "--repository", kGithubRepo,
           "--image", "registry.example.com/team/app", "--rule", "branch:main=latest"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_NE(created.output.find("Installed webhook"), std::string::npos) << created.output;
  EXPECT_EQ(created.output.find("SECRET"), std::string::npos) << created.output;
  ASSERT_EQ(github_.hooks(kGithubRepo).size(), 1u);
  std::string id =
      parseJson(tri.admin("GET", "/api/v1/users/alice/triggers").body)["triggers"][0]["id"]
          .GetString();

  auto fine = run({"hooks", "check", "alice", id});
  EXPECT_EQ(fine.exit_code, 0) << fine.output;
  EXPECT_NE(fine.output.find("OUTCOME            ok"), std::string::npos) << fine.output;

  github_.removeHook(github_.hooks(kGithubRepo).at(0).id);
  auto check = run({"hooks", "check", "alice"});
  EXPECT_EQ(check.exit_code, 1) << check.output;  // a hook with problems
  EXPECT_NE(check.output.find("check: 1 of 1 done"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("no hook with the URL"), std::string::npos) << check.output;

  auto repair = run({"hooks", "repair", "--all"});
  EXPECT_EQ(repair.exit_code, 0) << repair.output;
  EXPECT_NE(repair.output.find("repair: 1 of 1 done: 0 ok, 1 repaired"), std::string::npos)
      << repair.output;
  EXPECT_EQ(github_.hooks(kGithubRepo).size(), 1u);

  auto usage = run({"hooks", "repair", "alice", "--all"});
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

}  // namespace
}  // namespace triggerd::testing
