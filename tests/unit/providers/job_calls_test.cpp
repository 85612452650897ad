// The ProviderClient calls jobs need (manual runs, commit statuses, clone credentials) against
// FakeGitHub and FakeGitLab over real loopback sockets: what is sent, what comes back, and how
// each provider's refusals map to errors.
#include <gtest/gtest.h>

#include "common/json.h"
#include "providers/provider_client.h"
#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/unit/providers/loop_runner.h"

namespace triggerd {
namespace {

using testing::FakeGitHub;
using testing::FakeGitHubCommit;
using testing::FakeGitHubRepo;
using testing::FakeGitLab;
using testing::FakeGitLabCommit;
using testing::FakeGitLabProject;
using testing::LoopRunner;

constexpr const char* kGithubToken = "ghp_jobcalls000000000000000000000000000001";
constexpr const char* kGitlabToken = "glpat-jobcalls00000000001";
const std::string kSha(40, 'c');

class GithubJobCallsTest : public ::testing::Test {
 protected:
  GithubJobCallsTest() {
    fake_.addUser(1, "octocat", "The Octocat");
    fake_.addToken(kGithubToken, "octocat", {"repo"});
    FakeGitHubRepo repo;
    repo.owner = "octo";
    repo.name = "app";
    repo.permissions["octocat"] = "admin";
    fake_.addRepo(repo);
    fake_.addCommit(
        "octo/app",
        {kSha, "Fix build\n\nLonger text", "Octo Cat", "octo@example.com", "2026-11-20T08:00:00Z"},
        "release/1.2", "v1.2.0");
    client_ = makeProviderClient({Provider::kGithub, fake_.apiBaseUrl(), ""}, runner_.http(),
                                 settings(), clock_);
  }

  static ProviderClientSettings settings() {
    ProviderClientSettings s;
    s.user_agent = "triggerd-test/1";
    return s;
  }

  Result<CommitSummary> commit(const std::function<ApiCall(ProviderClient::CommitCallback)>& f) {
    return runner_.run<CommitSummary>(f);
  }

