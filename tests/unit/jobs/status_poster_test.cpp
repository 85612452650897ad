// The commit status poster against FakeGitHub over real sockets, with the source in a real
// Redis: statuses are posted in order per job, retried with back-off while GitHub fails, given
// up when GitHub refuses, and a newer state replaces one still waiting.
#include "jobs/status_poster.h"

#include <gtest/gtest.h>

#include "crypto/keyring.h"
#include "http/curl_multi_client.h"
#include "tests/fakes/fake_github.h"
#include "tests/support/redis_loop.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using testing::FakeGitHub;
using testing::FakeGitHubRepo;

constexpr const char* kToken = "ghp_poster000000000000000000000000000000001";
const std::string kSha(40, 'b');

CurlMultiClient::Options loopbackClient() {
  CurlMultiClient::Options o;
  auto guard = AddressGuard::fromStrings({"127.0.0.0/8"});
  if (guard.ok()) o.address_guard = *guard;
  return o;
}

class StatusPosterTest : public ::testing::Test {
 protected:
  StatusPosterTest() : http_(redis_.loop(), loopbackClient()) {
    github_.addUser(1, "octocat", "The Octocat");
    github_.addToken(kToken, "octocat", {"repo"});
    FakeGitHubRepo repo;
    repo.owner = "octo";
    repo.name = "app";
    repo.permissions["octocat"] = "admin";
    github_.addRepo(repo);
    github_.addCommit("octo/app", {kSha}, "main");
    Source s;
    s.user = "alice";
    s.provider = Provider::kGithub;
    s.api_url = github_.apiBaseUrl();
    s.login = "octocat";
    s.token = kToken;
    auto st = redis_.await<Status>([&](auto cb) { sources_.create(s, cb); });
    EXPECT_TRUE(st.ok());
  }

  std::unique_ptr<CommitStatusPoster> poster(int max_attempts = 4) {
    StatusPosterOptions o;
    o.max_attempts = max_attempts;
    o.first_retry = 50ms;
    o.target_url = "https://console.example.com/jobs/{job}";
    return std::make_unique<CommitStatusPoster>(redis_.loop(), sources_, http_, clock_, metrics_,
                                                o);
  }

  JobEvent event(JobState state, const std::string& id = "01JDQ3Z9X6V5W4T3S2R1Q0P9N8") {
    JobRecord r;
    r.id = id;
    r.user = "alice";
    r.provider = Provider::kGithub;
    r.repo = "octo/app";
    r.sha = kSha;
    r.ref = "refs/heads/main";
    r.image = "registry.example.com/team/app";
    r.tags = {"main"};
    r.state = state;
    return JobEvent{r, state == JobState::kRunning ? "building on r1" : "", ""};
  }

  std::vector<std::string> states() {
    std::vector<std::string> out;
    for (const auto& s : github_.statuses()) out.push_back(s.state);
    return out;
  }

  testing::RedisLoop redis_;
  SecureRandom rng_;
  Keyring keyring_{SecretBox(std::string(32, 'k'), deriveKeyId(std::string(32, 'k')))};
  SealedRecords records_{redis_.client(), keyring_, rng_};
  SourceStore sources_{records_, Keys()};
  FakeGitHub github_;
  CurlMultiClient http_;
  SystemClock clock_;
  Metrics metrics_;
};

TEST_F(StatusPosterTest, PostsEveryStateInOrder) {
  auto p = poster();
  p->post(event(JobState::kQueued));
  p->post(event(JobState::kRunning));
  p->post(event(JobState::kSuccess));
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return p->pending() == 0; }));
  // Queued and running are both pending on GitHub; a newer state waiting may replace the
  // running one, never reorder them.
  auto seen = states();
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front(), "pending");
  EXPECT_EQ(seen.back(), "success");
  EXPECT_EQ(github_.statuses().back().target_url,
            "https://console.example.com/jobs/01JDQ3Z9X6V5W4T3S2R1Q0P9N8");
  EXPECT_EQ(github_.statuses().back().context, "triggerd/registry.example.com/team/app");
}

TEST_F(StatusPosterTest, RetriesWhileGithubFailsThenPosts) {
  auto p = poster();
  github_.failRequests(2, 502);
  p->post(event(JobState::kSuccess));
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return p->pending() == 0; }));
  EXPECT_EQ(states(), std::vector<std::string>{"success"});
  EXPECT_EQ(metrics_.counter("triggerd_commit_statuses_total",
                             {{"provider", "github"}, {"outcome", "retried"}}),
            2u);
  EXPECT_EQ(metrics_.counter("triggerd_commit_statuses_total",
                             {{"provider", "github"}, {"outcome", "posted"}}),
            1u);
}

