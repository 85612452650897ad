// GitHubApi against FakeGitHub over real loopback sockets (CurlMultiClient on an EventLoop),
// plus the pure helpers.
#include "providers/github_api.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_github.h"
#include "tests/unit/providers/loop_runner.h"

namespace triggerd {
namespace {

using testing::FakeGitHub;
using testing::FakeGitHubRepo;
using testing::githubRepo;
using testing::LoopRunner;

constexpr const char* kToken = "ghp_goodtoken0000000000000000000000000001";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class GitHubApiTest : public ::testing::Test {
 protected:
  explicit GitHubApiTest(FakeGitHub::Options options = {}) : fake_(std::move(options)) {
    fake_.addUser(583231, "octocat", "The Octocat");
    fake_.addToken(kToken, "octocat", {"repo", "user"}, "2026-12-31 23:59:59 UTC");
  }

  GitHubApi::Options apiOptions() const {
    GitHubApi::Options o;
    o.api_base_url = fake_.apiBaseUrl();
    o.oauth_base_url = fake_.oauthBaseUrl();
    o.user_agent = "triggerd-test/1";
    if (!fake_.caPem().empty()) o.ca_pem = fake_.caPem();
    return o;
  }

  Result<GitHubUser> getUser(GitHubApi& api, const std::string& token) {
    return runner_.run<GitHubUser>([&](auto cb) { return api.getUser(token, cb); });
  }

  FakeGitHub fake_;
  LoopRunner runner_;
};

TEST_F(GitHubApiTest, GetUserReportsIdentityScopesAndExpiry) {
  GitHubApi api(runner_.http(), apiOptions());
  auto user = getUser(api, kToken);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->identity.id, "583231");
  EXPECT_EQ(user->identity.login, "octocat");
  EXPECT_EQ(user->identity.name, "The Octocat");
  EXPECT_TRUE(user->scopes_reported);
  EXPECT_EQ(user->token.scopes, (std::vector<std::string>{"repo", "user"}));
  EXPECT_EQ(user->token.expires_at, parseGithubTokenExpiration("2026-12-31 23:59:59 UTC"));
  EXPECT_TRUE(checkGithubTokenForBinding(*user, {"repo"}).ok());
}

TEST_F(GitHubApiTest, SendsTheHeadersGithubRequiresAndKeepsTheTokenOutOfTheUrl) {
  GitHubApi api(runner_.http(), apiOptions());
  ASSERT_TRUE(getUser(api, kToken).ok());
  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/user");
  EXPECT_EQ(r.header("accept"), "application/vnd.github+json");
  EXPECT_EQ(r.header("x-github-api-version"), "2022-11-28");
  EXPECT_EQ(r.header("user-agent"), "triggerd-test/1");
  EXPECT_EQ(r.header("authorization"), std::string("Bearer ") + kToken);
  EXPECT_FALSE(contains(r.target, kToken));
}

TEST_F(GitHubApiTest, BadCredentialsMapTo422OnToken) {
  GitHubApi api(runner_.http(), apiOptions());
  const std::string bad = "ghp_unknown000000000000000000000000000000";
  auto user = getUser(api, bad);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().status, 422);
  EXPECT_EQ(user.error().field, "token");
  EXPECT_TRUE(contains(user.error().message, "GitHub rejected the token (401 Bad credentials)"))
      << user.error().message;
  EXPECT_FALSE(contains(user.error().message, bad));
}

TEST_F(GitHubApiTest, RevokedTokenIsRejected) {
  fake_.revokeToken(kToken);
  GitHubApi api(runner_.http(), apiOptions());
  auto user = getUser(api, kToken);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().status, 422);
  EXPECT_FALSE(contains(user.error().message, kToken));
}

TEST_F(GitHubApiTest, MalformedTokenIsRefusedBeforeSending) {
  GitHubApi api(runner_.http(), apiOptions());
  for (const std::string& bad :
       std::vector<std::string>{"", "ghp_a b", "ghp_a\r\nX-Evil: 1", std::string(2000, 'a')}) {
    auto user = getUser(api, bad);
    ASSERT_FALSE(user.ok());
    EXPECT_EQ(user.error().status, 422);
    EXPECT_EQ(user.error().field, "token");
  }
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(GitHubApiTest, PrimaryRateLimitMapsTo503WithRetryAfter) {
  fake_.setRateLimit(FakeGitHub::RateLimit::kPrimary, 120);
  GitHubApi api(runner_.http(), apiOptions());
  auto user = getUser(api, kToken);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().status, 503);
  EXPECT_TRUE(contains(user.error().message, "rate limited")) << user.error().message;
  EXPECT_TRUE(contains(user.error().message, "retry after 1")) << user.error().message;  // ~120 s
}

