// GitLab hooks through the real daemon and a fake GitLab that delivers for real: install with a
// signing token, concurrent installs (GitLab itself would take duplicates), a hook GitLab
// disabled after failures, missed deliveries resent, hand-made hooks and their signing token,
// a GitLab without signing tokens or the events API, and the refusals.
#include <gtest/gtest.h>

#include <ctime>
#include <thread>

#include "tests/integration/hooks_support.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

class GitlabHooksTest : public ::testing::Test {
 protected:
  explicit GitlabHooksTest(FakeGitLab::Options gitlab_options = {})
      : gitlab_(gitlab_options), tri_(options()) {
    bindGitlab(tri_, gitlab_);
  }

  TriggerdOptions options() {
    prepareGitlab(gitlab_);
    return hookOptions();
  }

  std::string install() {
    auto r = createTrigger(tri_, "gitlab", kGitlabRepo, kGitlabRules);
    EXPECT_EQ(r.status, 201) << r.body << tri_.log();
    return createdId(r);
  }

  std::vector<FakeGitLabHook> ours(const std::string& id) {
    std::vector<FakeGitLabHook> out;
    for (auto& h : gitlab_.hooks(kGitlabProject))
      if (h.url == webhookUrl(tri_, "gitlab", id)) out.push_back(h);
    return out;
  }

  HttpCallResult repair(const std::string& id) {
    return tri_.admin("POST", "/api/v1/users/alice/triggers/" + id + "/hook/repair", "{}");
  }

  FakeGitLab gitlab_;
  TriggerdInstance tri_;
};

