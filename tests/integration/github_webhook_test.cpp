// GitHub deliveries through the real daemon: every answer in the webhook table, and what the
// job stream holds afterwards.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/json.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

const char* kRules =
    R"json([{"kind": "branch", "match": "master|main", "tags": ["latest", "{branch}-{sha:7}"]},
                         {"kind": "tag", "match": "simple-(.*)", "tags": ["{1}", "tag-{tag}"]}])json";

class GithubWebhookTest : public ::testing::Test {
 protected:
  // One daemon for the suite; a start-up failure fails every test (never skips them).
  static void SetUpTestSuite() {
    try {
      instance_ = new TriggerdInstance(limits());
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete instance_;
    instance_ = nullptr;
  }
  static TriggerdOptions limits() {
    TriggerdOptions o;
    o.limits_toml = "max_body_bytes = \"64KiB\"\n";
    return o;
  }

  void SetUp() override {
    ASSERT_NE(instance_, nullptr) << "triggerd did not start: " << start_error_;
    auto [id, secret] = tri().createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
    id_ = id;
    secret_ = secret;
    tri().redis().cmd({"DEL", "triggerd:jobs"});
  }

  TriggerdInstance& tri() { return *instance_; }

  HttpCallResult deliver(const std::string& event, const std::string& body,
                         const std::string& delivery,
                         const std::string& content_type = "application/json",
                         const std::string& secret = "") {
    Headers h{{"Content-Type", content_type},
              {"X-GitHub-Event", event},
              {"X-GitHub-Delivery", delivery},
              {"User-Agent", "GitHub-Hookshot/044aadd"},
              {"X-Hub-Signature-256", githubSignature(secret.empty() ? secret_ : secret, body)}};
    return tri().post("/webhooks/github/" + id_, body, h);
  }

  std::string id_;
  std::string secret_;
  static TriggerdInstance* instance_;
  static std::string start_error_;
};

TriggerdInstance* GithubWebhookTest::instance_ = nullptr;
std::string GithubWebhookTest::start_error_;

TEST_F(GithubWebhookTest, PushEnqueuesOneJobPerMatchingRuleWithTheSchema1Fields) {
  auto r = deliver("push", githubPush("github/push.json"), "d-push-1");
  ASSERT_EQ(r.status, 202) << r.body << tri().log();
  auto body = parseJson(r.body);
  ASSERT_TRUE(body["jobs"].IsArray());
  ASSERT_EQ(jsonSize(body, "/jobs"), 1u);
  std::string job_id = jsonString(body, "/jobs/0");

  auto jobs = tri().streamJobs();
  ASSERT_EQ(jobs.size(), 1u);
  auto job = parseJson(jobs[0]);
  EXPECT_EQ(jsonInt(job, "/schema"), 1);
  EXPECT_EQ(jsonString(job, "/id"), job_id);
  EXPECT_EQ(jsonString(job, "/trigger_id"), id_);
  EXPECT_EQ(jsonString(job, "/user"), "alice");
  EXPECT_EQ(jsonString(job, "/provider"), "github");
  EXPECT_EQ(jsonString(job, "/repository/full_name"), "Codertocat/Hello-World");
  EXPECT_EQ(jsonString(job, "/repository/id"), "186853002");
  EXPECT_EQ(jsonString(job, "/ref"), "refs/heads/master");
  EXPECT_EQ(jsonString(job, "/ref_type"), "branch");
  EXPECT_EQ(jsonString(job, "/ref_name"), "master");
  EXPECT_EQ(jsonString(job, "/commit/sha"), "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
  EXPECT_EQ(jsonString(job, "/image"), "registry.example.com/team/app");
  ASSERT_EQ(jsonSize(job, "/tags"), 2u);
  EXPECT_EQ(jsonString(job, "/tags/0"), "latest");
  EXPECT_EQ(jsonString(job, "/tags/1"), "master-6113728");
  EXPECT_EQ(jsonString(job, "/dockerfile"), "Dockerfile");
  EXPECT_EQ(jsonString(job, "/delivery_id"), "d-push-1");
  EXPECT_EQ(jsonInt(job, "/attempt"), 1);
}

TEST_F(GithubWebhookTest, RedeliveryAnswersTheOriginalJobsAndEnqueuesNothing) {
  auto first = deliver("push", githubPush("github/push.json"), "d-redeliver");
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = deliver("push", githubPush("github/push.json"), "d-redeliver");
  ASSERT_EQ(again.status, 200) << again.body;
  auto a = parseJson(first.body), b = parseJson(again.body);
  EXPECT_EQ(jsonString(a, "/jobs/0"), jsonString(b, "/jobs/0"));
  EXPECT_TRUE(jsonBool(b, "/duplicate"));
  EXPECT_EQ(tri().streamLength(), 1);
}

TEST_F(GithubWebhookTest, TagPushRendersCaptureGroups) {
  auto r = deliver("push", githubPush("github/push-tag.json"), "d-tag");
  ASSERT_EQ(r.status, 202) << r.body;
  auto jobs = tri().streamJobs();
  ASSERT_EQ(jobs.size(), 1u);
  auto job = parseJson(jobs[0]);
  EXPECT_EQ(jsonString(job, "/ref_type"), "tag");
  EXPECT_EQ(jsonString(job, "/tags/0"), "tag");
  EXPECT_EQ(jsonString(job, "/tags/1"), "tag-simple-tag");
}

TEST_F(GithubWebhookTest, FormEncodedPushIsAccepted) {
  auto r = deliver("push", githubPush("github/push-form-urlencoded.txt"), "d-form",
                   "application/x-www-form-urlencoded");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(tri().streamLength(), 1);
}

TEST_F(GithubWebhookTest, PingIsAnsweredAndMarksTheHookVerified) {
  auto r = deliver("ping", fixture("github/ping.json"), "d-ping");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(jsonHas(parseJson(r.body), "/ignored"));
  EXPECT_EQ(tri().streamLength(), 0);
  bool verified = waitUntil([&] {
    auto t = tri().admin("GET", "/api/v1/users/alice/triggers/" + id_);
    auto d = parseJson(t.body);
    return jsonHas(d, "/trigger") && jsonBool(d, "/trigger/hook/verified");
  });
  EXPECT_TRUE(verified);
}

TEST_F(GithubWebhookTest, BadSignatureIs401AndEnqueuesNothing) {
  auto r = deliver("push", githubPush("github/push.json"), "d-badsig", "application/json",
                   "not-the-secret");
  EXPECT_EQ(r.status, 401);
  auto body = parseJson(r.body);
  EXPECT_EQ(jsonString(body, "/field"), "signature");
  EXPECT_NE(jsonString(body, "/error").find("secret"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, MissingSignatureIs401) {
  Headers h{{"Content-Type", "application/json"},
            {"X-GitHub-Event", "push"},
            {"X-GitHub-Delivery", "d-nosig"}};
  auto r = tri().post("/webhooks/github/" + id_, githubPush("github/push.json"), h);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("X-Hub-Signature-256"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, UnknownTriggerIs404) {
  std::string body = githubPush("github/push.json");
  Headers h{{"Content-Type", "application/json"},
            {"X-GitHub-Event", "push"},
            {"X-GitHub-Delivery", "d-404"},
            {"X-Hub-Signature-256", githubSignature(secret_, body)}};
  auto r = tri().post("/webhooks/github/01ARZ3NDEKTSV4RRFFQ69G5FAV", body, h);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(jsonString(parseJson(r.body), "/field"), "trigger_id");
  auto bad_shape = tri().post("/webhooks/github/not-a-trigger", body, h);
  EXPECT_EQ(bad_shape.status, 404);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, DeliveryToTheOtherProvidersRouteIs404) {
  std::string body = githubPush("github/push.json");
  Headers h{{"Content-Type", "application/json"},
            {"X-Gitlab-Event", "Push Hook"},
            {"X-Gitlab-Token", secret_}};
  auto r = tri().post("/webhooks/gitlab/" + id_, body, h);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("/webhooks/github/"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, MalformedJsonIs400) {
  auto r = deliver("push", "{\"ref\": \"refs/heads/master\", ", "d-malformed");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(jsonHas(parseJson(r.body), "/error"));
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, MissingRequiredFieldNamesIt) {
  auto r = deliver(
      "push",
      R"({"ref": "refs/heads/master", "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246"})",
      "d-missing");
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(jsonString(parseJson(r.body), "/field").empty());
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, UnsupportedContentTypeIs415) {
  auto r = deliver("push", githubPush("github/push.json"), "d-415", "text/plain");
  EXPECT_EQ(r.status, 415);
  EXPECT_NE(r.body.find("application/json"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, OversizeBodyIs413AndNothingIsEnqueued) {
  std::string big = githubPush("github/push.json");
  big.insert(big.size() - 2, ",\"padding\": \"" + std::string(100 * 1024, 'x') + "\"");
  auto r = deliver("push", big, "d-413");
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos) << r.body;
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, DeletionIsIgnored) {
  auto r = deliver("push", githubPush("github/push-delete.json"), "d-delete");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(jsonString(parseJson(r.body), "/ignored").find("deletion"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, SkipMarkerIsIgnored) {
  std::string body = githubPush("github/push.json");
  auto pos = body.find("\"Initial commit\"");
  ASSERT_NE(pos, std::string::npos);
  std::string skipped = body;
  while ((pos = skipped.find("\"Initial commit\"")) != std::string::npos)
    skipped.replace(pos, 16, "\"Initial commit [skip ci]\"");
  auto r = deliver("push", skipped, "d-skip");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(jsonString(parseJson(r.body), "/ignored").find("skip"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, OtherEventsAreIgnoredWithAReason) {
  auto r = deliver("issues", "{\"action\": \"opened\"}", "d-issues");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(jsonString(parseJson(r.body), "/ignored").find("issues"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, MissingEventOrDeliveryHeaderIs400) {
  std::string body = githubPush("github/push.json");
  Headers no_event{{"Content-Type", "application/json"},
                   {"X-GitHub-Delivery", "d-noevent"},
                   {"X-Hub-Signature-256", githubSignature(secret_, body)}};
  auto r = tri().post("/webhooks/github/" + id_, body, no_event);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(jsonString(parseJson(r.body), "/field"), "X-GitHub-Event");
  Headers no_delivery{{"Content-Type", "application/json"},
                      {"X-GitHub-Event", "push"},
                      {"X-Hub-Signature-256", githubSignature(secret_, body)}};
  r = tri().post("/webhooks/github/" + id_, body, no_delivery);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(jsonString(parseJson(r.body), "/field"), "X-GitHub-Delivery");
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, DeliveryForAnotherRepositoryIsRefused) {
  auto [other_id, other_secret] = tri().createTrigger("alice", "github", "someone/else", kRules);
  std::string body = githubPush("github/push.json");
  Headers h{{"Content-Type", "application/json"},
            {"X-GitHub-Event", "push"},
            {"X-GitHub-Delivery", "d-wrongrepo"},
            {"X-Hub-Signature-256", githubSignature(other_secret, body)}};
  auto r = tri().post("/webhooks/github/" + other_id, body, h);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Codertocat/Hello-World"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, NoMatchingRuleAndDisabledTriggerAreIgnored) {
  std::string body = githubPush("github/push.json");
  std::string develop = body;
  size_t pos;
  while ((pos = develop.find("refs/heads/master")) != std::string::npos)
    develop.replace(pos, 17, "refs/heads/develop");
  auto r = deliver("push", develop, "d-nomatch");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(jsonString(parseJson(r.body), "/ignored").find("develop"), std::string::npos);

  auto p = tri().admin("PATCH", "/api/v1/users/alice/triggers/" + id_, R"({"enabled": false})");
  ASSERT_EQ(p.status, 200) << p.body;
  r = deliver("push", body, "d-disabled");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(jsonString(parseJson(r.body), "/ignored").find("disabled"), std::string::npos);
  EXPECT_EQ(tri().streamLength(), 0);
}

TEST_F(GithubWebhookTest, RotatedSecretKeepsTheOldOneValidForTheGraceWindow) {
  auto r = tri().admin("POST", "/api/v1/users/alice/triggers/" + id_ + "/hook/repair",
                       R"({"rotate_secret": true})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parseJson(r.body);
  std::string new_secret = jsonString(d, "/webhook/secret");
  EXPECT_NE(new_secret, secret_);
  auto old_ok = deliver("push", githubPush("github/push.json"), "d-rot-old");
  EXPECT_EQ(old_ok.status, 202) << old_ok.body;
  auto new_ok = deliver("push", githubPush("github/push.json", 1), "d-rot-new", "application/json",
                        new_secret);
  EXPECT_EQ(new_ok.status, 202) << new_ok.body;
  EXPECT_EQ(tri().streamLength(), 2);
}

TEST_F(GithubWebhookTest, RedisOutageAnswers503AndLosesNothingOnceRedelivered) {
  tri().redis().stop();
  auto down = deliver("push", githubPush("github/push.json"), "d-outage");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_TRUE(jsonHas(parseJson(down.body), "/error"));
  EXPECT_EQ(tri().publicPort() > 0, true);
  auto ready = httpCall("GET", tri().publicUrl("/readyz"));
  EXPECT_EQ(ready.status, 503);
  // Why is for operators: the admin listener names Redis, the public one does not.
  EXPECT_EQ(ready.body.find("redis"), std::string::npos) << ready.body;
  EXPECT_EQ(ready.body.find(tri().redis().address()), std::string::npos) << ready.body;
  auto admin_ready = httpCall("GET", tri().adminUrl("/readyz"));
  EXPECT_EQ(admin_ready.status, 503);
  EXPECT_NE(admin_ready.body.find(tri().redis().address()), std::string::npos) << admin_ready.body;
  tri().redis().start();
  ASSERT_TRUE(waitUntil([&] { return httpCall("GET", tri().publicUrl("/readyz")).status == 200; }))
      << tri().log();
  EXPECT_EQ(tri().streamLength(), 0);
  auto again = deliver("push", githubPush("github/push.json"), "d-outage");
  EXPECT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(tri().streamLength(), 1);
}

// Security: delivery ids are not signed, the body is. A captured delivery sent again under a new
// id, or an old push, builds nothing.
TEST_F(GithubWebhookTest, ReplayUnderAFreshDeliveryIdBuildsNothing) {
  std::string body = githubPush("github/push.json");
  ASSERT_EQ(deliver("push", body, "d-original").status, 202);
  auto replay = deliver("push", body, "d-replayed-with-a-new-id");
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_NE(jsonString(parseJson(replay.body), "/ignored").find("replay"), std::string::npos)
      << replay.body;
  EXPECT_EQ(tri().streamLength(), 1);
}

TEST_F(GithubWebhookTest, APushOlderThanTheDeliveryWindowIsAReplay) {
  // The published example as captured in 2019: validly signed, years old.
  auto old = deliver("push", fixture("github/push.json"), "d-2019");
  EXPECT_EQ(old.status, 200) << old.body;
  std::string ignored = jsonString(parseJson(old.body), "/ignored");
  EXPECT_NE(ignored.find("replay"), std::string::npos) << ignored;
  EXPECT_NE(ignored.find("hours ago"), std::string::npos) << ignored;
  EXPECT_EQ(tri().streamLength(), 0);
}

}  // namespace
}  // namespace triggerd::testing
