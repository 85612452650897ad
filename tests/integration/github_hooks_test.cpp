// GitHub hooks through the real daemon and a fake GitHub that delivers for real: install,
// duplicates across pages, concurrent repairs, two triggerd processes, a hook deleted behind
// triggerd's back, rotation, redelivery after downtime, rate limits, removal, and every refusal.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/hooks_support.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

class GithubHooksTest : public ::testing::Test {
 protected:
  explicit GithubHooksTest(const std::string& hooks_toml = "") : tri_(options(hooks_toml)) {
    bindGithub(tri_);
  }

  TriggerdOptions options(const std::string& hooks_toml) {
    prepareGithub(github_);
    return hookOptions(github_.apiBaseUrl(), hooks_toml);
  }

  std::string install() {
    auto r = createTrigger(tri_, "github", kGithubRepo, kGithubRules);
    EXPECT_EQ(r.status, 201) << r.body << tri_.log();
    return createdId(r);
  }

  std::vector<FakeGitHubHook> ours(const std::string& id) {
    std::vector<FakeGitHubHook> out;
    for (auto& h : github_.hooks(kGithubRepo))
      if (h.url == webhookUrl(tri_, "github", id)) out.push_back(h);
    return out;
  }

  HttpCallResult repair(const std::string& id, const std::string& body = "{}") {
    return tri_.admin("POST", "/api/v1/users/alice/triggers/" + id + "/hook/repair", body);
  }

  FakeGitHub github_;
  TriggerdInstance tri_;
  int variant_ = 0;
};

TEST_F(GithubHooksTest, CreatingATriggerInstallsItsHookAndGithubsPingVerifiesIt) {
  auto r = createTrigger(tri_, "github", kGithubRepo, kGithubRules);
  ASSERT_EQ(r.status, 201) << r.body << tri_.log();
  auto d = parseJson(r.body);
  std::string id = d["trigger"]["id"].GetString();
  EXPECT_TRUE(d["trigger"]["hook"]["installed"].GetBool());
  EXPECT_TRUE(d["hook"]["created"].GetBool());
  // Installed through the account: no secret to paste, none shown.
  EXPECT_FALSE(d["webhook"].HasMember("secret"));
  auto hooks = ours(id);
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(std::string(d["trigger"]["hook"]["id"].GetString()), std::to_string(hooks[0].id));
  EXPECT_EQ(hooks[0].content_type, "json");
  EXPECT_EQ(hooks[0].insecure_ssl, "0");
  EXPECT_EQ(hooks[0].events, std::vector<std::string>{"push"});
  EXPECT_EQ(hooks[0].secret.size(), 64u);
  EXPECT_EQ(r.body.find(hooks[0].secret), std::string::npos);
  EXPECT_EQ(tri_.log().find(hooks[0].secret), std::string::npos);

  // GitHub's ping reaches triggerd and marks the hook verified.
  ASSERT_TRUE(github_.waitForDeliveries());
  EXPECT_TRUE(waitUntil([&] { return getTrigger(tri_, id)["hook"]["verified"].GetBool(); }))
      << tri_.log();
  // A push builds.
  auto sent = github_.push(kGithubRepo, githubPush("github/push.json", 1));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status_code, 202) << tri_.log();
  EXPECT_EQ(tri_.streamLength(), 1);
}

