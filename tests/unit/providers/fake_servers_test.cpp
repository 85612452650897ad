// The fakes answer in the providers' formats: checked here directly through handle(), so a
// client test failing points at the client, not at the fake.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/json.h"
#include "providers/pagination.h"
#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/support/json_doc.h"

namespace triggerd::testing {
namespace {

std::string headerOf(const FakeApiResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (equalsIgnoreCase(k, name)) return v;
  return "<absent>";
}

FakeApiRequest get(const std::string& target, HttpHeaders headers) {
  return FakeApiRequest{"GET", target, std::move(headers), ""};
}

TEST(FakeGitHub, AuthenticatedAnswersCarryScopeAndRateLimitHeaders) {
  FakeGitHub gh;
  gh.addUser(1, "octocat", "The Octocat");
  gh.addToken("ghp_x", "octocat", {"repo", "user"});
  auto r = gh.handle(get("/user", {{"User-Agent", "t"}, {"Authorization", "Bearer ghp_x"}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(headerOf(r, "X-OAuth-Scopes"), "repo, user");
  EXPECT_EQ(headerOf(r, "X-Accepted-OAuth-Scopes"), "");
  EXPECT_EQ(headerOf(r, "x-ratelimit-limit"), "5000");
  EXPECT_EQ(headerOf(r, "x-ratelimit-remaining"), "4999");
  EXPECT_EQ(headerOf(r, "github-authentication-token-expiration"), "<absent>");
}

TEST(FakeGitHub, ErrorsLookLikeGithubs) {
  FakeGitHub gh;
  gh.addUser(1, "octocat", "");
  auto bad = gh.handle(get("/user", {{"User-Agent", "t"}, {"Authorization", "Bearer nope"}}));
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(
      bad.body,
      R"({"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"})");
  auto anonymous = gh.handle(get("/user", {{"User-Agent", "t"}}));
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_NE(anonymous.body.find("Requires authentication"), std::string::npos);
  auto no_agent = gh.handle(get("/user", {{"Authorization", "Bearer nope"}}));
  EXPECT_EQ(no_agent.status, 403);
  EXPECT_NE(no_agent.body.find("User-Agent"), std::string::npos);
}

TEST(FakeGitHub, LinkHeaderInGithubOrder) {
  FakeGitHub gh;
  gh.addUser(1, "octocat", "");
  gh.addToken("ghp_x", "octocat", {"repo"});
  gh.addRepo(githubRepo("octocat", "app"));
  gh.addBranches("octocat/app", 10);
  HttpHeaders h{{"User-Agent", "t"}, {"Authorization", "token ghp_x"}};
  auto r = gh.handle(get("/repos/octocat/app/branches?per_page=3&page=2", h));
  ASSERT_EQ(r.status, 200);
  std::string base = gh.apiBaseUrl() + "/repos/octocat/app/branches?per_page=3&page=";
  EXPECT_EQ(headerOf(r, "Link"), "<" + base + "1>; rel=\"prev\", <" + base + "3>; rel=\"next\", <" +
                                     base + "4>; rel=\"last\", <" + base + "1>; rel=\"first\"");
  auto last = gh.handle(get("/repos/octocat/app/branches?per_page=3&page=4", h));
  EXPECT_EQ(jsonSize(parseJson(last.body), ""), 1u);
  EXPECT_FALSE(findLink(headerOf(last, "Link"), "next"));
  auto single = gh.handle(get("/repos/octocat/app/branches?per_page=100", h));
  EXPECT_EQ(headerOf(single, "Link"), "<absent>");  // one page: no Link at all
}

TEST(FakeGitHub, PrivateRepositoriesNeedTheRepoScope) {
  FakeGitHub gh;
  gh.addUser(1, "octocat", "");
  gh.addToken("ghp_public", "octocat", {"public_repo"});
  gh.addRepo(githubRepo("octocat", "secret"));
  HttpHeaders h{{"User-Agent", "t"}, {"Authorization", "Bearer ghp_public"}};
  EXPECT_EQ(gh.handle(get("/repos/octocat/secret/branches", h)).status, 404);
  EXPECT_EQ(gh.handle(get("/user/repos", h)).body, "[]");
}

TEST(FakeGitHub, OAuthAnswersFormEncodedUnlessJsonIsAsked) {
  FakeGitHub gh;
  std::string code = gh.issueCode("octocat", {"repo", "gist"});
  FakeApiRequest r{"POST",
                   "/login/oauth/access_token",
                   {},
                   "client_id=" + gh.options().client_id +
                       "&client_secret=" + gh.options().client_secret + "&code=" + code};
  auto answer = gh.handle(r);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(headerOf(answer, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_NE(answer.body.find("&scope=repo%2Cgist"), std::string::npos) << answer.body;
  auto reused = gh.handle(r);
  EXPECT_EQ(reused.body.rfind("error=bad_verification_code&", 0), 0u) << reused.body;
}

TEST(FakeGitLab, OffsetPaginationHeaders) {
  FakeGitLab gl;
  gl.addUser(1, "alice", "Alice");
  gl.addToken("glpat-x", "alice", {"api"});
  gl.addProject(gitlabProject(5, "g/app", "alice", 40));
  gl.addBranches(5, 5);
  auto r = gl.handle(get("/api/v4/projects/g%2Fapp/repository/branches?per_page=2&page=2",
                         {{"PRIVATE-TOKEN", "glpat-x"}}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(headerOf(r, "x-next-page"), "3");
  EXPECT_EQ(headerOf(r, "x-page"), "2");
  EXPECT_EQ(headerOf(r, "x-per-page"), "2");
  EXPECT_EQ(headerOf(r, "x-prev-page"), "1");
  EXPECT_EQ(headerOf(r, "x-total"), "5");
  EXPECT_EQ(headerOf(r, "x-total-pages"), "3");
  auto next = findLink(headerOf(r, "Link"), "next");
  ASSERT_TRUE(next);
  EXPECT_EQ(*next,
            gl.serverRoot() + "/api/v4/projects/g%2Fapp/repository/branches?per_page=2&page=3");
  auto last = gl.handle(get("/api/v4/projects/5/repository/branches?per_page=2&page=3",
                            {{"PRIVATE-TOKEN", "glpat-x"}}));
  EXPECT_EQ(headerOf(last, "x-next-page"), "");
  EXPECT_FALSE(findLink(headerOf(last, "Link"), "next"));
}

TEST(FakeGitLab, KeysetPaginationOnlyLinksNext) {
  FakeGitLab gl;
  gl.addUser(1, "alice", "Alice");
  gl.addToken("glpat-x", "alice", {"read_api"});
  for (int i = 1; i <= 5; ++i) {
    gl.addProject(gitlabProject(i * 10, "g/p" + std::to_string(i), "alice", 40));
  }
  std::string target = "/api/v4/projects?pagination=keyset&per_page=2&order_by=id&sort=asc";
  size_t seen = 0;
  for (int guard = 0; guard < 5; ++guard) {
    auto r = gl.handle(get(target, {{"PRIVATE-TOKEN", "glpat-x"}}));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(headerOf(r, "x-next-page"), "<absent>");
    seen += jsonSize(parseJson(r.body), "");
    auto next = findLink(headerOf(r, "Link"), "next");
    if (!next) break;
    EXPECT_TRUE(pageTokenFromUrl(*next)->rfind("id_after:", 0) == 0);
    target = next->substr(gl.serverRoot().size());
  }
  EXPECT_EQ(seen, 5u);
}

TEST(FakeGitLab, TokenFailuresLookLikeGitlabs) {
  FakeGitLab gl;
  gl.setNow(1764064800);
  gl.addUser(1, "alice", "Alice");
  gl.addToken("glpat-old", "alice", {"api"}, "2025-01-01");
  gl.addToken("glpat-ro", "alice", {"read_user"});
  auto unknown = gl.handle(get("/api/v4/user", {{"PRIVATE-TOKEN", "nope"}}));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body, R"({"message":"401 Unauthorized"})");
  auto expired = gl.handle(get("/api/v4/user", {{"PRIVATE-TOKEN", "glpat-old"}}));
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("\"error\":\"invalid_token\""), std::string::npos);
  EXPECT_NE(expired.body.find("Token is expired"), std::string::npos);
  auto scope = gl.handle(get("/api/v4/projects", {{"PRIVATE-TOKEN", "glpat-ro"}}));
  EXPECT_EQ(scope.status, 403);
  EXPECT_NE(scope.body.find("insufficient_scope"), std::string::npos);
  auto page = gl.handle(get("/users/sign_in", {}));
  EXPECT_EQ(page.status, 404);
  EXPECT_EQ(headerOf(page, "Content-Type"), "text/html; charset=utf-8");
}

TEST(FakeGitLab, MinAccessLevelFilters) {
  FakeGitLab gl;
  gl.addUser(1, "alice", "Alice");
  gl.addToken("glpat-x", "alice", {"api"});
  int id = 1;
  for (int level : {10, 20, 30, 40, 50}) {
    gl.addProject(gitlabProject(id++, "g/level" + std::to_string(level), "alice", level));
  }
  auto r = gl.handle(get("/api/v4/projects?membership=true&min_access_level=40&simple=true",
                         {{"PRIVATE-TOKEN", "glpat-x"}}));
  auto doc = parseJson(r.body);
  ASSERT_EQ(jsonSize(doc, ""), 2u);
  EXPECT_FALSE(jsonHas(doc, "/0/visibility"));  // simple representation
}

}  // namespace
}  // namespace triggerd::testing