  FakeGitHub fake_;
  LoopRunner runner_;
  SystemClock clock_;
  std::unique_ptr<ProviderClient> client_;
};

TEST_F(GithubJobCallsTest, BranchesTagsAndCommitsResolveToTheirCommit) {
  auto branch = commit(
      [&](auto cb) { return client_->branchHead(kGithubToken, "octo/app", "release/1.2", cb); });
  ASSERT_TRUE(branch.ok()) << branch.error().message;
  EXPECT_EQ(branch->sha, kSha);
  EXPECT_EQ(branch->message, "Fix build\n\nLonger text");
  EXPECT_EQ(branch->author, "Octo Cat <octo@example.com>");
  EXPECT_EQ(branch->timestamp, "2026-11-20T08:00:00Z");
  auto tag =
      commit([&](auto cb) { return client_->tagHead(kGithubToken, "octo/app", "v1.2.0", cb); });
  ASSERT_TRUE(tag.ok()) << tag.error().message;
  EXPECT_EQ(tag->sha, kSha);
  auto pinned = commit(
      [&](auto cb) { return client_->getCommit(kGithubToken, "octo/app", kSha.substr(0, 7), cb); });
  ASSERT_TRUE(pinned.ok()) << pinned.error().message;
  EXPECT_EQ(pinned->sha, kSha);

  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target, "/repos/octo/app/branches/release/1.2");
  EXPECT_EQ(requests[1].target, "/repos/octo/app/commits/tags/v1.2.0");
  EXPECT_EQ(requests[2].target, "/repos/octo/app/commits/ccccccc");
  for (const auto& r : requests)
    EXPECT_EQ(r.header("authorization"), std::string("Bearer ") + kGithubToken);
}

TEST_F(GithubJobCallsTest, MissingRefsAreNotFoundOnTheirField) {
  auto branch =
      commit([&](auto cb) { return client_->branchHead(kGithubToken, "octo/app", "nope", cb); });
  ASSERT_FALSE(branch.ok());
  EXPECT_TRUE(branch.error().is(Error::Kind::kNotFound));
  EXPECT_EQ(branch.error().field, "ref");
  auto tag = commit([&](auto cb) { return client_->tagHead(kGithubToken, "octo/app", "v9", cb); });
  ASSERT_FALSE(tag.ok());
  EXPECT_EQ(tag.error().field, "ref");
  EXPECT_NE(tag.error().message.find("no tag 'v9'"), std::string::npos) << tag.error().message;
  auto sha =
      commit([&](auto cb) { return client_->getCommit(kGithubToken, "octo/app", "deadbeef", cb); });
  ASSERT_FALSE(sha.ok());
  EXPECT_EQ(sha.error().field, "sha");
  // Refused before anything is sent.
  auto bad = client_->branchHead(kGithubToken, "octo/app", "a..b", [](auto) {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "ref");
}

TEST_F(GithubJobCallsTest, RepositoryAndAnExpiredToken) {
  auto repo = runner_.run<RepoSummary>(
      [&](auto cb) { return client_->getRepository(kGithubToken, "octo/app", cb); });
  ASSERT_TRUE(repo.ok()) << repo.error().message;
  EXPECT_EQ(repo->full_name, "octo/app");
  EXPECT_EQ(repo->clone_url, "https://github.com/octo/app.git");
  EXPECT_TRUE(repo->is_private);
  fake_.revokeToken(kGithubToken);
  auto refused = commit(
      [&](auto cb) { return client_->branchHead(kGithubToken, "octo/app", "release/1.2", cb); });
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().is(Error::Kind::kCredentialsRejected));
  EXPECT_EQ(refused.error().field, "token");
}

TEST_F(GithubJobCallsTest, CommitStatusesMapStatesAndFitTheDescription) {
  CommitStatus s;
  s.state = CommitState::kCanceled;  // GitHub has no canceled: error
  s.context = "triggerd/registry.example.com/team/app";
  s.description = std::string(200, 'd');
  s.target_url = "https://console.example.com/jobs/1";
  auto done = runner_.run<Ok>(
      [&](auto cb) { return client_->postCommitStatus(kGithubToken, "octo/app", kSha, s, cb); });
  ASSERT_TRUE(done.ok()) << done.error().message;
  s.state = CommitState::kRunning;  // GitHub has no running: pending
  s.description = "building";
  ASSERT_TRUE(runner_
                  .run<Ok>([&](auto cb) {
                    return client_->postCommitStatus(kGithubToken, "octo/app", kSha, s, cb);
                  })
                  .ok());
  auto statuses = fake_.statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, "error");
  EXPECT_LE(statuses[0].description.size(), 140u);
  EXPECT_EQ(statuses[0].context, s.context);
  EXPECT_EQ(statuses[0].target_url, s.target_url);
  EXPECT_EQ(statuses[1].state, "pending");
  // A commit GitHub does not know: 422, refused for good (not retried).
  auto unknown = runner_.run<Ok>([&](auto cb) {
    return client_->postCommitStatus(kGithubToken, "octo/app", std::string(40, 'f'), s, cb);
  });
  ASSERT_FALSE(unknown.ok());
  EXPECT_FALSE(unknown.error().is(Error::Kind::kUnavailable));
  // A server error is worth a retry.
  fake_.failRequests(1, 502);
  auto down = runner_.run<Ok>(
      [&](auto cb) { return client_->postCommitStatus(kGithubToken, "octo/app", kSha, s, cb); });
  ASSERT_FALSE(down.ok());
  EXPECT_TRUE(down.error().is(Error::Kind::kUpstream));
}

TEST_F(GithubJobCallsTest, CloneCredentialsAreTheBoundTokenWithItsLogin) {
  auto cred = runner_.run<CloneCredential>([&](auto cb) {
    return client_->createCloneCredential(kGithubToken, "octo/app", "job", 1800000000, cb);
  });
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  EXPECT_EQ(cred->username, "octocat");
  EXPECT_EQ(cred->password, kGithubToken);
  EXPECT_TRUE(cred->id.empty());  // nothing to revoke
  EXPECT_EQ(cred->expires_at, 1800000000);
  auto revoke = client_->revokeCloneCredential(kGithubToken, "octo/app", "x", [](Status) {});
  EXPECT_FALSE(revoke.ok());
}

