// GitHubApi's hook calls against FakeGitHub over real loopback sockets: every page of the list,
// create/update/delete as GitHub answers them, the 404 that GitHub gives alike for a repository
// that is gone and one the account does not administer told apart, and the deliveries API.
#include <gtest/gtest.h>

#include "providers/github_api.h"
#include "tests/fakes/fake_github.h"
#include "tests/support/tls_server.h"
#include "tests/unit/providers/loop_runner.h"
#include "webhook/signature.h"

namespace triggerd {
namespace {

using testing::FakeGitHub;
using testing::FakeGitHubHook;
using testing::FakeGitHubRepo;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::LoopRunner;

constexpr const char* kToken = "ghp_hooktoken000000000000000000000000001";
constexpr const char* kPushOnly = "ghp_pushtoken000000000000000000000000002";
constexpr const char* kNoHookScope = "ghp_noscope00000000000000000000000000003";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class GitHubHooksTest : public ::testing::Test {
 protected:
  GitHubHooksTest() {
    fake_.addUser(1, "octocat", "The Octocat");
    fake_.addUser(2, "pusher", "Pusher");
    fake_.addToken(kToken, "octocat", {"repo"});
    fake_.addToken(kPushOnly, "pusher", {"repo"});
    fake_.addToken(kNoHookScope, "octocat", {"read:user"});
    FakeGitHubRepo repo;
    repo.owner = "octo";
    repo.name = "app";
    repo.permissions = {{"octocat", "admin"}, {"pusher", "push"}};
    fake_.addRepo(repo);
    // Something to receive pings and pushes.
    receiver_.setHandler([](const FakeRequest&) { return FakeResponse::json(200, "{}"); });
  }

  GitHubApi api() {
    GitHubApi::Options o;
    o.api_base_url = fake_.apiBaseUrl();
    o.user_agent = "triggerd-test/1";
    return GitHubApi(runner_.http(), o);
  }

  HookSpec spec(const std::string& path = "/webhooks/github/01J") {
    return HookSpec{receiver_.url(path), "s3cret-value", ""};
  }

  Result<std::vector<RemoteHook>> list(const std::string& token = kToken,
                                       const std::string& repo = "octo/app") {
    GitHubApi a = api();
    return runner_.run<std::vector<RemoteHook>>(
        [&](auto cb) { return a.listHooks(token, repo, cb); });
  }
  Result<RemoteHook> create(const HookSpec& s, const std::string& token = kToken,
                            const std::string& repo = "octo/app") {
    GitHubApi a = api();
    return runner_.run<RemoteHook>([&](auto cb) { return a.createHook(token, repo, s, cb); });
  }

  FakeGitHub fake_;
  FakeHttpServer receiver_;
  LoopRunner runner_;
};

TEST_F(GitHubHooksTest, CreateSendsJsonContentTheSecretAndPushAndGitHubPings) {
  auto hook = create(spec());
  ASSERT_TRUE(hook.ok()) << hook.error().message;
  EXPECT_FALSE(hook->id.empty());
  EXPECT_EQ(hook->url, receiver_.url("/webhooks/github/01J"));
  EXPECT_TRUE(hook->events_ok);
  EXPECT_TRUE(hook->json_content);
  EXPECT_TRUE(hook->tls_verified);
  EXPECT_TRUE(hook->secret_set);
  EXPECT_TRUE(hook->active);
  auto stored = fake_.hooks("octo/app");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].content_type, "json");
  EXPECT_EQ(stored[0].secret, "s3cret-value");
  EXPECT_EQ(stored[0].insecure_ssl, "0");
  EXPECT_EQ(stored[0].events, std::vector<std::string>{"push"});
  // GitHub pings a new hook, signed with its secret.
  ASSERT_TRUE(fake_.waitForDeliveries());
  ASSERT_TRUE(receiver_.waitForRequests(1));
  auto ping = receiver_.requests().at(0);
  EXPECT_EQ(ping.header("X-GitHub-Event"), "ping");
  EXPECT_TRUE(verifyGithubSignature("s3cret-value", ping.body, ping.header("X-Hub-Signature-256")));
}

TEST_F(GitHubHooksTest, ListFollowsEveryPage) {
  for (int i = 0; i < 150; ++i) {
    FakeGitHubHook other;
    other.repo = "octo/app";
    other.url = "https://ci.example.com/hook/" + std::to_string(i);
    other.events = {"issues"};
    fake_.addHook(other);
  }
  auto mine = create(spec());
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  auto hooks = list();
  ASSERT_TRUE(hooks.ok()) << hooks.error().message;
  EXPECT_EQ(hooks->size(), 151u);
  EXPECT_EQ(hooks->back().id, mine->id);  // on the second page
  int pages = 0;
  for (const auto& r : fake_.requests())
    if (r.method == "GET" && contains(r.target, "/hooks")) ++pages;
  EXPECT_EQ(pages, 2);
}

TEST_F(GitHubHooksTest, UpdateSendsTheSecretAgainSoGitHubKeepsIt) {
  auto hook = create(spec());
  ASSERT_TRUE(hook.ok());
  GitHubApi a = api();
  HookSpec changed = spec("/webhooks/github/other");
  auto updated = runner_.run<RemoteHook>(
      [&](auto cb) { return a.updateHook(kToken, "octo/app", hook->id, changed, cb); });
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_TRUE(updated->secret_set);
  EXPECT_EQ(fake_.hooks("octo/app").at(0).secret, "s3cret-value");
  EXPECT_EQ(fake_.hooks("octo/app").at(0).url, changed.url);
}

