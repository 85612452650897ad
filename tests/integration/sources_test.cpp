// Binding GitHub and GitLab accounts through the real daemon, against fake provider servers on
// loopback: every binding path, every refusal, and that tokens never show in clear.
#include <gtest/gtest.h>

#include <regex>

#include "common/encoding.h"
#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/connect_proxy.h"
#include "tests/support/json_doc.h"
#include "tests/support/redis_dump.h"

namespace triggerd::testing {
namespace {

std::string field(const HttpCallResult& r) {
  auto d = parseJson(r.body);
  return d.IsObject() && jsonHas(d, "/field") ? jsonString(d, "/field") : "";
}

std::string gitlabBody(const std::string& address, const std::string& token,
                       const std::string& ca = "") {
  std::string body =
      R"({"service_address": ")" + address + R"(", "private_token": ")" + token + "\"";
  if (!ca.empty()) {
    std::string escaped;
    for (char c : ca) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
    body += R"(, "ca_certificate": ")" + escaped + "\"";
  }
  return body + "}";
}

constexpr const char* kCanary = "glpat-CANARY-7f3a9c1e5b2d4f60";
constexpr const char* kGithubCanary = "ghp_CANARYd41d8cd98f00b204e9800998ecf8427e";

class GitlabBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gitlab_.addUser(42, "alice", "Alice Liddell");
    gitlab_.addToken(kCanary, "alice", {"api"}, "2099-01-31");
    gitlab_.addToken("glpat-readonly-000000000000", "alice", {"read_api", "read_user"});
    gitlab_.addToken("glpat-expired-0000000000000", "alice", {"api"}, "2020-01-01");
    gitlab_.addToken("glpat-revoked-0000000000000", "alice", {"api"});
    gitlab_.revokeToken("glpat-revoked-0000000000000");
    gitlab_.addToken("glpat-soon-000000000000000", "alice", {"api"}, soonDate());
    for (int i = 1; i <= 130; ++i) {
      gitlab_.addProject(gitlabProject(i, "team/project-" + std::to_string(1000 + i), "alice", 40));
    }
    gitlab_.addBranches(1, 120);
    gitlab_.addTags(1, 3);
  }

  static std::string soonDate() {
    time_t t = time(nullptr) + 3 * 86400;
    char buf[16];
    tm tm{};
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
  }

  static TriggerdOptions allowLoopback() {
    TriggerdOptions o;
    o.security_extra = "allowed_networks = [\"127.0.0.0/8\", \"::1/128\"]";
    return o;
  }

  FakeGitLab gitlab_;
  TriggerdInstance tri_{allowLoopback()};
};

TEST_F(GitlabBindingTest, BindsListsAndNeverShowsTheToken) {
  auto r = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                      gitlabBody(gitlab_.serverRoot() + "/", kCanary));
  ASSERT_EQ(r.status, 201) << r.body << tri_.log();
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonString(d, "/source/login"), "alice");
  EXPECT_EQ(jsonString(d, "/source/account_id"), "42");
  EXPECT_EQ(jsonString(d, "/source/state"), "valid");
  EXPECT_EQ(jsonString(d, "/source/api_url"), gitlab_.serverRoot());
  EXPECT_EQ(jsonString(d, "/source/expires_at"), "2099-01-31T00:00:00Z");
  // The fake speaks plain HTTP (inside allowed_networks): the answer says the token travels
  // unencrypted.
  EXPECT_EQ(jsonString(d, "/source/transport"), "plain_http");
  EXPECT_NE(jsonString(d, "/source/warning").find("unencrypted"), std::string::npos);

  auto list = tri_.admin("GET", "/api/v1/users/alice/sources");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(jsonSize(parseJson(list.body), "/sources"), 1u);

  EXPECT_EQ(r.body.find(kCanary), std::string::npos);
  EXPECT_EQ(list.body.find(kCanary), std::string::npos);
  EXPECT_EQ(redisDump(tri_.redis()).find(kCanary), std::string::npos);
  EXPECT_EQ(tri_.log().find(kCanary), std::string::npos);
  auto metrics = httpCall("GET", tri_.adminUrl("/metrics"));
  EXPECT_EQ(metrics.body.find(kCanary), std::string::npos);
  // The binding's three calls to GitLab (version, token, user) were counted as answered.
  EXPECT_NE(metrics.body.find("triggerd_outbound_requests_total{outcome=\"2xx\"} 3"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("triggerd_redis_errors_total{kind=\"timeout\"} 0"),
            std::string::npos);
  // The token travelled in the PRIVATE-TOKEN header, never in a URL.
  for (const auto& req : gitlab_.requests()) EXPECT_EQ(req.target.find(kCanary), std::string::npos);
}