class GitlabJobCallsTest : public ::testing::Test {
 protected:
  GitlabJobCallsTest() {
    fake_.addUser(42, "alice", "Alice Liddell");
    fake_.addToken(kGitlabToken, "alice", {"api"});
    FakeGitLabProject p;
    p.id = 7;
    p.path_with_namespace = "team/app";
    p.members["alice"] = 40;
    fake_.addProject(p);
    FakeGitLabProject dev;
    dev.id = 8;
    dev.path_with_namespace = "team/other";
    dev.members["alice"] = 30;  // Developer: statuses yes, deploy tokens no
    fake_.addProject(dev);
    fake_.addCommit(
        7, {kSha, "Add feature", "Alice", "alice@example.com", "2026-11-20T08:00:00.000+00:00"},
        "feature/x", "v2.0.0");
    fake_.addCommit(8, {kSha}, "main");
    client_ = makeProviderClient({Provider::kGitlab, fake_.serverRoot(), ""}, runner_.http(),
                                 ProviderClientSettings{}, clock_);
  }

  Result<CommitSummary> commit(const std::function<ApiCall(ProviderClient::CommitCallback)>& f) {
    return runner_.run<CommitSummary>(f);
  }

  FakeGitLab fake_;
  LoopRunner runner_;
  SystemClock clock_;
  std::unique_ptr<ProviderClient> client_;
};

TEST_F(GitlabJobCallsTest, BranchesTagsAndCommitsResolveAndMissingOnesAreNotFound) {
  auto branch =
      commit([&](auto cb) { return client_->branchHead(kGitlabToken, "7", "feature/x", cb); });
  ASSERT_TRUE(branch.ok()) << branch.error().message;
  EXPECT_EQ(branch->sha, kSha);
  EXPECT_EQ(branch->author, "Alice <alice@example.com>");
  auto tag =
      commit([&](auto cb) { return client_->tagHead(kGitlabToken, "team/app", "v2.0.0", cb); });
  ASSERT_TRUE(tag.ok()) << tag.error().message;
  EXPECT_EQ(tag->message, "Add feature");
  auto pinned =
      commit([&](auto cb) { return client_->getCommit(kGitlabToken, "7", kSha.substr(0, 8), cb); });
  ASSERT_TRUE(pinned.ok()) << pinned.error().message;
  EXPECT_EQ(pinned->sha, kSha);
  // Names travel as one segment: / as %2F.
  EXPECT_EQ(fake_.requests()[0].target, "/api/v4/projects/7/repository/branches/feature%2Fx");

  auto missing =
      commit([&](auto cb) { return client_->branchHead(kGitlabToken, "7", "nope", cb); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "ref");
  auto no_tag = commit([&](auto cb) { return client_->tagHead(kGitlabToken, "7", "v9", cb); });
  ASSERT_FALSE(no_tag.ok());
  EXPECT_EQ(no_tag.error().field, "ref");
  auto no_commit =
      commit([&](auto cb) { return client_->getCommit(kGitlabToken, "7", "abcdef12", cb); });
  ASSERT_FALSE(no_commit.ok());
  EXPECT_EQ(no_commit.error().field, "sha");
  auto no_project =
      commit([&](auto cb) { return client_->branchHead(kGitlabToken, "999", "main", cb); });
  ASSERT_FALSE(no_project.ok());
  EXPECT_EQ(no_project.error().field, "repository");

  auto repo = runner_.run<RepoSummary>(
      [&](auto cb) { return client_->getRepository(kGitlabToken, "7", cb); });
  ASSERT_TRUE(repo.ok()) << repo.error().message;
  EXPECT_EQ(repo->full_name, "team/app");
  EXPECT_EQ(repo->clone_url, fake_.serverRoot() + "/team/app.git");
  EXPECT_TRUE(repo->is_private);
}

TEST_F(GitlabJobCallsTest, CommitStatusesMapStatesAndARepeatedStateCountsAsSet) {
  CommitStatus s;
  s.context = "triggerd/registry.example.com/team/app";
  s.ref_name = "feature/x";
  s.description = std::string(300, 'd');
  for (CommitState state : {CommitState::kPending, CommitState::kRunning, CommitState::kRunning,
                            CommitState::kFailure}) {
    s.state = state;
    auto done = runner_.run<Ok>(
        [&](auto cb) { return client_->postCommitStatus(kGitlabToken, "7", kSha, s, cb); });
    ASSERT_TRUE(done.ok()) << done.error().message;
  }
  auto statuses = fake_.statuses();
  ASSERT_EQ(statuses.size(), 3u);  // the repeated running was no transition
  EXPECT_EQ(statuses[0].state, "pending");
  EXPECT_EQ(statuses[1].state, "running");
  EXPECT_EQ(statuses[2].state, "failed");
  EXPECT_EQ(statuses[2].name, s.context);
  EXPECT_EQ(statuses[2].ref, "feature/x");
  EXPECT_LE(statuses[2].description.size(), 255u);
  s.state = CommitState::kCanceled;
  ASSERT_TRUE(runner_
                  .run<Ok>([&](auto cb) {
                    return client_->postCommitStatus(kGitlabToken, "8", kSha, s, cb);
                  })
                  .ok());
  EXPECT_EQ(fake_.statuses().back().state, "canceled");
}

TEST_F(GitlabJobCallsTest, CloneCredentialsAreReadOnlyDeployTokensRevokedOnce) {
  auto cred = runner_.run<CloneCredential>([&](auto cb) {
    return client_->createCloneCredential(kGitlabToken, "7", "triggerd job 1 attempt 1", 1795601700,
                                          cb);
  });
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  auto tokens = fake_.deployTokens();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].scopes, std::vector<std::string>{"read_repository"});
  EXPECT_EQ(tokens[0].expires_at, "2026-11-25T10:15:00Z");
  EXPECT_EQ(tokens[0].name, "triggerd job 1 attempt 1");
  EXPECT_EQ(cred->username, tokens[0].username);
  EXPECT_EQ(cred->password, tokens[0].token);
  EXPECT_EQ(cred->id, std::to_string(tokens[0].id));

  for (int i = 0; i < 2; ++i) {  // the second delete finds it gone: still revoked
    auto gone = runner_.run<Ok>(
        [&](auto cb) { return client_->revokeCloneCredential(kGitlabToken, "7", cred->id, cb); });
    ASSERT_TRUE(gone.ok()) << gone.error().message;
  }
  EXPECT_TRUE(fake_.deployTokens()[0].revoked);

  // A Developer may not make deploy tokens: GitLab's 403 is the token's lack of access.
  auto refused = runner_.run<CloneCredential>([&](auto cb) {
    return client_->createCloneCredential(kGitlabToken, "8", "x", 1795601700, cb);
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().is(Error::Kind::kCredentialsRejected));
}

}  // namespace
}  // namespace triggerd

