// What the trigger store writes to Redis: hook secrets sealed and bound to their trigger, and
// decoded back to the same values.
#include "triggers/trigger_store.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_sealed_records.h"
#include "tests/support/sample_trigger.h"

namespace triggerd {
namespace {

using testing::sampleTrigger;

class TriggerStoreEncodingTest : public ::testing::Test {
 protected:
  // encode() and decode() are pure: they never send a command.
  void TearDown() override { EXPECT_TRUE(fake_.redis.sent().empty()); }

  testing::FakeSealedRecords fake_;
  TriggerStore store_{fake_.records, Keys()};
};

TEST_F(TriggerStoreEncodingTest, TriggerRoundTripsAndItsSecretsAreSealed) {
  Trigger t = sampleTrigger();
  t.previous_secret = "canary-previous-secret";
  t.previous_secret_until = 1800000000;
  std::string stored = store_.encode(t);
  EXPECT_EQ(stored.find(t.secret), std::string::npos);
  EXPECT_EQ(stored.find(t.previous_secret), std::string::npos);
  auto back = store_.decode(stored);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->secret, t.secret);
  EXPECT_EQ(back->previous_secret, t.previous_secret);
  EXPECT_EQ(back->previous_secret_until, t.previous_secret_until);
  EXPECT_EQ(back->image, t.image);
  ASSERT_EQ(back->rules.size(), 1u);
  EXPECT_EQ(back->rules[0].match, "main");
}

TEST_F(TriggerStoreEncodingTest, TriggerHookStateAndAPendingSecretRoundTrip) {
  Trigger t = testing::sampleTrigger();
  t.install_hook = true;
  t.hook_id = "400000001";
  t.hook_active = true;
  t.hook_checked_at = 1764068400;
  t.hook_error = "it has no secret";
  t.hook_note = "re-enabled hook 400000001";
  t.missed_pushes = {"refs/heads/main 1a2b"};
  t.deliveries_checked_at = 1764068000;
  t.pending_secret = "canary-pending-secret";
  t.pending_secret_until = 1764070000;
  t.signing_key = secret(std::string(32, 's'));
  t.signing_required = false;
  std::string stored = store_.encode(t);
  EXPECT_EQ(stored.find(std::string(t.pending_secret)), std::string::npos);
  auto back = store_.decode(stored);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->hook_id, t.hook_id);
  EXPECT_TRUE(back->hook_active);
  EXPECT_EQ(back->hook_checked_at, t.hook_checked_at);
  EXPECT_EQ(back->hook_error, t.hook_error);
  EXPECT_EQ(back->hook_note, t.hook_note);
  EXPECT_EQ(back->missed_pushes, t.missed_pushes);
  EXPECT_EQ(back->deliveries_checked_at, t.deliveries_checked_at);
  EXPECT_EQ(back->pending_secret, t.pending_secret);
  EXPECT_EQ(back->pending_secret_until, t.pending_secret_until);
  EXPECT_EQ(back->signing_key, t.signing_key);
  EXPECT_FALSE(back->signing_required);
  // A record from before signing_required existed keeps refusing unsigned deliveries.
  std::string legacy = stored;
  legacy.replace(legacy.find("\"signing_required\":false"), 24, "\"signing_old\":false");
  auto old = store_.decode(legacy);
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_TRUE(old->signing_required);
}

TEST_F(TriggerStoreEncodingTest, ASealedTriggerSecretDoesNotOpenUnderAnotherTriggerId) {
  Trigger t = sampleTrigger();
  std::string stored = store_.encode(t);
  std::string moved = stored;
  moved.replace(moved.find(t.id), t.id.size(), "01JD0000000000000000000001");
  auto r = store_.decode(moved);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find(t.secret), std::string::npos);
}

}  // namespace
}  // namespace triggerd
