// GitLab deliveries through the real daemon.
#include <gtest/gtest.h>

#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"

namespace triggerd::testing {
namespace {

const char* kRules = R"json([{"kind": "branch", "match": "master", "tags": ["{branch}-{sha:8}"]},
                         {"kind": "tag", "match": "v([0-9]+)\\.([0-9]+)\\.([0-9]+)", "tags": ["{1}.{2}.{3}", "{1}.{2}"]}])json";

class GitlabWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tri_ = std::make_unique<TriggerdInstance>();
    auto [id, secret] = tri_->createTrigger("bob", "gitlab", "mike/diaspora", kRules);
    id_ = id;
    secret_ = secret;
  }

  HttpCallResult deliver(const std::string& event, const std::string& body, const Headers& extra,
                         const std::string& token) {
    Headers h{{"Content-Type", "application/json"},
              {"X-Gitlab-Event", event},
              {"User-Agent", "GitLab/17.1.0-pre"},
              {"X-Gitlab-Instance", "https://gitlab.example.com"}};
    if (!token.empty()) h.emplace_back("X-Gitlab-Token", token);
    for (const auto& e : extra) h.push_back(e);
    return tri_->post("/webhooks/gitlab/" + id_, body, h);
  }

  std::unique_ptr<TriggerdInstance> tri_;
  std::string id_, secret_;
};

TEST_F(GitlabWebhookTest, PushHookEnqueuesAJob) {
  auto r = deliver("Push Hook", fixture("gitlab/push.json"),
                   {{"X-Gitlab-Event-UUID", "13792a34-cac6-4fda-95a8-c58e00a3954e"}}, secret_);
  ASSERT_EQ(r.status, 202) << r.body << tri_->log();
  auto jobs = tri_->streamJobs();
  ASSERT_EQ(jobs.size(), 1u);
  auto job = parseJson(jobs[0]);
  EXPECT_EQ(jsonString(job, "/provider"), "gitlab");
  EXPECT_EQ(jsonString(job, "/repository/full_name"), "mike/diaspora");
  EXPECT_EQ(jsonString(job, "/repository/id"), "15");
  EXPECT_EQ(jsonString(job, "/commit/sha"), "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(jsonString(job, "/tags/0"), "master-da156088");
  EXPECT_EQ(jsonString(job, "/delivery_id"), "13792a34-cac6-4fda-95a8-c58e00a3954e");
}

TEST_F(GitlabWebhookTest, IdempotencyKeyDeduplicatesRetries) {
  Headers ids{{"Idempotency-Key", "f6b1d0e2-1111-4c22-9c33-abcdefabcdef"},
              {"X-Gitlab-Event-UUID", "uuid-first"}};
  auto first = deliver("Push Hook", fixture("gitlab/push.json"), ids, secret_);
  ASSERT_EQ(first.status, 202) << first.body;
  Headers retry{{"Idempotency-Key", "f6b1d0e2-1111-4c22-9c33-abcdefabcdef"},
                {"X-Gitlab-Event-UUID", "uuid-second"}};
  auto again = deliver("Push Hook", fixture("gitlab/push.json"), retry, secret_);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(jsonBool(parseJson(again.body), "/duplicate"));
  EXPECT_EQ(tri_->streamLength(), 1);
}

TEST_F(GitlabWebhookTest, WithoutAnyDeliveryIdIdenticalBodiesAreOneDelivery) {
  auto first = deliver("Push Hook", fixture("gitlab/push.json"), {}, secret_);
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = deliver("Push Hook", fixture("gitlab/push.json"), {}, secret_);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(tri_->streamLength(), 1);
}

TEST_F(GitlabWebhookTest, TagPushHookUsesCaptureGroups) {
  // The published example tags v1.0.0 in project jsmith/example: a trigger for that project.
  auto [tag_id, tag_secret] = tri_->createTrigger("bob", "gitlab", "jsmith/example", kRules);
  Headers h{{"Content-Type", "application/json"},
            {"X-Gitlab-Event", "Tag Push Hook"},
            {"X-Gitlab-Token", tag_secret},
            {"X-Gitlab-Event-UUID", "tag-uuid-1"}};
  auto r = tri_->post("/webhooks/gitlab/" + tag_id, fixture("gitlab/tag-push.json"), h);
  ASSERT_EQ(r.status, 202) << r.body;
  auto job = parseJson(tri_->streamJobs().at(0));
  EXPECT_EQ(jsonString(job, "/ref_type"), "tag");
  ASSERT_EQ(jsonSize(job, "/tags"), 2u);
  EXPECT_EQ(jsonString(job, "/tags/0"), "1.0.0");
  EXPECT_EQ(jsonString(job, "/tags/1"), "1.0");
}

TEST_F(GitlabWebhookTest, WrongOrMissingTokenIs401) {
  auto wrong = deliver("Push Hook", fixture("gitlab/push.json"), {{"X-Gitlab-Event-UUID", "u1"}},
                       "wrong-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("X-Gitlab-Token"), std::string::npos);
  auto missing =
      deliver("Push Hook", fixture("gitlab/push.json"), {{"X-Gitlab-Event-UUID", "u2"}}, "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(tri_->streamLength(), 0);
}

TEST_F(GitlabWebhookTest, OtherHooksAreIgnored) {
  auto r = deliver("Merge Request Hook", R"({"object_kind": "merge_request"})",
                   {{"X-Gitlab-Event-UUID", "u3"}}, secret_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(jsonHas(parseJson(r.body), "/ignored"));
  EXPECT_EQ(tri_->streamLength(), 0);
}

TEST_F(GitlabWebhookTest, MismatchedObjectKindIs400) {
  auto r = deliver("Tag Push Hook", fixture("gitlab/push.json"), {{"X-Gitlab-Event-UUID", "u4"}},
                   secret_);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(jsonString(parseJson(r.body), "/field"), "object_kind");
  EXPECT_EQ(tri_->streamLength(), 0);
}

}  // namespace
}  // namespace triggerd::testing
