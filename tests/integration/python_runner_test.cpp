// The Python runner of docs/runner-protocol.md, taken from the page as it is and run against a
// real triggerd: it clones a real Git repository (a local bare one) at the job's commit, runs the
// build command, streams the output, fetches clone credentials for a private repository, reports
// success and failure, and stops on SIGTERM.
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdlib>

#include "tests/integration/jobs_fixture.h"

namespace triggerd::testing {
namespace {

// The first ```python block under "## A complete runner in Python".
std::string runnerFromDocs() {
  std::string doc = readFile(sourcePath("docs/runner-protocol.md"));
  size_t section = doc.find("## A complete runner in Python");
  size_t start = doc.find("```python\n", section);
  size_t end = doc.find("\n```\n", start);
  if (section == std::string::npos || start == std::string::npos || end == std::string::npos)
    return "";
  start += std::string("```python\n").size();
  return doc.substr(start, end - start + 1);
}

// Runs a shell command; its exit status.
int sh(const std::string& command) {
  return std::system(("sh -c '" + command + "' >/dev/null 2>&1").c_str());
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

class PythonRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A real repository with one commit holding a Dockerfile.
    std::string work = dir_.path() + "/work", bare = dir_.path() + "/repo.git";
    ASSERT_EQ(sh("git init -q " + work + " && cd " + work +
                 " && printf \"FROM scratch\\n\" > Dockerfile && git add Dockerfile && "
                 "git -c user.name=t -c user.email=t@example.com commit -q -m first && "
                 "git clone -q --bare " +
                 work + " " + bare),
              0);
    FILE* p = popen(("git -C " + bare + " rev-parse HEAD").c_str(), "r");
    char buf[64] = {};
    ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
    pclose(p);
    sha_ = std::string(buf, 40);
    clone_url_ = "file://" + bare;
    world_.github().addCommit(kGithubRepo, {sha_});
    world_.github().addCommit(kGithubRepo, {std::string(40, 'e')});

    auto minted = world_.tri().admin("POST", "/api/v1/admin/runner-tokens", R"({"name": "py"})");
    ASSERT_EQ(minted.status, 201);
    dir_.write("runner.token",
               std::string(JobsWorld::parse(minted.body)["token"].GetString()) + "\n");
    std::string script = runnerFromDocs();
    ASSERT_FALSE(script.empty()) << "no Python runner in docs/runner-protocol.md";
    dir_.write("runner.py", script, 0755);
  }

  // A push of the real commit (and `private` as given), as GitHub would sign it.
  std::vector<std::string> push(const std::string& sha, bool is_private,
                                const std::string& branch) {
    std::string body = githubPush("github/push.json");
    body = replaced(body, kGithubSha, sha);
    body = replaced(body, "https://github.com/Codertocat/Hello-World.git", clone_url_);
    body =
        replaced(body, "\"ref\": \"refs/heads/master\"", "\"ref\": \"refs/heads/" + branch + "\"");
    if (is_private) body = replaced(body, "\"private\": false", "\"private\": true");
    return world_.deliverGithub(body);
  }

  std::unique_ptr<Subprocess> startRunner() {
    std::map<std::string, std::string> env{
        {"TRIGGERD_REDIS", "redis://127.0.0.1:" + std::to_string(world_.redis().port()) + "/0"},
        {"TRIGGERD_URL", world_.tri().adminUrl("")},
        {"TRIGGERD_RUNNER_TOKEN_FILE", dir_.file("runner.token")},
        {"RUNNER_NAME", "py-1"},
        {"VISIBILITY_TIMEOUT", "2"},
        {"BUILD_COMMAND",
         "git clone -q \"$TRIGGERD_CLONE_URL\" src && cd src && git checkout -q \"$TRIGGERD_SHA\" "
         "&& test -f \"$TRIGGERD_DOCKERFILE\" && echo \"built $TRIGGERD_IMAGE:$TRIGGERD_TAGS\" && "
         "if [ -n \"$GIT_CONFIG_VALUE_0\" ]; then echo with clone credentials; fi"}};
    // Debian's interpreter: python3-redis is installed for it (scripts/install-deps.sh).
    return std::make_unique<Subprocess>(
        std::vector<std::string>{"/usr/bin/python3", dir_.file("runner.py")},
        dir_.file("runner.log"), env);
  }

  std::string log(const std::string& id) {
    auto d =
        JobsWorld::parse(world_.tri().admin("GET", "/api/v1/users/alice/jobs/" + id + "/log").body);
    std::string out;
    for (const auto& e : d["entries"].GetArray()) out += e["chunk"].GetString();
    return out;
  }

  TempDir dir_;
  JobsWorld world_;
  std::string sha_, clone_url_;
};

TEST_F(PythonRunnerTest, TheDocumentedRunnerCompletesJobs) {
  auto runner = startRunner();
  auto good = push(sha_, false, "master");
  auto secret = push(sha_, true, "release/1");
  auto broken = push(std::string(40, 'e'), false, "release/2");  // a commit the repository lacks
  ASSERT_EQ(good.size(), 1u);
  ASSERT_EQ(secret.size(), 1u);
  ASSERT_EQ(broken.size(), 1u);

  ASSERT_EQ(world_.waitJobState("alice", good[0], "success"), "success")
      << runner->log() << world_.tri().log();
  EXPECT_NE(log(good[0]).find("built registry.example.com/team/app:master-" + sha_.substr(0, 7)),
            std::string::npos)
      << log(good[0]);
  EXPECT_EQ(log(good[0]).find("with clone credentials"), std::string::npos);

  ASSERT_EQ(world_.waitJobState("alice", secret[0], "success"), "success") << runner->log();
  EXPECT_NE(log(secret[0]).find("with clone credentials"), std::string::npos) << log(secret[0]);

  ASSERT_EQ(world_.waitJobState("alice", broken[0], "failure"), "failure") << runner->log();
  auto failed =
      JobsWorld::parse(world_.tri().admin("GET", "/api/v1/users/alice/jobs/" + broken[0]).body);
  EXPECT_FALSE(std::string(failed["job"]["error"].GetString()).empty());
  EXPECT_EQ(std::string(failed["job"]["runner"].GetString()), "py-1");

  ASSERT_TRUE(waitUntil([&] {
    int success = 0, failure = 0;
    for (const auto& s : world_.github().statuses()) {
      success += s.state == "success";
      failure += s.state == "failure";
    }
    return success == 2 && failure == 1;
  })) << world_.tri().log();
  EXPECT_EQ(world_.tri().streamLength(), 0);
  EXPECT_EQ(runner->stop(SIGTERM, std::chrono::seconds(10)), 0) << runner->log();
}

}  // namespace
}  // namespace triggerd::testing
