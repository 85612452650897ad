// GitLabApi against FakeGitLab over real loopback sockets (CurlMultiClient on an EventLoop),
// plus the pure helpers.
#include "providers/gitlab_api.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "providers/gitlab_address.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/unit/providers/loop_runner.h"

namespace triggerd {
namespace {

using testing::FakeGitLab;
using testing::FakeGitLabProject;
using testing::gitlabProject;
using testing::LoopRunner;

constexpr const char* kToken = "glpat-goodtoken000000001";
constexpr int64_t kNow = 1764064800;  // 2025-11-25T10:00:00Z

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

int64_t dateUnix(const char* date) {
  std::chrono::system_clock::time_point t;
  EXPECT_TRUE(parseIso8601(date, &t));
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

class GitLabApiTest : public ::testing::Test {
 protected:
  explicit GitLabApiTest(FakeGitLab::Options options = {}) : fake_(std::move(options)) {
    fake_.setNow(kNow);
    fake_.addUser(42, "alice", "Alice Liddell");
    fake_.addToken(kToken, "alice", {"read_user", "api"}, "2027-01-31");
  }

  GitLabApi::Options apiOptions(std::string root = "") const {
    GitLabApi::Options o;
    o.server_root = root.empty() ? fake_.serverRoot() : root;
    o.user_agent = "triggerd-test/1";
    if (!fake_.caPem().empty()) o.ca_pem = fake_.caPem();
    return o;
  }

  Result<TokenInfo> tokenSelf(GitLabApi& api, const std::string& token) {
    return runner_.run<TokenInfo>([&](auto cb) { return api.tokenSelf(token, cb); });
  }
  Result<GitLabServerInfo> probe(GitLabApi& api, const std::string& token = kToken) {
    return runner_.run<GitLabServerInfo>([&](auto cb) { return api.probe(token, cb); });
  }

  void addMaintainedProjects(int count) {
    for (int i = 0; i < count; ++i) {
      FakeGitLabProject p;
      p.id = 1000 + i;
      p.path_with_namespace = "team/app-" + std::to_string(1000 + i);
      p.members["alice"] = i % 4 == 0 ? 30 : (i % 7 == 0 ? 50 : 40);  // some are Developer only
      p.visibility = i % 3 == 0 ? "public" : "private";
      fake_.addProject(p);
    }
  }

  FakeGitLab fake_;
  LoopRunner runner_;
};

TEST_F(GitLabApiTest, ProbeFindsGitlab) {
  GitLabApi api(runner_.http(), apiOptions());
  auto info = probe(api);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->version, "17.6.1-ee");
  EXPECT_TRUE(info->token_accepted);
}

TEST_F(GitLabApiTest, ProbeWithARejectedTokenStillIdentifiesGitlab) {
  GitLabApi api(runner_.http(), apiOptions());
  auto info = probe(api, "glpat-unknown");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_FALSE(info->token_accepted);
}

TEST_F(GitLabApiTest, ProbeOfAProjectUrlIsNotAServerRoot) {
  GitLabApi api(runner_.http(), apiOptions(fake_.serverRoot() + "/team/app"));
  auto info = probe(api);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().status, 422);
  EXPECT_EQ(info.error().field, "service_address");
  EXPECT_TRUE(contains(info.error().message, "does not look like a GitLab server root"))
      << info.error().message;
  EXPECT_TRUE(contains(info.error().message, "text/html")) << info.error().message;
}

TEST_F(GitLabApiTest, ProbeOfAnUnreachableAddressSaysSo) {
  GitLabApi api(runner_.http(), apiOptions("http://127.0.0.1:1"));
  auto info = probe(api);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().status, 422);
  EXPECT_EQ(info.error().field, "service_address");
  EXPECT_TRUE(contains(info.error().message, "cannot reach http://127.0.0.1:1"))
      << info.error().message;
}

TEST_F(GitLabApiTest, TokenSelfReportsScopesAndExpiry) {
  GitLabApi api(runner_.http(), apiOptions());
  auto info = tokenSelf(api, kToken);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->scopes, (std::vector<std::string>{"api", "read_user"}));
  EXPECT_TRUE(info->active);
  EXPECT_FALSE(info->revoked);
  ASSERT_TRUE(info->expires_at);
  EXPECT_EQ(*info->expires_at, dateUnix("2027-01-31T00:00:00Z"));  // 00:00 UTC that day
  EXPECT_TRUE(checkGitlabTokenForBinding(*info, {"api"}, kNow).ok());

  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/api/v4/personal_access_tokens/self");
  EXPECT_EQ(requests[0].header("private-token"), kToken);
  EXPECT_EQ(requests[0].header("user-agent"), "triggerd-test/1");
  EXPECT_FALSE(requests[0].hasHeader("authorization"));
  EXPECT_FALSE(contains(requests[0].target, kToken));
}