TEST_F(GitlabBindingTest, OneAccountPerProviderUnbindFirst) {
  ASSERT_EQ(tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                       gitlabBody(gitlab_.serverRoot(), kCanary))
                .status,
            201);
  auto again = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                          gitlabBody(gitlab_.serverRoot(), kCanary));
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.body.find("unbind"), std::string::npos);

  auto [trigger_id, secret] =
      tri_.createTrigger("alice", "gitlab", "team/project-1001",
                         R"([{"kind": "branch", "match": "main", "tags": ["latest"]}])");
  auto unbind = tri_.admin("DELETE", "/api/v1/users/alice/sources/gitlab");
  ASSERT_EQ(unbind.status, 200) << unbind.body;
  EXPECT_EQ(jsonInt(parseJson(unbind.body), "/triggers_disabled"), 1);
  auto t = tri_.admin("GET", "/api/v1/users/alice/triggers/" + trigger_id);
  EXPECT_FALSE(jsonBool(parseJson(t.body), "/trigger/enabled"));
  EXPECT_EQ(tri_.admin("DELETE", "/api/v1/users/alice/sources/gitlab").status, 404);
  EXPECT_EQ(tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                       gitlabBody(gitlab_.serverRoot(), kCanary))
                .status,
            201);
}

TEST_F(GitlabBindingTest, TokenRefusals) {
  struct Case {
    std::string token;
    std::string must_mention;
  };
  for (const auto& c : std::vector<Case>{{"glpat-readonly-000000000000", "api"},
                                         {"glpat-expired-0000000000000", "expired"},
                                         {"glpat-revoked-0000000000000", "revoked"},
                                         {"glpat-unknown-0000000000000", "401"}}) {
    auto r = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                        gitlabBody(gitlab_.serverRoot(), c.token));
    EXPECT_EQ(r.status, 422) << c.token << ": " << r.body;
    EXPECT_EQ(field(r), "private_token") << r.body;
    EXPECT_NE(r.body.find(c.must_mention), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(c.token), std::string::npos);
  }
  EXPECT_EQ(jsonSize(parseJson(tri_.admin("GET", "/api/v1/users/alice/sources").body), "/sources"),
            0u);
}

TEST_F(GitlabBindingTest, AddressRefusals) {
  std::string root = gitlab_.serverRoot();
  for (const std::string& address :
       {root + "/team/project-1001", root + "/team/project-1001/-/tree/main",
        root + "/team/project-1001.git", std::string("ftp://gitlab.example.com"),
        std::string("gitlab.example.com"), root + "/?x=1"}) {
    auto r = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab", gitlabBody(address, kCanary));
    EXPECT_EQ(r.status, 422) << address << ": " << r.body;
    EXPECT_EQ(field(r), "service_address") << r.body;
  }
  auto project = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                            gitlabBody(root + "/team/project-1001/-/tree/main", kCanary));
  EXPECT_NE(project.body.find("server address"), std::string::npos) << project.body;

  // Nothing listening: unreachable, said as such.
  int closed = freePort();
  auto down = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                         gitlabBody("http://127.0.0.1:" + std::to_string(closed), kCanary));
  EXPECT_EQ(down.status, 422) << down.body;
  EXPECT_EQ(field(down), "service_address");

  auto missing = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                            R"({"service_address": "https://gitlab.example.com"})");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(field(missing), "private_token");
  auto typo = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                         R"({"service_adress": "x", "private_token": "y"})");
  EXPECT_EQ(typo.status, 422);
  EXPECT_EQ(field(typo), "service_adress");
}

