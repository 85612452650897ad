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

  // The same GitLab push with another head commit: a different push, not a replay.
  static std::string anotherCommit(std::string body) {
    const std::string sha = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";  // the fixture's head
    for (size_t at = body.find(sha); at != std::string::npos; at = body.find(sha, at))
      body.replace(at, sha.size(), std::string(40, 'e'));
    return body;
  }

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

// A rotation sets the new secret on the provider before it becomes the trigger's secret: until
// then it is pending, and deliveries signed with it verify.
TEST_F(WebhookIngestTest, APendingSecretVerifiesDuringARotationUntilItsDeadline) {
  trigger_.pending_secret = "next";
  trigger_.pending_secret_until = clock_.unixSeconds() + 60;
  store();
  EXPECT_EQ(run(gitlabPush("next")).status, 202);
  auto current = gitlabPush("s3cret");
  current->delivery_id = "uuid-current";
  current->body = anotherCommit(current->body);
  EXPECT_EQ(run(current).status, 202);
  clock_.advance(std::chrono::seconds(61));
  auto late = gitlabPush("next");
  late->delivery_id = "uuid-late";
  EXPECT_EQ(run(late).status, 401);
}

// A hand-made GitLab hook may come without the signing token (a GitLab that has none, or the
// user did not paste it): the token verifies alone until the first signed delivery, and from
// then on unsigned deliveries are refused.
TEST_F(WebhookIngestTest, AHandMadeHookIsHeldToSignaturesFromItsFirstSignedDelivery) {
  trigger_.signing_key = secret(std::string(32, 'w'));
  trigger_.signing_required = false;
  store();
  EXPECT_EQ(run(gitlabPush("s3cret")).status, 202);  // the token alone, for now

  auto signed_delivery = gitlabPush("s3cret");
  signed_delivery->delivery_id = "uuid-signed";
  signed_delivery->body = anotherCommit(signed_delivery->body);
  signed_delivery->webhook_id = "msg_s";
  signed_delivery->webhook_timestamp = std::to_string(clock_.unixSeconds());
  signed_delivery->webhook_signature =
      standardWebhookSignature(trigger_.signing_key, signed_delivery->webhook_id,
                               signed_delivery->webhook_timestamp, signed_delivery->body);
  EXPECT_EQ(run(signed_delivery).status, 202);
  // The trigger now requires signatures (recorded on a later loop turn).
  auto stored = [&] {
    auto raw = redis_.server().cmd({"GET", Keys().trigger(trigger_.id)});
    return store_.decode(raw.str);
  };
  testing::runUntil(redis_.loop(), [&] { return stored()->signing_required; });
  EXPECT_TRUE(stored()->signing_required);
  auto downgrade = gitlabPush("s3cret");
  downgrade->delivery_id = "uuid-downgrade";
  EXPECT_EQ(run(downgrade).status, 401);
}

TEST_F(WebhookIngestTest, StandardWebhookSignatureIsVerifiedWhenTheTriggerHasAKey) {
  trigger_.signing_key = secret(std::string(32, 'w'));
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
  ok->body = anotherCommit(ok->body);  // a new push, not the first one again
  EXPECT_EQ(run(ok).status, 202);
}

// triggers.cache_max_age: a trigger read moments ago verifies the next deliveries by itself.
class CachedTriggerTest : public WebhookIngestTest {
 protected:
  void SetUp() override {
    WebhookIngestTest::SetUp();
    trigger_.hook_verified = true;  // no first-delivery update in these tests
    store();
    WebhookOptions o;
    o.trigger_max_age = std::chrono::milliseconds(1000);
    ingest_.setOptions(o);
  }
  // The GitLab push with another head commit and delivery id: a new push each time.
  std::shared_ptr<WebhookDelivery> nextPush(const std::string& token) {
    auto d = gitlabPush(token);
    d->delivery_id = "uuid-next-" + std::to_string(++pushes_);
    std::string sha(40, static_cast<char>('a' + pushes_));
    const std::string head = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
    for (size_t at = d->body.find(head); at != std::string::npos; at = d->body.find(head, at))
      d->body.replace(at, head.size(), sha);
    return d;
  }
  int pushes_ = 0;
};

TEST_F(CachedTriggerTest, AChangeMadeElsewhereAppliesOnceTheMaxAgeHasPassed) {
  EXPECT_EQ(run(nextPush("s3cret")).status, 202);
  trigger_.enabled = false;  // disabled through another replica
  store();
  clock_.advance(std::chrono::milliseconds(900));
  EXPECT_EQ(run(nextPush("s3cret")).status, 202);  // still the trigger read 900 ms ago
  clock_.advance(std::chrono::milliseconds(100));
  auto a = run(nextPush("s3cret"));
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("disabled"), std::string::npos) << a.body;
  EXPECT_EQ(streamLength(), 2);
  // A disabled trigger is read for every delivery: enabling it again applies at once.
  trigger_.enabled = true;
  store();
  EXPECT_EQ(run(nextPush("s3cret")).status, 202);
}

