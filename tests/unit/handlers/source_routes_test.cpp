// The source routes on the fake Redis, against the fake GitLab and GitHub over loopback: binding,
// refusals, unbinding, the token check, and the OAuth state's single use and expiry.
#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/support/json_doc.h"
#include "tests/support/redis_dump.h"
#include "tests/unit/handlers/route_harness.h"

namespace triggerd::testing {
namespace {

constexpr const char* kToken = "glpat-CANARY-0123456789abcdef";

class GitlabSourceRoutesTest : public ::testing::Test {
 protected:
  GitlabSourceRoutesTest() {
    gitlab_.addUser(42, "alice", "Alice Liddell");
    gitlab_.addToken(kToken, "alice", {"api"}, "2099-01-31");
    gitlab_.addToken("glpat-readonly-000000000000", "alice", {"read_api"});
  }

  RouteReply bind(const std::string& token) {
    return api_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                      R"({"service_address": ")" + gitlab_.serverRoot() +
                          R"(", "private_token": ")" + token + "\"}");
  }

  FakeGitLab gitlab_;
  RouteHarness api_;
};

TEST_F(GitlabSourceRoutesTest, BindingAnswersTheAccountAndNeverTheToken) {
  auto r = bind(kToken);
  ASSERT_EQ(r.status, 201) << r.body;
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonString(d, "/source/login"), "alice");
  EXPECT_EQ(jsonString(d, "/source/account_id"), "42");
  EXPECT_EQ(jsonString(d, "/source/api_url"), gitlab_.serverRoot());
  EXPECT_EQ(jsonString(d, "/source/state"), "valid");
  auto list = api_.admin("GET", "/api/v1/users/alice/sources");
  EXPECT_EQ(jsonSize(parseJson(list.body), "/sources"), 1u);
  for (const std::string& text : {r.body, list.body, redisDump(api_.redis())})
    EXPECT_EQ(text.find(kToken), std::string::npos);

  // One binding per provider: a second one is refused before any call to GitLab.
  const size_t calls = gitlab_.requests().size();
  auto second = bind(kToken);
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(second.errorField(), "provider");
  EXPECT_EQ(gitlab_.requests().size(), calls);
}

TEST_F(GitlabSourceRoutesTest, ATokenWithoutTheApiScopeIsRefusedAndNothingIsStored) {
  auto r = bind("glpat-readonly-000000000000");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("api"), std::string::npos);
  EXPECT_EQ(api_.redis().cmd({"EXISTS", api_.keys().source("alice", Provider::kGitlab)}).integer,
            0);
}

TEST_F(GitlabSourceRoutesTest, UnbindingDisablesTheAccountsTriggers) {
  ASSERT_EQ(bind(kToken).status, 201);
  auto created =
      api_.admin("POST", "/api/v1/users/alice/triggers",
                 R"({"provider": "gitlab", "repository": "team/app", "install_hook": false, )"
                 R"("image": "registry.example.com/team/app", )"
                 R"("rules": [{"kind": "branch", "match": "main", "tags": ["x"]}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string gitlab_trigger = jsonString(parseJson(created.body), "/trigger/id");
  const std::string github_trigger = api_.createTrigger("alice");

  auto r = api_.admin("DELETE", "/api/v1/users/alice/sources/gitlab");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonString(d, "/unbound"), "gitlab");
  EXPECT_EQ(jsonInt(d, "/triggers_disabled"), 1);
  auto trigger = [&](const std::string& id) {
    return parseJson(api_.admin("GET", "/api/v1/users/alice/triggers/" + id).body);
  };
  EXPECT_FALSE(jsonBool(trigger(gitlab_trigger), "/trigger/enabled"));
  EXPECT_TRUE(jsonBool(trigger(github_trigger), "/trigger/enabled"));
  EXPECT_EQ(api_.admin("DELETE", "/api/v1/users/alice/sources/gitlab").status, 404);
}