TEST_F(GitlabBindingTest, BrowsesProjectsBranchesAndTagsWithPagination) {
  ASSERT_EQ(tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                       gitlabBody(gitlab_.serverRoot(), kCanary))
                .status,
            201);
  size_t total = 0;
  std::string page;
  int pages = 0;
  do {
    auto r = tri_.admin("GET", "/api/v1/users/alice/sources/gitlab/repos" +
                                   (page.empty() ? "" : "?page=" + urlEncode(page)));
    ASSERT_EQ(r.status, 200) << r.body;
    auto d = parseJson(r.body);
    total += jsonSize(d, "/repositories");
    page = d["next_page"].IsNull() ? "" : jsonString(d, "/next_page");
    ++pages;
  } while (!page.empty() && pages < 10);
  EXPECT_EQ(total, 130u);
  EXPECT_EQ(pages, 2);

  auto branches = tri_.admin("GET", "/api/v1/users/alice/sources/gitlab/repos/" +
                                        urlEncode("team/project-1001") + "/branches");
  ASSERT_EQ(branches.status, 200) << branches.body;
  auto b = parseJson(branches.body);
  EXPECT_EQ(jsonSize(b, "/branches"), 100u);
  EXPECT_FALSE(b["next_page"].IsNull());
  auto tags = tri_.admin("GET", "/api/v1/users/alice/sources/gitlab/repos/1/tags");
  ASSERT_EQ(tags.status, 200) << tags.body;
  EXPECT_EQ(jsonSize(parseJson(tags.body), "/tags"), 3u);

  auto unbound = tri_.admin("GET", "/api/v1/users/bob/sources/gitlab/repos");
  EXPECT_EQ(unbound.status, 404);
  EXPECT_EQ(field(unbound), "provider");
}

TEST_F(GitlabBindingTest, ExpiringTokenIsReportedAndTheCheckFindsRevocation) {
  ASSERT_EQ(tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                       gitlabBody(gitlab_.serverRoot(), "glpat-soon-000000000000000"))
                .status,
            201);
  auto list = parseJson(tri_.admin("GET", "/api/v1/users/alice/sources").body);
  EXPECT_EQ(jsonString(list, "/sources/0/state"), "expiring");

  gitlab_.revokeToken("glpat-soon-000000000000000");
  auto check = tri_.admin("POST", "/api/v1/admin/tokens/check");
  ASSERT_EQ(check.status, 200) << check.body;
  EXPECT_EQ(jsonInt(parseJson(check.body), "/revoked"), 1) << check.body;
  list = parseJson(tri_.admin("GET", "/api/v1/users/alice/sources").body);
  EXPECT_EQ(jsonString(list, "/sources/0/state"), "revoked");
  auto metrics = httpCall("GET", tri_.adminUrl("/metrics"));
  EXPECT_NE(
      metrics.body.find("triggerd_token_checks_total{provider=\"gitlab\",state=\"revoked\"} 1"),
      std::string::npos)
      << metrics.body;
}

TEST(GitlabTlsTest, PrivateCaIsNeededAndHonoured) {
  FakeGitLab::Options o;
  o.tls = true;
  o.relative_root = "/gitlab";
  FakeGitLab gitlab(o);
  gitlab.addUser(7, "carol", "Carol");
  gitlab.addToken(kCanary, "carol", {"api"});
  TriggerdOptions to;
  to.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
  TriggerdInstance tri(to);
  std::string root = "https://localhost:" + std::to_string(gitlab.port()) + "/gitlab";
  auto without = tri.admin("PUT", "/api/v1/users/carol/sources/gitlab", gitlabBody(root, kCanary));
  EXPECT_EQ(without.status, 422) << without.body;
  EXPECT_EQ(field(without), "service_address");
  auto with = tri.admin("PUT", "/api/v1/users/carol/sources/gitlab",
                        gitlabBody(root, kCanary, gitlab.caPem()));
  ASSERT_EQ(with.status, 201) << with.body << tri.log();
  EXPECT_EQ(jsonString(parseJson(with.body), "/source/api_url"), root);
  auto bad_pem = tri.admin("PUT", "/api/v1/users/dave/sources/gitlab",
                           gitlabBody(root, kCanary, "not a certificate"));
  EXPECT_EQ(bad_pem.status, 422);
  EXPECT_EQ(field(bad_pem), "ca_certificate");
}

TEST(SsrfGuardTest, LoopbackAndPrivateTargetsAreRefusedInEverySpelling) {
  FakeGitLab gitlab;
  gitlab.addUser(1, "eve", "Eve");
  gitlab.addToken(kCanary, "eve", {"api"});
  TriggerdInstance tri;  // no allowed_networks: the guard refuses every non-public address
  std::string port = std::to_string(gitlab.port());
  for (const std::string& host :
       {std::string("127.0.0.1"), std::string("localhost"), std::string("2130706433"),
        std::string("0177.0.0.1"), std::string("0x7f.0.0.1"), std::string("127.1"),
        std::string("[::1]"), std::string("[::ffff:127.0.0.1]"), std::string("10.0.0.1"),
        std::string("169.254.169.254"), std::string("192.168.1.1")}) {
    auto r = tri.admin("PUT", "/api/v1/users/eve/sources/gitlab",
                       gitlabBody("http://" + host + ":" + port, kCanary));
    EXPECT_EQ(r.status, 422) << host << ": " << r.body;
    EXPECT_EQ(field(r), "service_address") << host << ": " << r.body;
    EXPECT_NE(r.body.find("allowed_networks"), std::string::npos) << host << ": " << r.body;
  }
  EXPECT_TRUE(gitlab.requests().empty()) << "a refused address was still contacted";
}

class GithubBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    github_.addUser(1, "octocat", "The Octocat");
    github_.addToken(kGithubCanary, "octocat", {"repo", "read:org"});
    github_.addToken("ghp_noscope0000000000000000000000000000", "octocat", {"read:user"});
    for (int i = 0; i < 5; ++i) {
      FakeGitHubRepo repo;
      repo.id = 100 + i;
      repo.owner = "octocat";
      repo.name = "app-" + std::to_string(i);
      repo.permissions["octocat"] = i < 3 ? "admin" : "pull";
      github_.addRepo(repo);
    }
    github_.addBranches("octocat/app-0", 250);
  }

  TriggerdOptions options() {
    TriggerdOptions o;
    o.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
    o.github_extra = "api_url = \"" + github_.apiBaseUrl() + "\"\noauth_url = \"" +
                     github_.oauthBaseUrl() + "\"\nclient_id = \"" + github_.options().client_id +
                     "\"\nclient_secret_file = \"github-client-secret\"\n";
    o.files["github-client-secret"] = github_.options().client_secret + "\n";
    return o;
  }

  FakeGitHub github_;
};

TEST_F(GithubBindingTest, PersonalTokenBindsWithItsScopes) {
  TriggerdInstance tri(options());
  auto r = tri.admin("PUT", "/api/v1/users/alice/sources/github",
                     std::string(R"({"token": ")") + kGithubCanary + "\"}");
  ASSERT_EQ(r.status, 201) << r.body << tri.log();
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonString(d, "/source/login"), "octocat");
  EXPECT_EQ(jsonString(d, "/source/scopes/0"), "read:org");
  EXPECT_EQ(jsonString(d, "/source/scopes/1"), "repo");
  EXPECT_EQ(redisDump(tri.redis()).find(kGithubCanary), std::string::npos);
  EXPECT_EQ(tri.log().find(kGithubCanary), std::string::npos);
  EXPECT_EQ(tri.admin("PUT", "/api/v1/users/alice/sources/github",
                      std::string(R"({"token": ")") + kGithubCanary + "\"}")
                .status,
            409);

  auto repos = tri.admin("GET", "/api/v1/users/alice/sources/github/repos");
  ASSERT_EQ(repos.status, 200) << repos.body;
  EXPECT_EQ(jsonSize(parseJson(repos.body), "/repositories"), 3u)
      << "only repositories with admin rights";

  size_t branches = 0;
  std::string page;
  int pages = 0;
  do {
    auto b =
        tri.admin("GET", "/api/v1/users/alice/sources/github/repos/" + urlEncode("octocat/app-0") +
                             "/branches" + (page.empty() ? "" : "?page=" + urlEncode(page)));
    ASSERT_EQ(b.status, 200) << b.body;
    auto bd = parseJson(b.body);
    branches += jsonSize(bd, "/branches");
    page = bd["next_page"].IsNull() ? "" : jsonString(bd, "/next_page");
  } while (!page.empty() && ++pages < 10);
  EXPECT_EQ(branches, 250u);
}

