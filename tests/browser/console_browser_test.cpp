// The web console in a real browser: Debian's headless Chromium, driven by Playwright
// (console.test.mjs), against the real triggerd, a real redis-server, the fake GitHub and
// GitLab servers and a protocol-following runner started here. The script walks a user through
// every page and saves a screenshot of each step under build/console-screenshots/; this test
// plays GitHub's side meanwhile (a push to every new secret of the hook triggerd installed) and
// then checks what the servers saw.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/fakes/fake_runner.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"
#include "tests/support/redis_dump.h"

namespace triggerd::testing {
namespace {

constexpr const char* kGitlabToken = "glpat-console-valid-000000";
constexpr const char* kGitlabReadOnly = "glpat-console-readonly-0000";
constexpr const char* kGitlabExpired = "glpat-console-expired-00000";
// A token of the repository's owner that only the script uses, to look at the repository's hooks
// as GitHub has them.
constexpr const char* kGithubObserver = "ghp_console0observer000000000000000000";
constexpr const char* kRepo = "Codertocat/Hello-World";

// GitHub's push fixture as a push of commit number `n` (githubPush's variant), which the
// repository gets too (its commit statuses need it): a new commit each time, so triggerd does not
// take a push for a replay of an earlier one.
std::string pushOfCommit(FakeGitHub& github, int n) {
  std::string payload = githubPush("github/push.json", n);
  FakeGitHubCommit commit;
  commit.sha = jsonString(parseJson(payload), "/after");
  github.addCommit(kRepo, commit, "master");
  return payload;
}

// GitHub's side of the walk-through, on a thread of its own while the browser works: each time
// the repository's hook has a secret not seen before (installed, rotated), someone pushes a new
// commit, and GitHub delivers the push signed with that secret. A delivery sent before triggerd
// took the rotated secret as its own is refused; the push is then tried again.
void pushOnEveryNewSecret(std::stop_token stop, FakeGitHub& github, std::atomic<int>& accepted) {
  std::string seen;
  while (!stop.stop_requested()) {
    auto hooks = github.hooks(kRepo);
    if (!hooks.empty() && hooks.front().secret != seen) {
      auto attempts = github.push(kRepo, pushOfCommit(github, accepted + 1));
      if (!attempts.empty() && attempts.front().status_code == 202) {
        seen = hooks.front().secret;
        ++accepted;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// A build runner following docs/runner-protocol.md: every job succeeds and logs one line.
void runJobs(std::stop_token stop, RedisServer& redis) {
  FakeRunner runner(redis, "browser-runner");
  while (!stop.stop_requested()) {
    if (!runner.runOne("success")) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

TEST(ConsoleBrowserTest, BindBrowseCreateDeliverUnbind) {
  FakeGitHub github;
  github.addUser(1, "Codertocat", "The Codertocat");
  github.setBrowserLogin("Codertocat");
  FakeGitHubRepo repo = githubRepo("Codertocat", "Hello-World");
  repo.id = 186853002;  // the id in tests/fixtures/github/push.json
  github.addRepo(repo);
  github.addBranches("Codertocat/Hello-World", 3);
  github.addTags("Codertocat/Hello-World", 2);
  github.addToken(kGithubObserver, "Codertocat", {"repo"});

  FakeGitLab gitlab;
  gitlab.addUser(42, "alice", "Alice Liddell");
  gitlab.addToken(kGitlabToken, "alice", {"api"}, "2099-01-31");
  gitlab.addToken(kGitlabReadOnly, "alice", {"read_api", "read_user"});
  gitlab.addToken(kGitlabExpired, "alice", {"api"}, "2020-01-01");
  gitlab.addProject(gitlabProject(7, "team/app", "alice"));

  TriggerdOptions o;
  o.public_base_url_is_listener = true;
  o.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
  o.github_extra = "api_url = \"" + github.apiBaseUrl() + "\"\noauth_url = \"" +
                   github.oauthBaseUrl() + "\"\nclient_id = \"" + github.options().client_id +
                   "\"\nclient_secret_file = \"github-client-secret\"\n";
  o.files["github-client-secret"] = github.options().client_secret + "\n";
  // Deliveries GitHub failed (a push racing a rotation) are not redelivered by the first
  // reconciliation during the walk-through: each accepted push is one job.
  o.extra_toml = "[hooks]\nstartup_delay = \"1h\"\n";
  TriggerdInstance tri(o);

  auto minted = tri.admin("POST", "/api/v1/users/alice/tokens", R"({"name": "browser"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  std::string user_token = jsonString(parseJson(minted.body), "/token");
  std::atomic<int> pushes{0};
  std::jthread github_side(pushOnEveryNewSecret, std::ref(github), std::ref(pushes));
  std::jthread runner(runJobs, std::ref(tri.redis()));

  std::string screenshots = CONSOLE_SCREENSHOT_DIR;
  std::filesystem::remove_all(screenshots);  // only this run's pictures
  std::string node_log = tri.dir().file("node.log");
  Subprocess node({"node", CONSOLE_BROWSER_SCRIPT}, node_log,
                  {{"CONSOLE_URL", tri.publicUrl("/console/")},
                   {"TRIGGERD_URL", tri.publicUrl("")},
                   {"USER_TOKEN", user_token},
                   {"GITLAB_URL", gitlab.serverRoot()},
                   {"GITLAB_TOKEN", kGitlabToken},
                   {"GITLAB_TOKEN_READONLY", kGitlabReadOnly},
                   {"GITLAB_TOKEN_EXPIRED", kGitlabExpired},
                   {"CLOSED_PORT", std::to_string(freePort())},
                   {"REDIS_PORT", std::to_string(tri.redis().port())},
                   {"GITHUB_API_URL", github.apiBaseUrl()},
                   {"GITHUB_OBSERVER_TOKEN", kGithubObserver},
                   {"SCREENSHOT_DIR", screenshots},
                   {"PROFILE_DIR", tri.dir().file("chromium-profile")}});
  int rc = node.wait(std::chrono::seconds(120));
  if (rc == -1) node.stop(9);
  github_side.request_stop();
  runner.request_stop();
  github_side.join();
  runner.join();
  ASSERT_EQ(rc, 0) << node.log() << "\n--- triggerd ---\n" << tri.log();

  // What the servers saw: GitHub's code was exchanged once (the OAuth round trip); two pushes
  // (the installed hook's secret, the rotated one) made two jobs, both built; GitHub got their
  // commit statuses; both accounts were bound, GitHub's was unbound again and its hook removed.
  EXPECT_EQ(github.issuedTokens().size(), 1u);
  EXPECT_EQ(pushes.load(), 2);
  auto jobs = parseJson(tri.admin("GET", "/api/v1/users/alice/jobs").body);
  ASSERT_EQ(jsonSize(jobs, "/jobs"), 2u);
  EXPECT_EQ(jsonString(jobs, "/jobs/0/state"), "success");
  EXPECT_EQ(jsonString(jobs, "/jobs/1/state"), "success");
  bool success_status = false;
  for (const auto& st : github.statuses()) success_status |= st.state == "success";
  EXPECT_TRUE(success_status);
  EXPECT_TRUE(github.hooks(kRepo).empty());
  auto sources = parseJson(tri.admin("GET", "/api/v1/users/alice/sources").body);
  ASSERT_EQ(jsonSize(sources, "/sources"), 1u);
  EXPECT_EQ(jsonString(sources, "/sources/0/provider"), "gitlab");
  // No token reached the log, Redis or the browser's storage (the script checked the latter).
  for (const std::string& secret : {user_token, std::string(kGitlabToken)}) {
    EXPECT_EQ(tri.log().find(secret), std::string::npos);
    EXPECT_EQ(redisDump(tri.redis()).find(secret), std::string::npos);
  }
  for (const auto& token : github.issuedTokens())
    EXPECT_EQ(tri.log().find(token), std::string::npos);
}

}  // namespace
}  // namespace triggerd::testing