TEST_F(GitlabHooksTest, InstalledHooksAreSignedAndRefuseUnsignedDeliveries) {
  auto r = createTrigger(tri_, "gitlab", kGitlabRepo, kGitlabRules);
  ASSERT_EQ(r.status, 201) << r.body << tri_.log();
  std::string id = createdId(r);
  auto d = parseJson(r.body);
  EXPECT_TRUE(d["trigger"]["hook"]["signed"].GetBool()) << r.body;
  EXPECT_EQ(std::string(d["trigger"]["repository"]["id"].GetString()), "15");
  auto hooks = ours(id);
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_TRUE(hooks[0].push_events);
  EXPECT_TRUE(hooks[0].tag_push_events);
  EXPECT_TRUE(hooks[0].enable_ssl_verification);
  EXPECT_EQ(hooks[0].signing_token.rfind("whsec_", 0), 0u);
  // GitLab's own delivery (token and signature) builds and verifies the hook.
  auto sent = gitlab_.push(kGitlabProject, fixture("gitlab/push.json"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status, 202) << tri_.log();
  EXPECT_TRUE(getTrigger(tri_, id)["hook"]["verified"].GetBool());
  // The right token without the signature is a downgrade: refused.
  auto unsigned_delivery = tri_.post("/webhooks/gitlab/" + id, fixture("gitlab/push.json"),
                                     {{"Content-Type", "application/json"},
                                      {"X-Gitlab-Event", "Push Hook"},
                                      {"X-Gitlab-Token", hooks[0].token},
                                      {"Idempotency-Key", "unsigned-0001"}});
  EXPECT_EQ(unsigned_delivery.status, 401) << unsigned_delivery.body;
  EXPECT_EQ(tri_.streamLength(), 1);
}

TEST_F(GitlabHooksTest, ConcurrentRepairsOfADeletedHookMakeOneHook) {
  std::string id = install();
  gitlab_.removeHook(ours(id).at(0).id);
  std::vector<std::thread> threads;
  std::vector<long> statuses(4);
  for (int i = 0; i < 4; ++i) threads.emplace_back([&, i] { statuses[i] = repair(id).status; });
  for (auto& t : threads) t.join();
  for (long s : statuses) EXPECT_EQ(s, 200) << tri_.log();
  // GitLab would have taken as many hooks as were posted: the lease made it one.
  EXPECT_EQ(ours(id).size(), 1u);
}

TEST_F(GitlabHooksTest, TwoTriggerdProcessesOnOneRedisMakeOneHook) {
  std::string id = install();
  TriggerdOptions o = hookOptions();
  o.shared_redis = &tri_.redis();
  o.public_base_url = tri_.publicUrl("");  // replicas behind one public URL
  TriggerdInstance second(o);
  gitlab_.removeHook(ours(id).at(0).id);
  std::vector<std::thread> threads;
  for (TriggerdInstance* instance : {&tri_, &second, &tri_, &second}) {
    threads.emplace_back([instance, id] {
      auto r = instance->admin("POST", "/api/v1/users/alice/triggers/" + id + "/hook/repair", "{}");
      EXPECT_EQ(r.status, 200) << r.body << instance->log();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ours(id).size(), 1u);
}

TEST_F(GitlabHooksTest, AHookGitlabDisabledIsReenabledAndWhatItMissedIsBuiltOnce) {
  std::string id = install();
  tri_.stop();
  // Four failed deliveries while triggerd is down: GitLab disables the hook.
  for (int i = 0; i < 4; ++i) {
    auto sent = gitlab_.push(kGitlabProject, fixture("gitlab/push.json"));
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].status, 0);
  }
  EXPECT_EQ(ours(id).at(0).alertStatus(std::time(nullptr)), "temporarily_disabled");
  EXPECT_TRUE(gitlab_.push(kGitlabProject, fixture("gitlab/push.json")).empty());
  tri_.start();

  auto check = tri_.admin("POST", "/api/v1/users/alice/triggers/" + id + "/hook/check");
  ASSERT_EQ(check.status, 200) << check.body;
  EXPECT_NE(check.body.find("temporarily_disabled"), std::string::npos) << check.body;
  EXPECT_FALSE(getTrigger(tri_, id)["hook"]["active"].GetBool());

  auto r = repair(id);
  ASSERT_EQ(r.status, 200) << r.body << tri_.log();
  auto d = parseJson(r.body);
  EXPECT_EQ(std::string(d["hook"]["outcome"].GetString()), "repaired") << r.body;
  // It says that the hook had been disabled, in GitLab's words.
  ASSERT_TRUE(d["hook"]["was_disabled"].IsString()) << r.body;
  EXPECT_NE(std::string(d["hook"]["was_disabled"].GetString()).find("temporarily_disabled"),
            std::string::npos);
  EXPECT_EQ(ours(id).at(0).alertStatus(std::time(nullptr)), "executable");
  EXPECT_TRUE(getTrigger(tri_, id)["hook"]["active"].GetBool());
  ASSERT_TRUE(gitlab_.waitForDeliveries());
  // The push GitLab could not deliver is built once, whichever of the test push and the resent
  // events brought it first.
  EXPECT_TRUE(waitUntil([&] { return tri_.streamLength() == 1; })) << tri_.log();
  EXPECT_EQ(tri_.streamLength(), 1);
}

TEST_F(GitlabHooksTest, HandMadeHooksGetASigningTokenThatIsRequiredOnceUsed) {
  auto r = createTrigger(tri_, "gitlab", kGitlabRepo, kGitlabRules, "alice",
                         R"(, "install_hook": false)");
  ASSERT_EQ(r.status, 201) << r.body;
  auto d = parseJson(r.body);
  std::string id = d["trigger"]["id"].GetString();
  std::string secret = d["webhook"]["secret"].GetString();
  std::string signing = d["webhook"]["signing_token"].GetString();
  ASSERT_EQ(signing.rfind("whsec_", 0), 0u);
  EXPECT_TRUE(ours(id).empty());  // nothing installed
  // The user pasted both into GitLab.
  FakeGitLabHook pasted;
  pasted.project_id = kGitlabProject;
  pasted.url = webhookUrl(tri_, "gitlab", id);
  pasted.token = secret;
  pasted.signing_token = signing;
  gitlab_.addHook(pasted);
  auto sent = gitlab_.push(kGitlabProject, fixture("gitlab/push.json"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status, 202) << tri_.log();
  ASSERT_TRUE(waitUntil([&] { return getTrigger(tri_, id)["hook"]["signed"].GetBool(); }));
  auto unsigned_delivery = tri_.post("/webhooks/gitlab/" + id, fixture("gitlab/tag-push.json"),
                                     {{"Content-Type", "application/json"},
                                      {"X-Gitlab-Event", "Tag Push Hook"},
                                      {"X-Gitlab-Token", secret}});
  EXPECT_EQ(unsigned_delivery.status, 401) << unsigned_delivery.body;
}

TEST_F(GitlabHooksTest, RefusalsAreNamedAndLeaveNoTrigger) {
  FakeGitLabProject developer_only;
  developer_only.id = 77;
  developer_only.path_with_namespace = "team/dev-only";
  developer_only.members["jsmith"] = 30;
  gitlab_.addProject(developer_only);
  auto no_role = createTrigger(tri_, "gitlab", "team/dev-only", kGitlabRules);
  EXPECT_EQ(no_role.status, 403) << no_role.body;
  EXPECT_EQ(fieldOf(no_role), "repository");
  EXPECT_NE(no_role.body.find("Maintainer"), std::string::npos);
  auto gone = createTrigger(tri_, "gitlab", "team/gone", kGitlabRules);
  EXPECT_EQ(gone.status, 404) << gone.body;
  EXPECT_EQ(fieldOf(gone), "repository");
  auto list = tri_.admin("GET", "/api/v1/users/alice/triggers");
  EXPECT_EQ(parseJson(list.body)["triggers"].Size(), 0u) << list.body;
}

FakeGitLab::Options strictOptions() {
  FakeGitLab::Options o;
  o.allow_local_requests = false;
  return o;
}

class StrictGitlabHooksTest : public GitlabHooksTest {
 protected:
  StrictGitlabHooksTest() : GitlabHooksTest(strictOptions()) {}
};

TEST_F(StrictGitlabHooksTest, AGitlabThatRefusesLocalUrlsNamesThePublicBaseUrl) {
  auto r = createTrigger(tri_, "gitlab", kGitlabRepo, kGitlabRules);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fieldOf(r), "server.public_base_url");
  EXPECT_NE(r.body.find("Invalid url given"), std::string::npos) << r.body;
}

FakeGitLab::Options oldOptions() {
  FakeGitLab::Options o;
  o.signing_tokens = false;   // before the webhook_signing_token feature
  o.hook_events_api = false;  // before GitLab 17.3
  return o;
}

class OldGitlabHooksTest : public GitlabHooksTest {
 protected:
  OldGitlabHooksTest() : GitlabHooksTest(oldOptions()) {}
};

TEST_F(OldGitlabHooksTest, WithoutSigningTokensTheTokenVerifiesAndMissedPushesAreReported) {
  std::string id = install();
  EXPECT_FALSE(getTrigger(tri_, id)["hook"]["signed"].GetBool());
  auto sent = gitlab_.push(kGitlabProject, fixture("gitlab/push.json"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status, 202) << tri_.log();

  // A project whose main branch moved while no delivery came: without an events log, triggerd
  // compares the heads with what it built.
  FakeGitLabProject other;
  other.id = 16;
  other.path_with_namespace = "team/other";
  other.members["jsmith"] = 40;
  FakeGitLabRef head;
  head.name = "main";
  head.sha = std::string(40, 'a');
  head.committed_at = std::time(nullptr) + 5;
  other.branches.push_back(head);
  FakeGitLabRef old_branch{"legacy", std::string(40, 'b'), false, 0};  // before the trigger
  other.branches.push_back(old_branch);
  gitlab_.addProject(other);
  auto r = createTrigger(tri_, "gitlab", "team/other",
                         R"([{"kind": "branch", "match": ".*", "tags": ["{branch}"]}])");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string other_id = createdId(r);
  auto check = tri_.admin("POST", "/api/v1/users/alice/triggers/" + other_id + "/hook/check");
  ASSERT_EQ(check.status, 200) << check.body;
  auto d = parseJson(check.body);
  ASSERT_EQ(d["hook"]["missed_pushes"].Size(), 1u) << check.body;
  EXPECT_EQ(std::string(d["hook"]["missed_pushes"][0].GetString()),
            "refs/heads/main " + std::string(40, 'a'));
  EXPECT_EQ(getTrigger(tri_, other_id)["hook"]["missed_pushes"].Size(), 1u);
}

}  // namespace
}  // namespace triggerd::testing