TEST_F(GithubBindingTest, TokenWithoutRepoScopeOrUnknownIsRefused) {
  TriggerdInstance tri(options());
  auto noscope = tri.admin("PUT", "/api/v1/users/alice/sources/github",
                           R"({"token": "ghp_noscope0000000000000000000000000000"})");
  EXPECT_EQ(noscope.status, 422) << noscope.body;
  EXPECT_EQ(field(noscope), "token");
  EXPECT_NE(noscope.body.find("repo"), std::string::npos);
  auto bad = tri.admin("PUT", "/api/v1/users/alice/sources/github",
                       R"({"token": "ghp_doesnotexist000000000000000000000000"})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(field(bad), "token");
}

std::string queryValue(const std::string& url, const std::string& name) {
  std::smatch m;
  std::regex re("[?&]" + name + "=([^&]*)");
  if (!std::regex_search(url, m, re)) return "";
  return *urlDecode(m[1].str(), true);
}

// A browser signed in to triggerd's console as `user`: its Cookie header.
std::string consoleCookie(TriggerdInstance& tri, const std::string& user) {
  auto minted = tri.admin("POST", "/api/v1/users/" + user + "/tokens", R"({"name": "browser"})");
  std::string token = jsonString(parseJson(minted.body), "/token");
  auto r = httpCall("POST", tri.publicUrl("/console/api/session"),
                    {{"Content-Type", "application/json"}}, R"({"token": ")" + token + "\"}");
  EXPECT_EQ(r.status, 201) << r.body;
  std::string cookie = r.header("Set-Cookie");
  EXPECT_NE(cookie.find("__Host-triggerd_session="), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << "public_base_url is https";
  return cookie.substr(0, cookie.find(';'));
}

TEST_F(GithubBindingTest, OAuthWebFlowBindsOnceAndRefusesReplays) {
  TriggerdInstance tri(options());
  std::string alice = consoleCookie(tri, "alice");
  auto start = tri.admin("POST", "/api/v1/users/alice/sources/github/authorize");
  ASSERT_EQ(start.status, 200) << start.body << tri.log();
  std::string url = jsonString(parseJson(start.body), "/authorize_url");
  EXPECT_EQ(url.rfind(github_.oauthBaseUrl() + "/login/oauth/authorize?", 0), 0u) << url;
  EXPECT_EQ(queryValue(url, "client_id"), github_.options().client_id);
  EXPECT_EQ(queryValue(url, "scope"), "repo");
  std::string redirect = queryValue(url, "redirect_uri");
  EXPECT_EQ(redirect, "https://triggerd.test/oauth/github/callback");
  std::string state = queryValue(url, "state");
  ASSERT_GE(state.size(), 32u);

  // The user clicks Authorize: GitHub redirects the browser to the callback with a code.
  std::string code = github_.issueCode("octocat", {"repo"}, redirect);
  auto cb =
      httpCall("GET", tri.publicUrl("/oauth/github/callback?code=" + code + "&state=" + state),
               {{"Cookie", alice}});
  ASSERT_EQ(cb.status, 200) << cb.body << tri.log();
  EXPECT_NE(cb.body.find("triggerd user alice"), std::string::npos) << cb.body;
  EXPECT_NE(cb.header("Content-Type").find("text/html"), std::string::npos);
  auto sources = parseJson(tri.admin("GET", "/api/v1/users/alice/sources").body);
  ASSERT_EQ(jsonSize(sources, "/sources"), 1u);
  EXPECT_EQ(jsonString(sources, "/sources/0/login"), "octocat");
  for (const auto& token : github_.issuedTokens()) {
    EXPECT_EQ(redisDump(tri.redis()).find(token), std::string::npos);
    EXPECT_EQ(tri.log().find(token), std::string::npos);
    EXPECT_EQ(cb.body.find(token), std::string::npos);
  }

  // The state is single use.
  auto replay =
      httpCall("GET", tri.publicUrl("/oauth/github/callback?code=" + code + "&state=" + state),
               {{"Cookie", alice}});
  EXPECT_EQ(replay.status, 400);
  auto unknown =
      httpCall("GET", tri.publicUrl("/oauth/github/callback?code=x&state=" + std::string(64, 'a')));
  EXPECT_EQ(unknown.status, 400);
  // Already bound: a second authorization is refused up front.
  EXPECT_EQ(tri.admin("POST", "/api/v1/users/alice/sources/github/authorize").status, 409);
}

// The phishing of docs/security.md: alice starts a flow and sends its authorize URL to bob; bob
// approves at GitHub in his own browser, which holds no triggerd session of alice. Nothing may
// be bound to alice, and bob's token is never even fetched.
TEST_F(GithubBindingTest, AnAuthorizeLinkCompletedInAnotherBrowserBindsNothing) {
  TriggerdInstance tri(options());
  github_.addUser(2, "bob-gh", "Bob");
  auto start = tri.admin("POST", "/api/v1/users/alice/sources/github/authorize");
  ASSERT_EQ(start.status, 200) << start.body << tri.log();
  std::string url = jsonString(parseJson(start.body), "/authorize_url");
  std::string code = github_.issueCode("bob-gh", {"repo"}, queryValue(url, "redirect_uri"));
  auto cb = httpCall("GET", tri.publicUrl("/oauth/github/callback?code=" + code +
                                          "&state=" + queryValue(url, "state")));
  EXPECT_EQ(cb.status, 403) << cb.body;
  EXPECT_NE(cb.body.find("alice"), std::string::npos) << cb.body;
  EXPECT_EQ(jsonSize(parseJson(tri.admin("GET", "/api/v1/users/alice/sources").body), "/sources"),
            0u);
  EXPECT_TRUE(github_.issuedTokens().empty()) << "the code was exchanged for bob's token";
}

TEST_F(GithubBindingTest, OAuthRefusesMissingScopesAndDenials) {
  TriggerdInstance tri(options());
  std::string bob = consoleCookie(tri, "bob");
  auto start = parseJson(tri.admin("POST", "/api/v1/users/bob/sources/github/authorize").body);
  std::string url = jsonString(start, "/authorize_url");
  std::string code = github_.issueCode("octocat", {"public_repo"}, queryValue(url, "redirect_uri"));
  auto cb = httpCall(
      "GET",
      tri.publicUrl("/oauth/github/callback?code=" + code + "&state=" + queryValue(url, "state")),
      {{"Cookie", bob}});
  EXPECT_EQ(cb.status, 403) << cb.body;
  EXPECT_NE(cb.body.find("repo"), std::string::npos);
  EXPECT_EQ(jsonSize(parseJson(tri.admin("GET", "/api/v1/users/bob/sources").body), "/sources"),
            0u);

  auto again = parseJson(tri.admin("POST", "/api/v1/users/bob/sources/github/authorize").body);
  std::string url2 = jsonString(again, "/authorize_url");
  auto denied = httpCall("GET", tri.publicUrl("/oauth/github/callback?error=access_denied&"
                                              "error_description=The+user+has+denied+your+"
                                              "application+access.&state=" +
                                              queryValue(url2, "state")));
  EXPECT_EQ(denied.status, 400);
  EXPECT_NE(denied.body.find("denied"), std::string::npos);

  auto again3 = parseJson(tri.admin("POST", "/api/v1/users/bob/sources/github/authorize").body);
  std::string url3 = jsonString(again3, "/authorize_url");
  auto badcode = httpCall(
      "GET", tri.publicUrl("/oauth/github/callback?code=wrong&state=" + queryValue(url3, "state")),
      {{"Cookie", bob}});
  EXPECT_EQ(badcode.status, 400) << badcode.body;
}

TEST_F(GithubBindingTest, RevokedTokenIsFoundByTheCheck) {
  TriggerdInstance tri(options());
  ASSERT_EQ(tri.admin("PUT", "/api/v1/users/alice/sources/github",
                      std::string(R"({"token": ")") + kGithubCanary + "\"}")
                .status,
            201);
  github_.revokeToken(kGithubCanary);
  auto check = tri.admin("POST", "/api/v1/admin/tokens/check");
  ASSERT_EQ(check.status, 200) << check.body;
  auto list = parseJson(tri.admin("GET", "/api/v1/users/alice/sources").body);
  EXPECT_EQ(jsonString(list, "/sources/0/state"), "revoked");
  EXPECT_EQ(tri.log().find(kGithubCanary), std::string::npos);
}

// Security: proxy variables in triggerd's environment must not route provider calls around the
// address guard; only outbound.proxy is used.
TEST(OutboundProxyTest, ProxyEnvironmentIsIgnoredByTheDaemon) {
  ConnectProxy proxy;
  FakeGitLab gitlab;
  gitlab.addUser(42, "alice", "Alice Liddell");
  gitlab.addToken("glpat-proxy-test-0000000000", "alice", {"api"});
  TriggerdOptions o;
  o.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
  o.env = {{"http_proxy", proxy.url()},  {"HTTP_PROXY", proxy.url()}, {"https_proxy", proxy.url()},
           {"HTTPS_PROXY", proxy.url()}, {"ALL_PROXY", proxy.url()},  {"no_proxy", ""}};
  TriggerdInstance tri(o);
  auto r = tri.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                     R"({"service_address": ")" + gitlab.serverRoot() +
                         R"(", "private_token": "glpat-proxy-test-0000000000"})");
  EXPECT_EQ(r.status, 201) << r.body << tri.log();
  EXPECT_EQ(proxy.connections(), 0u);
}

}  // namespace
}  // namespace triggerd::testing