namespace triggerd {
namespace {

TEST(RefNames, GitsRulesForBranchAndTagNames) {
  for (const char* ok : {"main", "release/1.2", "v1.2.0", "feature/x-y_z", "a@b"})
    EXPECT_TRUE(provider_http::checkRefName(ok, "ref").ok()) << ok;
  for (const char* bad : {"", "a..b", "a//b", "/a", "a/", "a.", "a.lock", "a b", "a~1", "a^", "a:b",
                          "a?", "a*", "a[", "a\\b", "a@{1}", "a\x01"}) {
    auto st = provider_http::checkRefName(bad, "ref");
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().field, "ref");
  }
  EXPECT_FALSE(provider_http::checkRefName(std::string(256, 'a'), "ref").ok());
  EXPECT_EQ(provider_http::refPath("release/1.2 rc"), "release/1.2%20rc");
}

TEST(RefNames, ShasAreSevenTo64HexDigits) {
  EXPECT_TRUE(provider_http::checkSha("1a2b3c4", "sha").ok());
  EXPECT_TRUE(provider_http::checkSha(std::string(64, 'f'), "sha").ok());
  EXPECT_FALSE(provider_http::checkSha("1a2b3c", "sha").ok());
  EXPECT_FALSE(provider_http::checkSha("xyz1234", "sha").ok());
  EXPECT_FALSE(provider_http::checkSha(std::string(65, 'a'), "sha").ok());
}

}  // namespace
}  // namespace triggerd
