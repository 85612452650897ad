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