TEST_F(GitlabSourceRoutesTest, TheTokenCheckCountsEveryBoundSource) {
  ASSERT_EQ(bind(kToken).status, 201);
  auto r = api_.admin("POST", "/api/v1/admin/tokens/check");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonInt(d, "/checked"), 1);
  EXPECT_EQ(jsonInt(d, "/valid"), 1);
  gitlab_.revokeToken(kToken);
  auto after = parseJson(api_.admin("POST", "/api/v1/admin/tokens/check").body);
  EXPECT_EQ(jsonInt(after, "/checked"), 1);
  EXPECT_EQ(jsonInt(after, "/valid"), 0);
}

TEST_F(GitlabSourceRoutesTest, BrowsingAnUnboundProviderSaysHowToBind) {
  auto r = api_.admin("GET", "/api/v1/users/alice/sources/github/repos");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.errorField(), "provider");
  EXPECT_NE(r.body.find("bind one first"), std::string::npos) << r.body;
  auto long_page =
      api_.admin("GET", "/api/v1/users/alice/sources/gitlab/repos?page=" + std::string(257, 'p'));
  EXPECT_EQ(long_page.status, 400);
  EXPECT_EQ(long_page.errorField(), "page");
}

// The value of query parameter `name` in `url`.
std::string queryValue(const std::string& url, const std::string& name) {
  size_t at = url.find(name + "=");
  if (at == std::string::npos) return "";
  at += name.size() + 1;
  return urlDecode(url.substr(at, url.find('&', at) - at), true).value_or("");
}

class GithubOAuthRoutesTest : public ::testing::Test {
 protected:
  static RouteHarnessOptions options(const FakeGitHub& github) {
    RouteHarnessOptions o;
    o.github_api_url = github.apiBaseUrl();
    o.github_oauth_url = github.oauthBaseUrl();
    o.github_client_id = github.options().client_id;
    o.github_client_secret = github.options().client_secret;
    return o;
  }

  // Starts the flow for `user` from the console session `login` (or, without one, through the
  // admin API); answers the state the authorize URL carries.
  std::string authorize(const std::string& user,
                        const RouteHarness::ConsoleLogin* login = nullptr) {
    auto r =
        login ? api_.request("POST", "/console/api/v1/users/" + user + "/sources/github/authorize",
                             login->headers())
              : api_.admin("POST", "/api/v1/users/" + user + "/sources/github/authorize");
    EXPECT_EQ(r.status, 200) << r.body;
    auto d = parseJson(r.body);
    EXPECT_EQ(jsonInt(d, "/expires_in"), 600);
    completion_ = jsonString(d, "/completion");
    return queryValue(jsonString(d, "/authorize_url"), "state");
  }

  // GitHub sends the browser back; `login` is the browser's console session, if any.
  RouteReply callback(const std::string& query, const RouteHarness::ConsoleLogin* login = nullptr) {
    HeaderList headers;
    if (login) headers.emplace_back("Cookie", login->cookie);
    return api_.request("GET", "/oauth/github/callback?" + query, headers);
  }

  std::string code(const std::string& login) {
    return github_.issueCode(login, {"repo"}, "https://triggerd.test/oauth/github/callback");
  }

  size_t boundSources(const std::string& user) {
    return jsonSize(parseJson(api_.admin("GET", "/api/v1/users/" + user + "/sources").body),
                    "/sources");
  }

  std::string completion_;
  FakeGitHub github_;
  RouteHarness api_{options(github_)};
};

