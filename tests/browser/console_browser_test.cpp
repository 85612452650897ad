// The web console in a real browser: Debian's headless Chromium, driven by Playwright
// (console.test.mjs), against the real triggerd, a real redis-server and the fake GitHub and
// GitLab servers started here. The script walks a user through every page and saves a
// screenshot of each step under build/console-screenshots/; this test then checks what the
// servers saw.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"
#include "tests/support/redis_dump.h"

namespace triggerd::testing {
namespace {

constexpr const char* kGitlabToken = "glpat-console-valid-000000";
constexpr const char* kGitlabReadOnly = "glpat-console-readonly-0000";
constexpr const char* kGitlabExpired = "glpat-console-expired-00000";

TEST(ConsoleBrowserTest, BindBrowseCreateDeliverUnbind) {
  FakeGitHub github;
  github.addUser(1, "Codertocat", "The Codertocat");
  github.setBrowserLogin("Codertocat");
  FakeGitHubRepo repo = githubRepo("Codertocat", "Hello-World");
  repo.id = 186853002;  // the id in tests/fixtures/github/push.json
  github.addRepo(repo);
  github.addBranches("Codertocat/Hello-World", 3);
  github.addTags("Codertocat/Hello-World", 2);

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
  TriggerdInstance tri(o);

  auto minted = tri.admin("POST", "/api/v1/users/alice/tokens", R"({"name": "browser"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  std::string user_token = jsonString(parseJson(minted.body), "/token");
  tri.dir().write("push.json", githubPush("github/push.json"));

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
                   {"PUSH_FILE", tri.dir().file("push.json")},
                   {"SCREENSHOT_DIR", screenshots},
                   {"PROFILE_DIR", tri.dir().file("chromium-profile")}});
  int rc = node.wait(std::chrono::seconds(100));
  if (rc == -1) node.stop(9);
  ASSERT_EQ(rc, 0) << node.log() << "\n--- triggerd ---\n" << tri.log();

  // What the servers saw: GitHub's code was exchanged once (the OAuth round trip), one job from
  // the signed delivery, both accounts were bound and GitHub's was unbound again.
  EXPECT_EQ(github.issuedTokens().size(), 1u);
  EXPECT_EQ(tri.streamLength(), 1);
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