TEST_F(GithubHooksTest, OurHookOnALaterPageIsUpdatedNeverDuplicated) {
  std::string id = install();
  auto mine = ours(id).at(0);
  // 150 other hooks come first; ours, stripped of its secret and made to post forms, last.
  github_.removeHook(mine.id);
  for (int i = 0; i < 150; ++i) {
    FakeGitHubHook other;
    other.repo = kGithubRepo;
    other.url = "https://ci.example.com/" + std::to_string(i);
    other.events = {"issues"};
    github_.addHook(other);
  }
  mine.secret.clear();
  mine.content_type = "form";
  github_.addHook(mine);
  auto check = tri_.admin("POST", "/api/v1/users/alice/triggers/" + id + "/hook/check");
  ASSERT_EQ(check.status, 200) << check.body;
  auto c = parseJson(check.body);
  EXPECT_EQ(std::string(c["hook"]["outcome"].GetString()), "problems") << check.body;
  EXPECT_NE(check.body.find("no secret"), std::string::npos) << check.body;

  auto r = repair(id);
  ASSERT_EQ(r.status, 200) << r.body << tri_.log();
  EXPECT_EQ(std::string(parseJson(r.body)["hook"]["outcome"].GetString()), "repaired") << r.body;
  auto hooks = ours(id);
  ASSERT_EQ(hooks.size(), 1u) << "no second hook";
  EXPECT_EQ(github_.hooks(kGithubRepo).size(), 151u);
  EXPECT_EQ(hooks[0].content_type, "json");
  // The secret is back: a push signed by GitHub with it builds.
  auto sent = github_.push(kGithubRepo, githubPush("github/push.json", 2));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status_code, 202) << tri_.log();
}

TEST_F(GithubHooksTest, ConcurrentRepairsOfADeletedHookMakeOneHook) {
  std::string id = install();
  github_.removeHook(ours(id).at(0).id);
  std::vector<std::thread> threads;
  std::vector<long> statuses(4);
  for (int i = 0; i < 4; ++i) threads.emplace_back([&, i] { statuses[i] = repair(id).status; });
  for (auto& t : threads) t.join();
  for (long s : statuses) EXPECT_EQ(s, 200) << tri_.log();
  EXPECT_EQ(ours(id).size(), 1u);
}

TEST_F(GithubHooksTest, RotationSetsTheNewSecretOnGithubAndBothVerifyMeanwhile) {
  std::string id = install();
  std::string old_secret = ours(id).at(0).secret;
  auto r = repair(id, R"({"rotate_secret": true})");
  ASSERT_EQ(r.status, 200) << r.body << tri_.log();
  auto d = parseJson(r.body);
  EXPECT_TRUE(d["webhook"].HasMember("previous_secret_valid_until"));
  EXPECT_FALSE(d["webhook"].HasMember("secret"));
  std::string new_secret = ours(id).at(0).secret;
  EXPECT_NE(new_secret, old_secret);
  EXPECT_EQ(new_secret.size(), 64u);
  // GitHub now signs with the new secret...
  auto sent = github_.push(kGithubRepo, githubPush("github/push.json", 3));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status_code, 202) << tri_.log();
  // ...and a delivery signed with the old one, still in flight, is not refused.
  std::string body = githubPush("github/push.json", 4);
  auto late = tri_.post("/webhooks/github/" + id, body,
                        {{"Content-Type", "application/json"},
                         {"X-GitHub-Event", "push"},
                         {"X-GitHub-Delivery", "late-delivery-1"},
                         {"X-Hub-Signature-256", githubSignature(old_secret, body)}});
  EXPECT_EQ(late.status, 202) << late.body;
  EXPECT_EQ(tri_.streamLength(), 2);
}