TEST_F(GitHubApiTest, SecondaryRateLimitHonoursRetryAfter) {
  fake_.setRateLimit(FakeGitHub::RateLimit::kSecondary, 30);
  GitHubApi api(runner_.http(), apiOptions());
  auto repos =
      runner_.run<Page<RepoSummary>>([&](auto cb) { return api.listRepos(kToken, "", cb); });
  ASSERT_FALSE(repos.ok());
  EXPECT_EQ(repos.error().status, 503);
  EXPECT_TRUE(contains(repos.error().message, "retry after 30 s")) << repos.error().message;
}

TEST_F(GitHubApiTest, ListReposWalksEveryPageAndKeepsOnlyAdministeredRepos) {
  for (int i = 0; i < 260; ++i) {
    FakeGitHubRepo repo;
    repo.owner = "octocat";
    repo.name = "app-" + std::to_string(1000 + i);
    // Every fifth repository only grants push: no hooks, so it must not be listed.
    repo.permissions["octocat"] = i % 5 == 0 ? "push" : "admin";
    repo.is_private = i % 2 == 0;
    fake_.addRepo(repo);
  }
  fake_.addRepo(githubRepo("someone", "private"));

  GitHubApi api(runner_.http(), apiOptions());
  std::string page;
  size_t items = 0;
  int pages = 0;
  std::vector<std::string> names;
  while (true) {
    auto result =
        runner_.run<Page<RepoSummary>>([&](auto cb) { return api.listRepos(kToken, page, cb); });
    ASSERT_TRUE(result.ok()) << result.error().message;
    ++pages;
    items += result->items.size();
    for (const auto& repo : result->items) names.push_back(repo.full_name);
    if (!result->next_page) break;
    page = *result->next_page;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(items, 208u);  // 260 minus the 52 push-only ones
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));

  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target, "/user/repos?per_page=100&sort=full_name");
  EXPECT_EQ(requests[1].target, "/user/repos?per_page=100&sort=full_name&page=2");
  EXPECT_EQ(requests[2].target, "/user/repos?per_page=100&sort=full_name&page=3");
}

TEST_F(GitHubApiTest, RepoSummaryFields) {
  FakeGitHubRepo repo;
  repo.id = 1296269;
  repo.owner = "octocat";
  repo.name = "Hello-World";
  repo.default_branch = "master";
  repo.is_private = true;
  repo.permissions["octocat"] = "admin";
  fake_.addRepo(repo);
  GitHubApi api(runner_.http(), apiOptions());
  auto result =
      runner_.run<Page<RepoSummary>>([&](auto cb) { return api.listRepos(kToken, "", cb); });
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->items.size(), 1u);
  const auto& r = result->items[0];
  EXPECT_EQ(r.id, "1296269");
  EXPECT_EQ(r.full_name, "octocat/Hello-World");
  EXPECT_EQ(r.clone_url, "https://github.com/octocat/Hello-World.git");
  EXPECT_EQ(r.ssh_url, "git@github.com:octocat/Hello-World.git");
  EXPECT_EQ(r.default_branch, "master");
  EXPECT_TRUE(r.is_private);
  EXPECT_FALSE(result->next_page);
}

TEST_F(GitHubApiTest, ListBranchesAndTagsAcrossPages) {
  fake_.addRepo(githubRepo("octocat", "app"));
  fake_.addBranches("octocat/app", 230);
  fake_.addTags("octocat/app", 301);
  GitHubApi api(runner_.http(), apiOptions());

  for (bool tags : {false, true}) {
    auto walk = runner_.walkPages<RefSummary>(
        [&](const std::string& page, auto cb) {
          return tags ? api.listTags(kToken, "octocat/app", page, cb)
                      : api.listBranches(kToken, "octocat/app", page, cb);
        },
        [](const RefSummary& ref) { EXPECT_EQ(ref.sha.size(), 40u); });
    EXPECT_EQ(walk.items, tags ? 301u : 230u);
    EXPECT_EQ(walk.pages, tags ? 4 : 3);
  }
  EXPECT_EQ(fake_.requests().front().target, "/repos/octocat/app/branches?per_page=100");
}

