// GitLabApi's hook calls against FakeGitLab over real loopback sockets: every page of the list,
// the signing token read back, the token sent again on every update, GitLab's refusals named,
// the test push that re-enables a disabled hook, and the hook events API.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>

#include "common/encoding.h"
#include "providers/gitlab_api.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/support/tls_server.h"
#include "tests/unit/providers/loop_runner.h"
#include "webhook/signature.h"

namespace triggerd {
namespace {

using testing::FakeGitLab;
using testing::FakeGitLabHook;
using testing::FakeGitLabProject;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::LoopRunner;

constexpr const char* kToken = "glpat-hooks-00000000000001";
constexpr const char* kDeveloper = "glpat-dev-0000000000000002";
constexpr const char* kReadApi = "glpat-read-000000000000003";
constexpr const char* kSigning = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::unique_ptr<FakeGitLab> makeFake(FakeGitLab::Options o = {}) {
  auto fake = std::make_unique<FakeGitLab>(o);
  fake->addUser(42, "alice", "Alice");
  fake->addUser(43, "dev", "Dev");
  fake->addToken(kToken, "alice", {"api"});
  fake->addToken(kDeveloper, "dev", {"api"});
  fake->addToken(kReadApi, "alice", {"read_api"});
  FakeGitLabProject p;
  p.id = 15;
  p.path_with_namespace = "mike/diaspora";
  p.members = {{"alice", 40}, {"dev", 30}};
  fake->addProject(p);
  return fake;
}

class GitLabHooksTest : public ::testing::Test {
 protected:
  GitLabHooksTest() : fake_(makeFake()) {
    receiver_.setHandler(
        [this](const FakeRequest&) { return FakeResponse::json(status_.load(), "{}"); });
  }

  GitLabApi api(const FakeGitLab& fake) {
    GitLabApi::Options o;
    o.server_root = fake.serverRoot();
    o.user_agent = "triggerd-test/1";
    return GitLabApi(runner_.http(), o);
  }

  HookSpec spec(std::string signing = "") {
    return HookSpec{receiver_.url("/webhooks/gitlab/01J"), "s3cret-token", std::move(signing)};
  }

  Result<RemoteHook> create(FakeGitLab& fake, const HookSpec& s,
                            const std::string& token = kToken) {
    GitLabApi a = api(fake);
    return runner_.run<RemoteHook>(
        [&](auto cb) { return a.createHook(token, "mike/diaspora", s, cb); });
  }

  std::unique_ptr<FakeGitLab> fake_;
  std::atomic<int> status_{200};
  FakeHttpServer receiver_;
  LoopRunner runner_;
};

TEST_F(GitLabHooksTest, CreateSubscribesToPushAndTagPushAndKeepsTheSigningToken) {
  auto hook = create(*fake_, spec(kSigning));
  ASSERT_TRUE(hook.ok()) << hook.error().message;
  EXPECT_EQ(hook->project_id, "15");
  EXPECT_TRUE(hook->events_ok);
  EXPECT_TRUE(hook->tls_verified);
  EXPECT_TRUE(hook->secret_set);
  ASSERT_TRUE(hook->signing_token_set.has_value());
  EXPECT_TRUE(*hook->signing_token_set);
  auto stored = fake_->hooks(15).at(0);
  EXPECT_EQ(stored.token, "s3cret-token");
  EXPECT_TRUE(stored.push_events);
  EXPECT_TRUE(stored.tag_push_events);
  EXPECT_EQ(stored.signing_token, kSigning);
  // Deliveries carry the token and a Standard Webhooks signature with the key.
  fake_->push(15, "{\"object_kind\":\"push\"}");
  auto got = receiver_.requests().at(0);
  EXPECT_EQ(got.header("X-Gitlab-Token"), "s3cret-token");
  auto key = base64Decode(std::string_view(kSigning).substr(6));
  ASSERT_TRUE(key);
  EXPECT_EQ(verifyStandardWebhook(*key, got.header("webhook-id"), got.header("webhook-timestamp"),
                                  got.header("webhook-signature"), got.body, std::time(nullptr)),
            StandardWebhookCheck::kValid);
}

TEST_F(GitLabHooksTest, AServerWithoutSigningTokensSaysNothingAboutThem) {
  FakeGitLab::Options o;
  o.signing_tokens = false;
  auto old = makeFake(o);
  auto hook = create(*old, spec(kSigning));
  ASSERT_TRUE(hook.ok()) << hook.error().message;
  EXPECT_FALSE(hook->signing_token_set.has_value());
  EXPECT_TRUE(old->hooks(15).at(0).signing_token.empty());
}

TEST_F(GitLabHooksTest, ListFollowsEveryPageAndUpdateResendsTheToken) {
  FakeGitLab::Options o;
  o.hook_limit = 1000;
  fake_ = makeFake(o);
  for (int i = 0; i < 130; ++i) {
    FakeGitLabHook other;
    other.project_id = 15;
    other.url = "https://ci.example.com/" + std::to_string(i);
    fake_->addHook(other);
  }
  auto mine = create(*fake_, spec());
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  GitLabApi a = api(*fake_);
  auto hooks =
      runner_.run<std::vector<RemoteHook>>([&](auto cb) { return a.listHooks(kToken, "15", cb); });
  ASSERT_TRUE(hooks.ok()) << hooks.error().message;
  EXPECT_EQ(hooks->size(), 131u);
  EXPECT_EQ(hooks->back().id, mine->id);
  // GitLab clears the token when the URL changes: the update sends it again.
  HookSpec moved{receiver_.url("/webhooks/gitlab/02J"), "s3cret-token", ""};
  auto updated = runner_.run<RemoteHook>(
      [&](auto cb) { return a.updateHook(kToken, "mike/diaspora", mine->id, moved, cb); });
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_TRUE(updated->secret_set);
  EXPECT_EQ(fake_->hooks(15).back().token, "s3cret-token");
}

TEST_F(GitLabHooksTest, RefusalsNameTheirCause) {
  auto developer = create(*fake_, spec(), kDeveloper);
  ASSERT_FALSE(developer.ok());
  EXPECT_TRUE(developer.error().is(Error::Kind::kForbidden));
  EXPECT_TRUE(contains(developer.error().message, "Maintainer")) << developer.error().message;
  auto read_only = create(*fake_, spec(), kReadApi);
  ASSERT_FALSE(read_only.ok());
  EXPECT_TRUE(read_only.error().is(Error::Kind::kCredentialsRejected));
  EXPECT_TRUE(contains(read_only.error().message, "api scope")) << read_only.error().message;
  GitLabApi a = api(*fake_);
  auto gone = runner_.run<RemoteHook>(
      [&](auto cb) { return a.createHook(kToken, "mike/gone", spec(), cb); });
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.error().is(Error::Kind::kNotFound));
  EXPECT_EQ(gone.error().field, "repository");