TEST_F(CachedTriggerTest, ASecretRotatedElsewhereIsCheckedAgainstRedisAtOnce) {
  EXPECT_EQ(run(nextPush("s3cret")).status, 202);
  trigger_.secret = "rotated";
  store();
  // The cached trigger refuses the new secret: the stored one decides, and accepts it.
  EXPECT_EQ(run(nextPush("rotated")).status, 202);
  EXPECT_EQ(run(nextPush("s3cret")).status, 401);
  EXPECT_EQ(run(nextPush("wrong")).status, 401);
  // Checked against Redis, each refusal is still logged and counted once.
  EXPECT_EQ(metrics_.counter("triggerd_webhook_rejections_total",
                             {{"provider", "gitlab"}, {"reason", "signature"}}),
            2u);
}

TEST_F(CachedTriggerTest, RulesThatNowMatchElsewhereAreNotMissedByTheCachedOnes) {
  trigger_.rules[0].match = "develop";
  store();
  auto first = run(nextPush("s3cret"));
  EXPECT_EQ(first.status, 200) << first.body;  // no rule matches master
  trigger_.rules[0].match = "master";          // changed through another replica
  store();
  // The cached rules would turn the push away: the stored ones build it.
  EXPECT_EQ(run(nextPush("s3cret")).status, 202);
  EXPECT_EQ(streamLength(), 1);
}

TEST_F(CachedTriggerTest, AChangeThroughThisTriggerdAppliesAtOnce) {
  EXPECT_EQ(run(nextPush("s3cret")).status, 202);
  auto updated = redis_.await<Result<Trigger>>([&](auto done) {
    store_.update(
        trigger_.id,
        [](Trigger& t) {
          t.enabled = false;
          return okStatus();
        },
        done);
  });
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  auto a = run(nextPush("s3cret"));
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("disabled"), std::string::npos) << a.body;
}

TEST_F(CachedTriggerTest, ADeletedTriggerAnswers404OnceTheMaxAgeHasPassed) {
  EXPECT_EQ(run(nextPush("s3cret")).status, 202);
  redis_.server().cmd({"DEL", Keys().trigger(trigger_.id)});
  clock_.advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(run(nextPush("s3cret")).status, 404);
  EXPECT_EQ(ingest_.cache().size(), 0u);  // forgotten: Redis down would not verify with it
}

// Security: nothing costly happens for a request that has not proven it knows the secret.
TEST_F(WebhookIngestTest, UnsignedRequestsNeverCompileRules) {
  // Verified already: a first delivery would otherwise change the stored trigger once.
  trigger_.hook_verified = true;
  store();
  for (int i = 0; i < 3; ++i) {
    auto bad = gitlabPush("wrong");
    bad->delivery_id = "unsigned-" + std::to_string(i);
    EXPECT_EQ(run(bad).status, 401);
  }
  EXPECT_EQ(ingest_.cache().compilations(), 0u);
  EXPECT_EQ(run(gitlabPush("s3cret")).status, 202);
  EXPECT_EQ(ingest_.cache().compilations(), 1u);
  auto again = gitlabPush("s3cret");
  again->delivery_id = "uuid-again";
  again->body = anotherCommit(again->body);
  EXPECT_EQ(run(again).status, 202);
  EXPECT_EQ(ingest_.cache().compilations(), 1u);  // served from the cache
}

TEST_F(WebhookIngestTest, ASignedTriggerRefusesAnUnsignedDeliveryEvenWithTheRightToken) {
  trigger_.signing_key = secret(std::string(32, 'w'));
  store();
  auto downgrade = gitlabPush("s3cret");  // right X-Gitlab-Token, no webhook-signature
  auto a = run(downgrade);
  EXPECT_EQ(a.status, 401) << a.body;
  EXPECT_NE(a.body.find("webhook-signature"), std::string::npos) << a.body;
  EXPECT_EQ(streamLength(), 0);
}

TEST_F(WebhookIngestTest, TheSamePushUnderAFreshDeliveryIdIsAReplay) {
  EXPECT_EQ(run(gitlabPush("s3cret")).status, 202);
  auto replay = gitlabPush("s3cret");
  replay->delivery_id = "uuid-fresh";  // delivery ids are not signed
  auto a = run(replay);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("replay"), std::string::npos) << a.body;
  EXPECT_EQ(streamLength(), 1);
  EXPECT_EQ(metrics_.counter("triggerd_webhook_replays_total",
                             {{"provider", "gitlab"}, {"kind", "same_push"}}),
            1u);
  // A redelivery under the first id is still the duplicate it always was.
  auto redelivery = run(gitlabPush("s3cret"));
  EXPECT_EQ(redelivery.status, 200);
  EXPECT_NE(redelivery.body.find("\"duplicate\":true"), std::string::npos) << redelivery.body;
}

TEST_F(WebhookIngestTest, AnUnreadableTriggerAnswersWithoutItsDetails) {
  // Sealed with a key this triggerd does not hold.
  Keyring other = testing::keyringOf(testing::masterKey('o'));
  SealedRecords other_records(redis_.client(), other, rng_);
  TriggerStore other_store(other_records, Keys());
  redis_.server().cmd({"SET", Keys().trigger(trigger_.id), other_store.encode(trigger_)});
  auto a = run(gitlabPush("s3cret"));
  EXPECT_EQ(a.status, 500);
  EXPECT_EQ(a.body.find(deriveKeyId(testing::masterKey('o'))), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find(deriveKeyId(testing::masterKey('k'))), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("key"), std::string::npos) << a.body;
}

}  // namespace
}  // namespace triggerd