TEST_F(GitLabApiTest, TokenWithoutExpiry) {
  fake_.addToken("glpat-forever", "alice", {"api"});
  GitLabApi api(runner_.http(), apiOptions());
  auto info = tokenSelf(api, "glpat-forever");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_FALSE(info->expires_at);
}

TEST_F(GitLabApiTest, ExpiredTokenIsRejectedWithTheReason) {
  fake_.addToken("glpat-expired", "alice", {"api"}, "2025-11-25");  // expired at 00:00 UTC today
  GitLabApi api(runner_.http(), apiOptions());
  auto info = tokenSelf(api, "glpat-expired");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().status, 422);
  EXPECT_EQ(info.error().field, "private_token");
  EXPECT_TRUE(contains(info.error().message, "GitLab rejected the token (401): it has expired"))
      << info.error().message;
  EXPECT_FALSE(contains(info.error().message, "glpat-expired"));
}

TEST_F(GitLabApiTest, RevokedTokenIsRejectedWithTheReason) {
  fake_.addToken("glpat-revoked", "alice", {"api"});
  fake_.revokeToken("glpat-revoked");
  GitLabApi api(runner_.http(), apiOptions());
  auto info = tokenSelf(api, "glpat-revoked");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().field, "private_token");
  EXPECT_TRUE(contains(info.error().message, "it was revoked")) << info.error().message;
}

TEST_F(GitLabApiTest, UnknownTokenIs422) {
  GitLabApi api(runner_.http(), apiOptions());
  auto info = tokenSelf(api, "glpat-nope");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().status, 422);
  EXPECT_EQ(info.error().field, "private_token");
  EXPECT_TRUE(contains(info.error().message, "GitLab rejected the token (401)"));
}

TEST_F(GitLabApiTest, TokenWithoutApiScopeIsReportedThenRefusedForBinding) {
  fake_.addToken("glpat-readonly", "alice", {"read_api", "read_user"}, "2026-06-01");
  GitLabApi api(runner_.http(), apiOptions());
  auto info = tokenSelf(api, "glpat-readonly");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->scopes, (std::vector<std::string>{"read_api", "read_user"}));
  auto st = checkGitlabTokenForBinding(*info, {"api"}, kNow);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().field, "private_token");
  EXPECT_TRUE(contains(st.error().message, "lacks the scope api (it has: read_api, read_user)"))
      << st.error().message;
}

TEST_F(GitLabApiTest, OldGitlabWithoutTokenSelfIsExplained) {
  FakeGitLab old(FakeGitLab::Options{false, "", "15.4.0", false, false, false});
  old.addUser(1, "alice", "Alice");
  old.addToken(kToken, "alice", {"api"});
  GitLabApi api(runner_.http(), apiOptions(old.serverRoot()));
  auto info = tokenSelf(api, kToken);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().status, 422);
  EXPECT_TRUE(contains(info.error().message, "GitLab 15.5 or later")) << info.error().message;
}

TEST_F(GitLabApiTest, GetUser) {
  GitLabApi api(runner_.http(), apiOptions());
  auto user = runner_.run<AccountIdentity>([&](auto cb) { return api.getUser(kToken, cb); });
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->id, "42");
  EXPECT_EQ(user->login, "alice");
  EXPECT_EQ(user->name, "Alice Liddell");
}

TEST_F(GitLabApiTest, InsufficientScopeIsExplained) {
  fake_.addToken("glpat-repoonly", "alice", {"read_repository"});
  GitLabApi api(runner_.http(), apiOptions());
  auto user =
      runner_.run<AccountIdentity>([&](auto cb) { return api.getUser("glpat-repoonly", cb); });
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().status, 422);
  EXPECT_TRUE(contains(user.error().message, "insufficient_scope")) << user.error().message;
}