TEST_F(StatusPosterTest, GivesUpAfterMaxAttemptsAndAtOnceWhenRefused) {
  auto p = poster(3);
  github_.failRequests(10, 503);
  p->post(event(JobState::kSuccess));
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return p->pending() == 0; }));
  EXPECT_TRUE(states().empty());
  EXPECT_EQ(metrics_.counter("triggerd_commit_statuses_total",
                             {{"provider", "github"}, {"outcome", "failed"}}),
            1u);

  github_.failRequests(0);
  github_.revokeToken(kToken);  // refused: no retry
  p->post(event(JobState::kFailure, "01JDQ3Z9X6V5W4T3S2R1Q0P9N9"));
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return p->pending() == 0; }));
  EXPECT_EQ(metrics_.counter("triggerd_commit_statuses_total",
                             {{"provider", "github"}, {"outcome", "failed"}}),
            2u);
  EXPECT_EQ(metrics_.counter("triggerd_commit_statuses_total",
                             {{"provider", "github"}, {"outcome", "retried"}}),
            2u);  // only the first job's two retries
}

TEST_F(StatusPosterTest, ANewerStateReplacesOneWaitingForARetry) {
  auto p = poster(6);
  github_.failRequests(1, 500);
  p->post(event(JobState::kRunning));
  // The running status failed once and waits for its retry; the result arrives meanwhile.
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] {
    return metrics_.counter("triggerd_commit_statuses_total",
                            {{"provider", "github"}, {"outcome", "retried"}}) == 1;
  }));
  p->post(event(JobState::kSuccess));
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return p->pending() == 0; }));
  EXPECT_EQ(states(), std::vector<std::string>{"success"});
}

TEST_F(StatusPosterTest, AJobWhoseUserUnboundIsGivenUp) {
  auto p = poster();
  JobEvent e = event(JobState::kSuccess);
  e.record.user = "bob";
  p->post(e);
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return p->pending() == 0; }));
  EXPECT_TRUE(states().empty());
}

TEST_F(StatusPosterTest, DisabledPostsNothing) {
  StatusPosterOptions o;
  o.enabled = false;
  CommitStatusPoster p(redis_.loop(), sources_, http_, clock_, metrics_, o);
  p.post(event(JobState::kSuccess));
  EXPECT_EQ(p.pending(), 0u);
  testing::runFor(redis_.loop(), 100ms);
  EXPECT_TRUE(states().empty());
}

TEST_F(StatusPosterTest, AUserWithNoBoundAccountIsSkippedUntilOneIsBound) {
  StatusPosterOptions o;
  o.unbound_recheck = 300ms;
  CommitStatusPoster p(redis_.loop(), sources_, http_, clock_, metrics_, o);
  auto bobs = [&](JobState state, const std::string& id) {
    JobEvent e = event(state, id);
    e.record.user = "bob";
    return e;
  };
  auto skipped = [&] {
    return metrics_.counter("triggerd_commit_statuses_total",
                            {{"provider", "github"}, {"outcome", "skipped"}});
  };
  p.post(bobs(JobState::kQueued, "01JDQ3Z9X6V5W4T3S2R1Q0P9B1"));  // looked up: none bound
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return p.pending() == 0; }));
  EXPECT_EQ(skipped(), 1u);
  // Known unbound now: skipped at once, without a lookup or a place in the queue.
  p.post(bobs(JobState::kQueued, "01JDQ3Z9X6V5W4T3S2R1Q0P9B2"));
  EXPECT_EQ(p.pending(), 0u);
  EXPECT_EQ(skipped(), 2u);
  EXPECT_EQ(metrics_.counter("triggerd_commit_statuses_total",
                             {{"provider", "github"}, {"outcome", "failed"}}),
            0u);
  EXPECT_TRUE(states().empty());

  // Bob binds an account: once the recheck delay passed, his jobs get statuses again.
  Source s;
  s.user = "bob";
  s.provider = Provider::kGithub;
  s.api_url = github_.apiBaseUrl();
  s.login = "octocat";
  s.token = kToken;
  ASSERT_TRUE(redis_.await<Status>([&](auto cb) { sources_.create(s, cb); }).ok());
  testing::runFor(redis_.loop(), 400ms);
  p.post(bobs(JobState::kQueued, "01JDQ3Z9X6V5W4T3S2R1Q0P9B3"));
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return p.pending() == 0; }));
  EXPECT_EQ(states(), std::vector<std::string>{"pending"});
  EXPECT_EQ(skipped(), 2u);
}

}  // namespace
}  // namespace triggerd