TEST_F(GitHubApiTest, UnknownRepositoryIs404) {
  GitHubApi api(runner_.http(), apiOptions());
  auto result = runner_.run<Page<RefSummary>>(
      [&](auto cb) { return api.listBranches(kToken, "octocat/missing", "", cb); });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 404);
  EXPECT_EQ(result.error().field, "repository");
  EXPECT_TRUE(contains(result.error().message, "octocat/missing"));
}

TEST_F(GitHubApiTest, RepositoryNamesAreValidatedBeforeBuildingUrls) {
  GitHubApi api(runner_.http(), apiOptions());
  for (const char* bad :
       {"", "octocat", "octocat/", "/app", "octocat/app/extra", "../app", "octocat/..", "./app",
        "octo cat/app", "octocat/app%2F..", "octocat//app", "octocat/app?x=1", "octocat/app#x"}) {
    auto result = runner_.run<Page<RefSummary>>(
        [&](auto cb) { return api.listBranches(kToken, bad, "", cb); });
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().status, 422) << bad;
    EXPECT_EQ(result.error().field, "repository") << bad;
  }
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(GitHubApiTest, ForeignPageTokensAreRefused) {
  GitHubApi api(runner_.http(), apiOptions());
  auto result = runner_.run<Page<RepoSummary>>(
      [&](auto cb) { return api.listRepos(kToken, "2&per_page=1", cb); });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 400);
  EXPECT_EQ(result.error().field, "page");
}

TEST_F(GitHubApiTest, OAuthCodeExchangeIsSingleUse) {
  GitHubApi api(runner_.http(), apiOptions());
  const std::string redirect = "https://triggerd.example.com/oauth/github/callback";
  std::string code = fake_.issueCode("octocat", {"repo"}, redirect);
  auto exchange = [&](const std::string& c, const std::string& secret) {
    return runner_.run<OAuthGrant>([&](auto cb) {
      return api.exchangeCode(fake_.options().client_id, secret, c, redirect, cb);
    });
  };
  auto grant = exchange(code, fake_.options().client_secret);
  ASSERT_TRUE(grant.ok()) << grant.error().message;
  EXPECT_EQ(grant->token_type, "bearer");
  EXPECT_EQ(grant->scopes, (std::vector<std::string>{"repo"}));
  ASSERT_EQ(fake_.issuedTokens(), (std::vector<std::string>{grant->access_token}));

  auto user = getUser(api, grant->access_token);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->identity.login, "octocat");

  auto again = exchange(code, fake_.options().client_secret);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, 400);
  EXPECT_EQ(again.error().field, "code");
  EXPECT_TRUE(contains(again.error().message, "invalid or expired (codes last 10 minutes)"));

  auto request = fake_.requests().front();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/login/oauth/access_token");
  EXPECT_EQ(request.header("accept"), "application/json");
  EXPECT_EQ(request.header("content-type"), "application/x-www-form-urlencoded");
}

TEST_F(GitHubApiTest, OAuthErrorsNameWhatToFix) {
  GitHubApi api(runner_.http(), apiOptions());
  const std::string redirect = "https://triggerd.example.com/oauth/github/callback";

  std::string code = fake_.issueCode("octocat", {"repo"}, redirect);
  auto wrong_secret = runner_.run<OAuthGrant>([&](auto cb) {
    return api.exchangeCode(fake_.options().client_id, "wrong-secret", code, redirect, cb);
  });
  ASSERT_FALSE(wrong_secret.ok());
  EXPECT_EQ(wrong_secret.error().status, 500);
  EXPECT_TRUE(contains(wrong_secret.error().message, "github.client_id"));
  EXPECT_TRUE(contains(wrong_secret.error().message, "github.client_secret_file"));

  auto wrong_redirect = runner_.run<OAuthGrant>([&](auto cb) {
    return api.exchangeCode(fake_.options().client_id, fake_.options().client_secret, code,
                            "https://elsewhere.example.com/cb", cb);
  });
  ASSERT_FALSE(wrong_redirect.ok());
  EXPECT_EQ(wrong_redirect.error().status, 500);
  EXPECT_TRUE(contains(wrong_redirect.error().message, "callback URL"));

  std::string stale = fake_.issueCode("octocat", {"repo"});
  fake_.expireCode(stale);
  auto expired = runner_.run<OAuthGrant>([&](auto cb) {
    return api.exchangeCode(fake_.options().client_id, fake_.options().client_secret, stale,
                            redirect, cb);
  });
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().status, 400);
  EXPECT_EQ(expired.error().field, "code");
}