TEST_F(GitLabApiTest, ListProjectsWalksEveryPageAtMaintainerOrAbove) {
  addMaintainedProjects(300);
  fake_.addProject(gitlabProject(9, "bob/secret", "bob", 50));

  GitLabApi api(runner_.http(), apiOptions());
  auto walk = runner_.walkPages<RepoSummary>(
      [&](const std::string& page, auto cb) { return api.listProjects(kToken, page, cb); },
      [&](const RepoSummary& p) {
        EXPECT_NE(p.full_name, "bob/secret");
        EXPECT_TRUE(p.is_private);  // simple=true omits visibility: assume private
        EXPECT_EQ(p.clone_url, fake_.serverRoot() + "/" + p.full_name + ".git");
      });
  EXPECT_EQ(walk.items, 225u);  // 300 minus the 75 Developer-only ones
  EXPECT_EQ(walk.pages, 3);

  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target,
            "/api/v4/projects?membership=true&min_access_level=40&simple=true&per_page=100&"
            "order_by=path&sort=asc");
  EXPECT_TRUE(contains(requests[1].target, "&page=2"));
}

TEST_F(GitLabApiTest, ListBranchesByUrlEncodedPathAcrossPages) {
  fake_.addProject(gitlabProject(77, "group/sub/app", "alice", 40));
  fake_.addBranches(77, 250);
  fake_.addTags(77, 120);
  GitLabApi api(runner_.http(), apiOptions());

  for (bool tags : {false, true}) {
    auto walk = runner_.walkPages<RefSummary>(
        [&](const std::string& page, auto cb) {
          return tags ? api.listTags(kToken, "group/sub/app", page, cb)
                      : api.listBranches(kToken, "group/sub/app", page, cb);
        },
        [](const RefSummary& ref) { EXPECT_EQ(ref.sha.size(), 40u); });
    EXPECT_EQ(walk.items, tags ? 120u : 250u);
    EXPECT_EQ(walk.pages, tags ? 2 : 3);
  }
  EXPECT_EQ(fake_.requests().front().target,
            "/api/v4/projects/group%2Fsub%2Fapp/repository/branches?per_page=100");

  auto by_id = runner_.run<Page<RefSummary>>(
      [&](auto cb) { return api.listBranches(kToken, "77", "", cb); });
  ASSERT_TRUE(by_id.ok()) << by_id.error().message;
  EXPECT_EQ(by_id->items.size(), 100u);
}

TEST_F(GitLabApiTest, UnknownProjectIs404) {
  GitLabApi api(runner_.http(), apiOptions());
  auto result = runner_.run<Page<RefSummary>>(
      [&](auto cb) { return api.listBranches(kToken, "nobody/nothing", "", cb); });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 404);
  EXPECT_EQ(result.error().field, "repository");
}

TEST_F(GitLabApiTest, ProjectPathsAreValidatedBeforeBuildingUrls) {
  GitLabApi api(runner_.http(), apiOptions());
  for (const char* bad : {"", "app", "group/", "/app", "group//app", "group/../app", "../x/y",
                          "group/./app", "group/app?x", "group/a b", "group%2Fapp"}) {
    auto result = runner_.run<Page<RefSummary>>(
        [&](auto cb) { return api.listBranches(kToken, bad, "", cb); });
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().status, 422) << bad;
  }
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(GitLabApiTest, RateLimitIs503WithRetryAfter) {
  fake_.setRateLimited(true, 30);
  GitLabApi api(runner_.http(), apiOptions());
  auto info = tokenSelf(api, kToken);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().status, 503);
  EXPECT_TRUE(contains(info.error().message, "retry after 30 s")) << info.error().message;

  auto probed = probe(api);
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.error().status, 503);
}

class GitLabInactiveTokensTest : public GitLabApiTest {
 protected:
  GitLabInactiveTokensTest()
      : GitLabApiTest(FakeGitLab::Options{false, "", "17.6.1-ee", true, true, false}) {}
};

TEST_F(GitLabInactiveTokensTest, InactiveAndRevokedTokensReportedByTokenSelf) {
  fake_.addToken("glpat-expired", "alice", {"api"}, "2025-11-01");
  fake_.addToken("glpat-revoked", "alice", {"api"});
  fake_.revokeToken("glpat-revoked");
  GitLabApi api(runner_.http(), apiOptions());

  auto expired = tokenSelf(api, "glpat-expired");
  ASSERT_TRUE(expired.ok()) << expired.error().message;
  EXPECT_FALSE(expired->active);
  auto st = checkGitlabTokenForBinding(*expired, {"api"}, kNow);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.error().message, "expired on 2025-11-01")) << st.error().message;

  auto revoked = tokenSelf(api, "glpat-revoked");
  ASSERT_TRUE(revoked.ok()) << revoked.error().message;
  EXPECT_TRUE(revoked->revoked);
  EXPECT_TRUE(
      contains(checkGitlabTokenForBinding(*revoked, {"api"}, kNow).error().message, "was revoked"));
}