TEST_F(GitHubHooksTest, DeleteOfAHookAlreadyGoneSucceeds) {
  auto hook = create(spec());
  ASSERT_TRUE(hook.ok());
  GitHubApi a = api();
  auto first =
      runner_.run<Ok>([&](auto cb) { return a.deleteHook(kToken, "octo/app", hook->id, cb); });
  EXPECT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(fake_.hooks("octo/app").empty());
  auto again =
      runner_.run<Ok>([&](auto cb) { return a.deleteHook(kToken, "octo/app", hook->id, cb); });
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST_F(GitHubHooksTest, TheSameUrlTwiceIsAConflictNotASecondHook) {
  ASSERT_TRUE(create(spec()).ok());
  auto second = create(spec());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.error().is(Error::Kind::kConflict));
  EXPECT_EQ(second.error().field, "hook");
  EXPECT_EQ(fake_.hooks("octo/app").size(), 1u);
}

TEST_F(GitHubHooksTest, NotFoundIsToldApart) {
  // No admin rights: GitHub hides the hooks behind 404; the repository says why.
  auto no_admin = list(kPushOnly);
  ASSERT_FALSE(no_admin.ok());
  EXPECT_TRUE(no_admin.error().is(Error::Kind::kForbidden));
  EXPECT_EQ(no_admin.error().field, "repository");
  EXPECT_TRUE(contains(no_admin.error().message, "no admin rights on octo/app"))
      << no_admin.error().message;
  // Gone (or invisible).
  auto gone = list(kToken, "octo/deleted");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.error().is(Error::Kind::kNotFound));
  EXPECT_EQ(gone.error().field, "repository");
  // A token without a hook scope.
  auto scope = create(spec(), kNoHookScope);
  ASSERT_FALSE(scope.ok());
  EXPECT_TRUE(scope.error().is(Error::Kind::kCredentialsRejected));
  EXPECT_EQ(scope.error().field, "token");
  EXPECT_TRUE(contains(scope.error().message, "write:repo_hook")) << scope.error().message;
}

TEST_F(GitHubHooksTest, HookLimitAndUnreachableUrlAre422NamingTheCause) {
  FakeGitHub::Options o;
  o.hook_limit = 2;
  o.allow_local_hook_urls = false;
  FakeGitHub limited(o);
  limited.addUser(1, "octocat", "The Octocat");
  limited.addToken(kToken, "octocat", {"repo"});
  FakeGitHubRepo repo;
  repo.owner = "octo";
  repo.name = "app";
  repo.permissions = {{"octocat", "admin"}};
  limited.addRepo(repo);
  GitHubApi::Options ao;
  ao.api_base_url = limited.apiBaseUrl();
  GitHubApi a(runner_.http(), ao);
  auto local = runner_.run<RemoteHook>(
      [&](auto cb) { return a.createHook(kToken, "octo/app", spec(), cb); });
  ASSERT_FALSE(local.ok());
  EXPECT_EQ(local.error().status, 422);
  EXPECT_EQ(local.error().field, "server.public_base_url");
  for (int i = 0; i < 2; ++i) {
    FakeGitHubHook other;
    other.repo = "octo/app";
    other.url = "https://ci.example.com/" + std::to_string(i);
    limited.addHook(other);
  }
  HookSpec remote{"https://triggerd.example.com/webhooks/github/01J", "x", ""};
  auto full = runner_.run<RemoteHook>(
      [&](auto cb) { return a.createHook(kToken, "octo/app", remote, cb); });
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().status, 422);
  EXPECT_EQ(full.error().field, "repository");
  EXPECT_TRUE(contains(full.error().message, "as many webhooks as GitHub allows"))
      << full.error().message;
}

TEST_F(GitHubHooksTest, DeliveriesAreListedAcrossCursorPagesAndRedelivered) {
  auto hook = create(spec());
  ASSERT_TRUE(hook.ok());
  ASSERT_TRUE(fake_.waitForDeliveries());
  // 120 pushes fail (the receiver answers 503), so the log has 121 attempts with the ping.
  receiver_.setHandler([](const FakeRequest&) { return FakeResponse::json(503, "{}"); });
  for (int i = 0; i < 120; ++i) fake_.push("octo/app", "{\"n\":" + std::to_string(i) + "}");
  GitHubApi a = api();
  auto log = runner_.run<DeliveryLog>(
      [&](auto cb) { return a.listDeliveries(kToken, "octo/app", hook->id, 0, cb); });
  ASSERT_TRUE(log.ok()) << log.error().message;
  ASSERT_TRUE(log->available);
  EXPECT_EQ(log->deliveries.size(), 121u);
  int failed = 0;
  for (const auto& d : log->deliveries) failed += d.succeeded ? 0 : 1;
  EXPECT_EQ(failed, 120);
  // Redelivery sends the same delivery again, under its GUID.
  receiver_.setHandler([](const FakeRequest&) { return FakeResponse::json(200, "{}"); });
  const HookDelivery& last = log->deliveries.front();
  size_t before = receiver_.requestCount();
  auto again = runner_.run<Ok>(
      [&](auto cb) { return a.redeliver(kToken, "octo/app", hook->id, last.id, cb); });
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_TRUE(fake_.waitForDeliveries());
  ASSERT_EQ(receiver_.requestCount(), before + 1);
  EXPECT_EQ(receiver_.requests().back().header("X-GitHub-Delivery"), last.guid);
}

}  // namespace
}  // namespace triggerd