TEST_F(GithubOAuthRoutesTest, TheStateBindsOnceAndIsGoneAfterwards) {
  github_.addUser(583231, "octocat", "The Octocat");
  auto alice = api_.signIn("alice");
  const std::string state = authorize("alice", &alice);
  ASSERT_EQ(state.size(), 64u);
  EXPECT_EQ(completion_, "session");
  const std::string code = this->code("octocat");
  auto bound = callback("code=" + code + "&state=" + state, &alice);
  ASSERT_EQ(bound.status, 200) << bound.body;
  EXPECT_NE(bound.content_type.find("text/html"), std::string::npos);
  // The page names both accounts, and carries the console's strict policy.
  EXPECT_NE(bound.body.find("octocat"), std::string::npos);
  EXPECT_NE(bound.body.find("triggerd user alice"), std::string::npos);
  EXPECT_NE(bound.header("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(api_.metrics().counter("triggerd_oauth_callbacks_total", {{"outcome", "bound"}}), 1u);
  auto sources = parseJson(api_.admin("GET", "/api/v1/users/alice/sources").body);
  EXPECT_EQ(jsonString(sources, "/sources/0/login"), "octocat");
  EXPECT_EQ(api_.redis().cmd({"EXISTS", api_.keys().oauthState(state)}).integer, 0);

  auto replay = callback("code=" + code + "&state=" + state, &alice);
  EXPECT_EQ(replay.status, 400);
  EXPECT_NE(replay.body.find("expired or was already used"), std::string::npos);
  EXPECT_EQ(api_.admin("POST", "/api/v1/users/alice/sources/github/authorize").status, 409);
}

TEST_F(GithubOAuthRoutesTest, AStateOlderThanTenMinutesIsRefused) {
  const std::string state = authorize("bob");
  api_.redis().advanceTime(std::chrono::seconds(601));
  auto late = callback("code=whatever&state=" + state);
  EXPECT_EQ(late.status, 400);
  EXPECT_NE(late.body.find("expired"), std::string::npos);
  EXPECT_TRUE(github_.requests().empty());  // nothing was exchanged
}

TEST_F(GithubOAuthRoutesTest, RedisDownAtTheCallbackIsATryAgainPage) {
  const std::string state = authorize("bob");
  api_.redis().setConnected(false);
  auto r = callback("code=whatever&state=" + state);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("Try again later"), std::string::npos);
  EXPECT_EQ(api_.metrics().counter("triggerd_oauth_callbacks_total", {{"outcome", "refused"}}), 1u);
}

// A flow binds only in a browser that proves it is the flow's user: without a session, with
// another user's session, or (for a flow started in the console) with another session of the
// same user, nothing is bound and GitHub's code is never exchanged.
TEST_F(GithubOAuthRoutesTest, OnlyTheBrowserThatProvesTheUserBinds) {
  github_.addUser(2, "bob-gh", "Bob");
  auto alice = api_.signIn("alice");
  auto alice_elsewhere = api_.signIn("alice");
  auto bob = api_.signIn("bob");
  struct Case {
    const char* name;
    const RouteHarness::ConsoleLogin* browser;
    const char* says;
  };
  for (const Case& c :
       {Case{"no session", nullptr, "not signed in to triggerd"},
        Case{"bob's session", &bob, "signed in to triggerd as bob"},
        Case{"another session of alice", &alice_elsewhere, "another triggerd session of alice"}}) {
    const std::string state = authorize("alice", &alice);
    auto r = callback("code=" + code("bob-gh") + "&state=" + state, c.browser);
    EXPECT_EQ(r.status, 403) << c.name << ": " << r.body;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.name << ": " << r.body;
    EXPECT_NE(r.body.find("Nothing was bound"), std::string::npos) << r.body;
  }
  EXPECT_EQ(boundSources("alice"), 0u);
  EXPECT_TRUE(github_.issuedTokens().empty());
  EXPECT_EQ(api_.metrics().counter("triggerd_oauth_callbacks_total", {{"outcome", "unproven"}}),
            3u);
}

// Started through the API (no console session), the flow completes in any console session of
// its user, and in no other.
TEST_F(GithubOAuthRoutesTest, AnApiStartedFlowCompletesInAConsoleSessionOfItsUser) {
  github_.addUser(583231, "octocat", "The Octocat");
  auto bob = api_.signIn("bob");
  std::string state = authorize("alice");
  EXPECT_EQ(completion_, "session");
  EXPECT_EQ(callback("code=" + code("octocat") + "&state=" + state, &bob).status, 403);
  auto alice = api_.signIn("alice");
  state = authorize("alice");
  auto r = callback("code=" + code("octocat") + "&state=" + state, &alice);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boundSources("alice"), 1u);
}