class GitLabRelativeRootTest : public GitLabApiTest {
 protected:
  GitLabRelativeRootTest()
      : GitLabApiTest(FakeGitLab::Options{false, "/gitlab", "17.6.1-ee", true, false, true}) {}
};

TEST_F(GitLabRelativeRootTest, EverythingWorksUnderTheRelativeRoot) {
  ASSERT_TRUE(contains(fake_.serverRoot(), "/gitlab"));
  auto normalised = normalizeGitlabAddress(fake_.serverRoot() + "/");
  ASSERT_TRUE(normalised.ok()) << normalised.error().message;
  GitLabApi api(runner_.http(), apiOptions(*normalised));
  ASSERT_TRUE(probe(api).ok());
  ASSERT_TRUE(tokenSelf(api, kToken).ok());
  addMaintainedProjects(150);
  // Totals omitted (as on GitLab.com): pagination must follow Link / x-next-page alone.
  auto walk = runner_.walkPages<RepoSummary>(
      [&](const std::string& page, auto cb) { return api.listProjects(kToken, page, cb); },
      [](const RepoSummary&) {});
  EXPECT_EQ(walk.items, 112u);  // 150 minus 38 Developer-only (i % 4 == 0)
  for (const auto& r : fake_.requests()) EXPECT_EQ(r.target.rfind("/gitlab/api/v4/", 0), 0u);
}

TEST_F(GitLabRelativeRootTest, TheHostRootIsNotTheServerRoot) {
  std::string host_root = fake_.serverRoot().substr(0, fake_.serverRoot().size() - 7);
  GitLabApi api(runner_.http(), apiOptions(host_root));
  auto info = probe(api);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().field, "service_address");
  EXPECT_TRUE(contains(info.error().message, "does not look like a GitLab server root"));

  auto self = tokenSelf(api, kToken);  // an HTML answer is never taken for a token problem
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().field, "service_address");
}

class GitLabTlsTest : public GitLabApiTest {
 protected:
  GitLabTlsTest() : GitLabApiTest(FakeGitLab::Options{true, "", "17.6.1-ee", true, false, false}) {}
};

TEST_F(GitLabTlsTest, WorksWithTheServersCa) {
  GitLabApi api(runner_.http(), apiOptions());
  auto info = probe(api);
  ASSERT_TRUE(info.ok()) << info.error().message;
  ASSERT_TRUE(tokenSelf(api, kToken).ok());
}

TEST_F(GitLabTlsTest, WithoutTheCaTheProbeNamesTheTlsFailure) {
  GitLabApi::Options o = apiOptions();
  o.ca_pem.reset();
  GitLabApi api(runner_.http(), o);
  auto info = probe(api);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().status, 422);
  EXPECT_EQ(info.error().field, "service_address");
  EXPECT_TRUE(contains(info.error().message, "cannot reach https://127.0.0.1:"))
      << info.error().message;
  EXPECT_TRUE(contains(toLower(info.error().message), "certificate")) << info.error().message;
  EXPECT_TRUE(contains(info.error().message, "ca_certificate")) << info.error().message;
}

// --- pure helpers --------------------------------------------------------------------------

TEST(GitlabProjectSegment, IdsAndEncodedPaths) {
  EXPECT_EQ(*gitlabProjectSegment("42"), "42");
  EXPECT_EQ(*gitlabProjectSegment("diaspora/diaspora"), "diaspora%2Fdiaspora");
  EXPECT_EQ(*gitlabProjectSegment("group/sub.group/my_app-2"), "group%2Fsub.group%2Fmy_app-2");
  EXPECT_FALSE(gitlabProjectSegment("1234567890123456789").ok());
  EXPECT_FALSE(gitlabProjectSegment("group/" + std::string(2000, 'a')).ok());
}

TEST(CheckGitlabTokenForBinding, ExpiryIsJudgedAgainstNow) {
  TokenInfo t;
  t.scopes = {"api"};
  t.expires_at = dateUnix("2025-11-26");
  EXPECT_TRUE(checkGitlabTokenForBinding(t, {"api"}, kNow).ok());
  t.expires_at = dateUnix("2025-11-25");
  auto st = checkGitlabTokenForBinding(t, {"api"}, kNow);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().status, 422);
  EXPECT_EQ(st.error().field, "private_token");
  EXPECT_TRUE(contains(st.error().message, "expired on 2025-11-25"));
}

}  // namespace
}  // namespace triggerd