TEST_F(GitHubApiTest, AuthorizeUrlUsesSpaceDelimitedScopes) {
  GitHubApi api(runner_.http(), apiOptions());
  std::string url = api.authorizeUrl("Iv1.abc", "https://t.example/oauth/github/callback",
                                     {"repo", "admin:repo_hook"}, "st4te");
  EXPECT_EQ(url, fake_.oauthBaseUrl() +
                     "/login/oauth/authorize?client_id=Iv1.abc&redirect_uri=https%3A%2F%2Ft."
                     "example%2Foauth%2Fgithub%2Fcallback&scope=repo%20admin%3Arepo_hook&state="
                     "st4te");
}

TEST_F(GitHubApiTest, UnreachableServerIsA502NamingTheHost) {
  GitHubApi::Options o = apiOptions();
  o.api_base_url = "http://127.0.0.1:1";
  GitHubApi api(runner_.http(), o);
  auto user = getUser(api, kToken);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().status, 502);
  EXPECT_TRUE(contains(user.error().message, "cannot reach GitHub at http://127.0.0.1:1"))
      << user.error().message;
}

class GitHubEnterpriseTest : public GitHubApiTest {
 protected:
  GitHubEnterpriseTest() : GitHubApiTest(FakeGitHub::Options{true, "/api/v3"}) {}
};

TEST_F(GitHubEnterpriseTest, ApiUnderApiV3OverTlsWithItsCa) {
  EXPECT_EQ(fake_.apiBaseUrl().substr(0, 8), "https://");
  GitHubApi api(runner_.http(), apiOptions());
  auto user = getUser(api, kToken);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(fake_.requests().at(0).target, "/api/v3/user");
}

TEST_F(GitHubEnterpriseTest, WithoutTheCaTlsVerificationFails) {
  GitHubApi::Options o = apiOptions();
  o.ca_pem.reset();
  GitHubApi api(runner_.http(), o);
  auto user = getUser(api, kToken);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().status, 502);
  EXPECT_TRUE(contains(user.error().message, "cannot reach GitHub")) << user.error().message;
  EXPECT_TRUE(fake_.requests().empty());  // no request got through the handshake
}

TEST_F(GitHubEnterpriseTest, WrongApiBaseIsExplained) {
  GitHubApi::Options o = apiOptions();
  o.api_base_url = fake_.oauthBaseUrl();  // forgot /api/v3
  GitHubApi api(runner_.http(), o);
  auto user = getUser(api, kToken);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().status, 502);
  EXPECT_TRUE(contains(user.error().message, "github.api_url")) << user.error().message;
}

// --- pure helpers --------------------------------------------------------------------------

TEST(ValidateGithubFullName, AcceptsGithubNames) {
  for (const char* ok :
       {"octocat/Hello-World", "a/b", "my-org/repo.name", "o_o/x_y", "octocat/.github"}) {
    EXPECT_TRUE(validateGithubFullName(ok).ok()) << ok;
  }
  EXPECT_FALSE(validateGithubFullName(std::string(40, 'a') + "/x").ok());
  EXPECT_FALSE(validateGithubFullName("a/" + std::string(101, 'x')).ok());
}

TEST(ParseGithubTokenExpiration, Formats) {
  EXPECT_EQ(parseGithubTokenExpiration("2021-10-07 19:07:53 UTC"), 1633633673);
  EXPECT_EQ(parseGithubTokenExpiration("2021-10-07 12:07:53 -0700"), 1633633673);
  EXPECT_FALSE(parseGithubTokenExpiration("tomorrow"));
  EXPECT_FALSE(parseGithubTokenExpiration("2021-10-07 19:07:53 PST"));
}

TEST(CheckGithubTokenForBinding, ScopesAndFineGrainedTokens) {
  GitHubUser user;
  user.scopes_reported = true;
  user.token.scopes = {"public_repo", "user"};
  auto st = checkGithubTokenForBinding(user, {"repo"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().status, 422);
  EXPECT_EQ(st.error().field, "token");
  EXPECT_TRUE(contains(st.error().message, "lacks the scope repo (it has: public_repo, user)"));

  user.token.scopes = {};
  EXPECT_TRUE(contains(checkGithubTokenForBinding(user, {"repo"}).error().message, "has: none"));

  user.scopes_reported = false;  // fine-grained: permissions instead of scopes
  EXPECT_TRUE(checkGithubTokenForBinding(user, {"repo"}).ok());
}

}  // namespace
}  // namespace triggerd