// With github.oauth_handoff_url, an API-started flow's callback binds nothing: it hands a
// one-time code to the integrator, and only a token of the flow's user redeems it.
TEST(GithubHandoff, TheCodeBindsOnlyWhenRedeemedByTheFlowsUser) {
  FakeGitHub github;
  github.addUser(583231, "octocat", "The Octocat");
  RouteHarnessOptions o;
  o.github_api_url = github.apiBaseUrl();
  o.github_oauth_url = github.oauthBaseUrl();
  o.github_client_id = github.options().client_id;
  o.github_client_secret = github.options().client_secret;
  o.github_oauth_handoff_url = "https://console.example.com/github/done";
  RouteHarness api(o);
  auto start = api.admin("POST", "/api/v1/users/alice/sources/github/authorize");
  ASSERT_EQ(start.status, 200) << start.body;
  auto d = parseJson(start.body);
  EXPECT_EQ(jsonString(d, "/completion"), "handoff");
  std::string state = queryValue(jsonString(d, "/authorize_url"), "state");
  std::string gh_code =
      github.issueCode("octocat", {"repo"}, "https://triggerd.test/oauth/github/callback");
  auto cb = api.request("GET", "/oauth/github/callback?code=" + gh_code + "&state=" + state, {});
  ASSERT_EQ(cb.status, 302) << cb.body;
  std::string location = cb.header("Location");
  ASSERT_EQ(location.rfind("https://console.example.com/github/done?provider=github&handoff=", 0),
            0u)
      << location;
  EXPECT_EQ(location.find(gh_code), std::string::npos) << "GitHub's code stays in triggerd";
  std::string handoff = queryValue(location, "handoff");
  EXPECT_TRUE(github.issuedTokens().empty());
  EXPECT_EQ(api.metrics().counter("triggerd_oauth_callbacks_total", {{"outcome", "handed_off"}}),
            1u);

  std::string body = R"({"handoff": ")" + handoff + "\"}";
  auto bob =
      api.call("POST", "/api/v1/users/bob/sources/github/complete", api.mintToken("bob"), body);
  EXPECT_EQ(bob.status, 403) << bob.body;
  EXPECT_EQ(bob.errorField(), "handoff");
  EXPECT_TRUE(github.issuedTokens().empty());
  // Refused once, the code is gone: alice must start again.
  auto late =
      api.call("POST", "/api/v1/users/alice/sources/github/complete", api.mintToken("alice"), body);
  EXPECT_EQ(late.status, 404) << late.body;

  auto again = parseJson(api.admin("POST", "/api/v1/users/alice/sources/github/authorize").body);
  state = queryValue(jsonString(again, "/authorize_url"), "state");
  gh_code = github.issueCode("octocat", {"repo"}, "https://triggerd.test/oauth/github/callback");
  cb = api.request("GET", "/oauth/github/callback?code=" + gh_code + "&state=" + state, {});
  handoff = queryValue(cb.header("Location"), "handoff");
  auto alice = api.call("POST", "/api/v1/users/alice/sources/github/complete",
                        api.mintToken("alice"), R"({"handoff": ")" + handoff + "\"}");
  ASSERT_EQ(alice.status, 201) << alice.body;
  EXPECT_EQ(jsonString(parseJson(alice.body), "/source/login"), "octocat");
  auto missing =
      api.call("POST", "/api/v1/users/alice/sources/github/complete", api.mintToken("alice"), "{}");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.errorField(), "handoff");
}

}  // namespace
}  // namespace triggerd::testing