  FakeGitLab::Options o;
  o.allow_local_requests = false;
  o.hook_limit = 1;
  auto strict = makeFake(o);
  auto local = create(*strict, spec());
  ASSERT_FALSE(local.ok());
  EXPECT_EQ(local.error().field, "server.public_base_url");
  EXPECT_TRUE(contains(local.error().message, "Invalid url given")) << local.error().message;
  FakeGitLabHook other;
  other.project_id = 15;
  other.url = "https://ci.example.com/x";
  strict->addHook(other);
  auto full =
      create(*strict, HookSpec{"https://triggerd.example.com/webhooks/gitlab/01J", "x", ""});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().field, "repository");
  EXPECT_TRUE(contains(full.error().message, "as many webhooks as GitLab allows"))
      << full.error().message;
}

TEST_F(GitLabHooksTest, FourFailuresDisableAHookAndASuccessfulTestEnablesIt) {
  auto hook = create(*fake_, spec());
  ASSERT_TRUE(hook.ok());
  status_ = 500;
  for (int i = 0; i < 4; ++i) fake_->push(15, "{\"object_kind\":\"push\"}");
  GitLabApi a = api(*fake_);
  auto listed = runner_.run<std::vector<RemoteHook>>(
      [&](auto cb) { return a.listHooks(kToken, "mike/diaspora", cb); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE(listed->at(0).active);
  EXPECT_TRUE(contains(listed->at(0).disabled_reason, "temporarily_disabled"))
      << listed->at(0).disabled_reason;
  // A disabled hook gets nothing.
  EXPECT_TRUE(fake_->push(15, "{\"object_kind\":\"push\"}").empty());
  // A failing test leaves it disabled; a passing one enables it.
  auto failing =
      runner_.run<Ok>([&](auto cb) { return a.testHook(kToken, "mike/diaspora", hook->id, cb); });
  EXPECT_FALSE(failing.ok());
  status_ = 200;
  auto passing =
      runner_.run<Ok>([&](auto cb) { return a.testHook(kToken, "mike/diaspora", hook->id, cb); });
  ASSERT_TRUE(passing.ok()) << passing.error().message;
  EXPECT_EQ(fake_->hooks(15).at(0).alertStatus(std::time(nullptr)), "executable");
}

TEST_F(GitLabHooksTest, EventsAreListedAndResentUnderTheirIdempotencyKey) {
  auto hook = create(*fake_, spec());
  ASSERT_TRUE(hook.ok());
  status_ = 503;
  fake_->push(15, "{\"object_kind\":\"push\"}");
  GitLabApi a = api(*fake_);
  auto log = runner_.run<DeliveryLog>(
      [&](auto cb) { return a.listHookEvents(kToken, "mike/diaspora", hook->id, 0, cb); });
  ASSERT_TRUE(log.ok()) << log.error().message;
  ASSERT_TRUE(log->available);
  ASSERT_EQ(log->deliveries.size(), 1u);
  const HookDelivery failed = log->deliveries[0];
  EXPECT_FALSE(failed.succeeded);
  EXPECT_EQ(failed.status_code, 503);
  status_ = 200;
  auto resent = runner_.run<Ok>(
      [&](auto cb) { return a.resendHookEvent(kToken, "mike/diaspora", hook->id, failed.id, cb); });
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  ASSERT_TRUE(fake_->waitForDeliveries());
  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Idempotency-Key"), failed.guid);
  EXPECT_EQ(requests[1].header("Idempotency-Key"), requests[0].header("Idempotency-Key"));
}

TEST_F(GitLabHooksTest, AGitlabWithoutTheEventsApiSaysTheLogIsNotAvailable) {
  FakeGitLab::Options o;
  o.hook_events_api = false;
  auto old = makeFake(o);
  auto hook = create(*old, spec());
  ASSERT_TRUE(hook.ok());
  GitLabApi a = api(*old);
  auto log = runner_.run<DeliveryLog>(
      [&](auto cb) { return a.listHookEvents(kToken, "mike/diaspora", hook->id, 0, cb); });
  ASSERT_TRUE(log.ok()) << log.error().message;
  EXPECT_FALSE(log->available);
  EXPECT_TRUE(contains(log->note, "17.3")) << log->note;
}

}  // namespace
}  // namespace triggerd
