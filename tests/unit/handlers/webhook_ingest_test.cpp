// The ingest path against a real Redis, without HTTP: what each kind of delivery answers and
// what it leaves in the job stream.
#include "handlers/webhook_ingest.h"

#include <gtest/gtest.h>

#include "tests/support/fixtures.h"
#include "tests/support/redis_loop.h"
#include "tests/support/sample_trigger.h"
#include "tests/support/test_keys.h"
#include "webhook/signature.h"

namespace triggerd {
namespace {

class WebhookIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    trigger_ = testing::sampleTrigger();
    trigger_.id = newUlid(rng_, clock_.unixMillis());
    trigger_.provider = Provider::kGitlab;
    trigger_.repository_full_name = "mike/diaspora";
    trigger_.secret = "s3cret";
    trigger_.rules[0].match = "master";
    trigger_.rules[0].tags = {"{branch}"};
    store();
  }

  // Writes trigger_ as it is now, behind the store's back (as another triggerd would).
  void store() {
    redis_.server().cmd({"SET", Keys().trigger(trigger_.id), store_.encode(trigger_)});
  }

  WebhookAnswer run(std::shared_ptr<WebhookDelivery> d) {
    return redis_.await<WebhookAnswer>([&](auto done) { ingest_.handle(std::move(d), done); });
  }

  std::shared_ptr<WebhookDelivery> gitlabPush(const std::string& token) {
    auto d = std::make_shared<WebhookDelivery>();
    d->provider = Provider::kGitlab;
    d->trigger_id = trigger_.id;
    d->content_type = "application/json";
    d->event = "Push Hook";
    d->delivery_id = "uuid-1";
    d->has_gitlab_token = true;
    d->gitlab_token = token;
    d->body = testing::fixture("gitlab/push.json");
    d->received_at = clock_.now();
    return d;
  }

  long long streamLength() { return redis_.server().cmd({"XLEN", "triggerd:jobs"}).integer; }

  testing::RedisLoop redis_;
  Metrics metrics_;
  ManualClock clock_;
  SecureRandom rng_;
  Keyring keyring_ = testing::keyringOf(testing::masterKey('k'));
  JobQueue queue_{redis_.client(), Keys()};
  SealedRecords records_{redis_.client(), keyring_, rng_};
  TriggerStore store_{records_, Keys()};
  WebhookIngest ingest_{store_, queue_, metrics_, clock_, rng_, WebhookOptions{}};
  Trigger trigger_;
};

TEST_F(WebhookIngestTest, AcceptedDeliveryIsCountedAndEnqueued) {
  auto a = run(gitlabPush("s3cret"));
  EXPECT_EQ(a.status, 202) << a.body;
  EXPECT_EQ(streamLength(), 1);
  EXPECT_EQ(metrics_.counter("triggerd_jobs_enqueued_total", {{"provider", "gitlab"}}), 1u);
}

TEST_F(WebhookIngestTest, RejectionsAreCountedByReason) {
  auto a = run(gitlabPush("wrong"));
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(metrics_.counter("triggerd_webhook_rejections_total",
                             {{"provider", "gitlab"}, {"reason", "signature"}}),
            1u);
  EXPECT_EQ(streamLength(), 0);
}

TEST_F(WebhookIngestTest, PreviousSecretVerifiesOnlyUntilItsDeadline) {
  trigger_.previous_secret = "old";
  trigger_.previous_secret_until = clock_.unixSeconds() + 60;
  store();
  EXPECT_EQ(run(gitlabPush("old")).status, 202);
  clock_.advance(std::chrono::seconds(61));
  auto late = gitlabPush("old");
  late->delivery_id = "uuid-2";
  EXPECT_EQ(run(late).status, 401);
}

TEST_F(WebhookIngestTest, StandardWebhookSignatureIsVerifiedWhenTheTriggerHasAKey) {
  trigger_.signing_key = std::string(32, 'w');
  store();
  auto d = gitlabPush("s3cret");
  d->webhook_id = "msg_1";
  d->webhook_timestamp = std::to_string(clock_.unixSeconds());
  d->webhook_signature = "v1,AAAA";
  EXPECT_EQ(run(d).status, 401);

  auto good = gitlabPush("s3cret");
  good->delivery_id = "uuid-3";
  good->webhook_id = "msg_2";
  good->webhook_timestamp = std::to_string(clock_.unixSeconds());
  good->webhook_signature = standardWebhookSignature(trigger_.signing_key, good->webhook_id,
                                                     good->webhook_timestamp, good->body);
  EXPECT_EQ(run(good).status, 202);

  auto stale = gitlabPush("s3cret");
  stale->delivery_id = "uuid-4";
  stale->webhook_id = "msg_3";
  stale->webhook_timestamp = std::to_string(clock_.unixSeconds() - 600);
  stale->webhook_signature = standardWebhookSignature(trigger_.signing_key, stale->webhook_id,
                                                      stale->webhook_timestamp, stale->body);
  auto a = run(stale);
  EXPECT_EQ(a.status, 401);
  EXPECT_NE(a.body.find("5 minutes"), std::string::npos) << a.body;
}

TEST_F(WebhookIngestTest, ChangedTriggerIsReadAgainNotServedFromTheCache) {
  EXPECT_EQ(run(gitlabPush("s3cret")).status, 202);
  trigger_.secret = "rotated";
  store();
  auto d = gitlabPush("s3cret");
  d->delivery_id = "uuid-5";
  EXPECT_EQ(run(d).status, 401);
  auto ok = gitlabPush("rotated");
  ok->delivery_id = "uuid-6";
  EXPECT_EQ(run(ok).status, 202);
}

}  // namespace
}  // namespace triggerd