TEST_F(GithubHooksTest, DeliveriesThatFailedWhileTriggerdWasDownAreRedeliveredOnce) {
  std::string id = install();
  ASSERT_TRUE(github_.waitForDeliveries());
  ASSERT_TRUE(waitUntil([&] { return getTrigger(tri_, id)["hook"]["verified"].GetBool(); }));
  auto before = github_.push(kGithubRepo, githubPush("github/push.json", 5));
  ASSERT_EQ(before.at(0).status_code, 202);
  tri_.stop();
  // Two pushes while down: GitHub cannot connect, and does not retry by itself.
  EXPECT_EQ(github_.push(kGithubRepo, githubPush("github/push.json", 6)).at(0).status_code, 0);
  EXPECT_EQ(github_.push(kGithubRepo, githubPush("github/push.json", 7)).at(0).status_code, 0);
  // On start-up the reconciler redelivers them.
  tri_.restartWithExtraToml("\n[hooks]\nstartup_delay = \"0s\"\n");
  ASSERT_TRUE(waitUntil([&] { return tri_.streamLength() == 3; }, std::chrono::seconds(20)))
      << tri_.streamLength() << tri_.log();
  ASSERT_TRUE(github_.waitForDeliveries());
  // Another repair finds nothing left to redeliver, and a redelivery of a delivery that was
  // already built (same GUID) builds nothing.
  auto r = repair(id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parseJson(r.body)["hook"]["redelivered"].GetInt(), 0) << r.body;
  auto ok = before.at(0);
  auto again =
      tri_.post("/webhooks/github/" + id, ok.payload,
                {{"Content-Type", "application/json"},
                 {"X-GitHub-Event", "push"},
                 {"X-GitHub-Delivery", ok.guid},
                 {"X-Hub-Signature-256", githubSignature(ours(id).at(0).secret, ok.payload)}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(tri_.streamLength(), 3);
  int redeliveries = 0;
  for (const auto& d : github_.deliveries()) redeliveries += d.redelivery ? 1 : 0;
  EXPECT_EQ(redeliveries, 2);
}

TEST_F(GithubHooksTest, DeletingTheTriggerDeletesItsHook) {
  std::string id = install();
  auto r = tri_.admin("DELETE", "/api/v1/users/alice/triggers/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parseJson(r.body)["hook"]["removed"].GetInt(), 1) << r.body;
  EXPECT_TRUE(ours(id).empty());
}

TEST_F(GithubHooksTest, UnbindingDeletesTheHooksAndDisablesTheTriggers) {
  std::string first = install();
  std::string second = install();
  github_.removeHook(ours(second).at(0).id);  // already gone: still a success
  auto r = tri_.admin("DELETE", "/api/v1/users/alice/sources/github");
  ASSERT_EQ(r.status, 200) << r.body << tri_.log();
  auto d = parseJson(r.body);
  EXPECT_EQ(d["hooks_removed"].GetInt(), 2) << r.body;
  EXPECT_EQ(d["triggers_disabled"].GetInt(), 2);
  ASSERT_EQ(d["hooks"].Size(), 2u);
  EXPECT_TRUE(ours(first).empty());
  EXPECT_FALSE(getTrigger(tri_, first)["enabled"].GetBool());
}

TEST_F(GithubHooksTest, FailuresAreNamedAndLeaveNoTrigger) {
  // No bound account.
  auto unbound = createTrigger(tri_, "github", kGithubRepo, kGithubRules, "bob");
  EXPECT_EQ(unbound.status, 409) << unbound.body;
  EXPECT_EQ(fieldOf(unbound), "provider");
  // A repository the account does not administer, and one that does not exist.
  FakeGitHubRepo pushed;
  pushed.owner = "octo";
  pushed.name = "pushonly";
  pushed.permissions = {{"Codertocat", "push"}};
  github_.addRepo(pushed);
  auto no_admin = createTrigger(tri_, "github", "octo/pushonly", kGithubRules);
  EXPECT_EQ(no_admin.status, 403) << no_admin.body;
  EXPECT_EQ(fieldOf(no_admin), "repository");
  auto gone = createTrigger(tri_, "github", "octo/gone", kGithubRules);
  EXPECT_EQ(gone.status, 404) << gone.body;
  EXPECT_EQ(fieldOf(gone), "repository");
  // The repository is full.
  for (int i = 0; i < 20; ++i) {
    FakeGitHubHook other;
    other.repo = kGithubRepo;
    other.url = "https://ci.example.com/" + std::to_string(i);
    github_.addHook(other);
  }
  auto full = createTrigger(tri_, "github", kGithubRepo, kGithubRules);
  EXPECT_EQ(full.status, 422) << full.body;
  EXPECT_EQ(fieldOf(full), "repository");
  // None of them left a trigger behind.
  auto list = tri_.admin("GET", "/api/v1/users/alice/triggers");
  EXPECT_EQ(parseJson(list.body)["triggers"].Size(), 0u) << list.body;
}

// Budget: 4 requests per 3-second window. Three hooks deleted behind triggerd's back need 2
// requests each to be made again (list, create), so the repair must wait out a window.
TEST_F(GithubHooksTest, ARepairJobWaitsOutTheRateLimitInsteadOfFailing) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(install());
  for (const auto& id : ids) github_.removeHook(ours(id).at(0).id);
  github_.setRateBudget(4, 3);
  auto started = tri_.admin("POST", "/api/v1/admin/hooks/jobs", R"({"action": "repair"})");
  ASSERT_EQ(started.status, 202) << started.body;
  std::string job = parseJson(started.body)["job"]["id"].GetString();
  rapidjson::Document state;
  ASSERT_TRUE(waitUntil(
      [&] {
        auto r = tri_.admin("GET", "/api/v1/admin/hooks/jobs/" + job);
        state = parseJson(r.body);
        return std::string(state["job"]["state"].GetString()) == "done";
      },
      std::chrono::seconds(30)))
      << tri_.log();
  EXPECT_EQ(state["job"]["repaired"].GetInt(), 3) << tri_.log();
  EXPECT_EQ(state["job"]["failed"].GetInt(), 0);
  for (const auto& id : ids) EXPECT_EQ(ours(id).size(), 1u);
  // triggerd stopped at the spent budget instead of hammering GitHub.
  EXPECT_LE(github_.rateLimitedAnswers(), 2);
  auto metrics = httpCall("GET", tri_.adminUrl("/metrics"));
  EXPECT_EQ(metrics.body.find("triggerd_provider_rate_limit_pauses_total 0"), std::string::npos)
      << metrics.body;
}

class GithubReconcilerTest : public GithubHooksTest {
 protected:
  GithubReconcilerTest()
      : GithubHooksTest("startup_delay = \"0s\"\nreconcile_interval = \"1s\"\n") {}
};

TEST_F(GithubReconcilerTest, AHookDeletedBehindOurBackIsRecreated) {
  std::string id = install();
  std::string old_id = std::to_string(ours(id).at(0).id);
  github_.removeHook(ours(id).at(0).id);
  // The periodic pass (every second here) finds it gone and makes it again.
  ASSERT_TRUE(waitUntil([&] { return ours(id).size() == 1; }, std::chrono::seconds(15)));
  ASSERT_TRUE(waitUntil([&] {
    auto t = getTrigger(tri_, id);
    return t["hook"]["last_repair"].IsString() &&
           std::string(t["hook"]["last_repair"].GetString()).find("had been deleted") !=
               std::string::npos;
  }));
  auto t = getTrigger(tri_, id);
  EXPECT_NE(std::string(t["hook"]["id"].GetString()), old_id);
  EXPECT_TRUE(t["hook"]["active"].GetBool());
}

// The reconciler's lease: while another process holds it, this one skips its passes.
TEST_F(GithubReconcilerTest, WhileAnotherProcessHoldsTheLeaseThisOneSkipsThePass) {
  std::string id = install();
  tri_.redis().cmd({"SET", "triggerd:lease:hooks-reconcile", "other-host:1:cafe", "PX", "60000"});
  github_.removeHook(ours(id).at(0).id);
  ASSERT_TRUE(waitUntil([&] {
    auto m = httpCall("GET", tri_.adminUrl("/metrics"));
    return m.body.find("triggerd_hook_reconciles_total{outcome=\"skipped\"}") != std::string::npos;
  }));
  EXPECT_TRUE(ours(id).empty()) << "the pass ran although another process held the lease";
  tri_.redis().cmd({"DEL", "triggerd:lease:hooks-reconcile"});
  EXPECT_TRUE(waitUntil([&] { return ours(id).size() == 1; }, std::chrono::seconds(15)));
}

}  // namespace
}  // namespace triggerd::testing
