// What the source store writes to Redis: provider tokens sealed and bound to their user, still
// opening after a key rotation, and a source's state over time.
#include "credentials/source_store.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_sealed_records.h"
#include "tests/support/test_keys.h"

namespace triggerd {
namespace {

class SourceStoreEncodingTest : public ::testing::Test {
 protected:
  // encode() and decode() are pure: they never send a command.
  void TearDown() override { EXPECT_TRUE(fake_.redis.sent().empty()); }

  testing::FakeSealedRecords fake_;
};

TEST_F(SourceStoreEncodingTest, SourceTokenIsSealedAndBoundToItsUser) {
  SourceStore store(fake_.records, Keys());
  Source s;
  s.user = "alice";
  s.provider = Provider::kGitlab;
  s.api_url = "https://gitlab.example.com";
  s.login = "alice";
  s.account_id = "42";
  s.token = "glpat-canary-token-value";
  s.scopes = {"api"};
  s.expires_at = 1900000000;
  s.bound_at = 1764064800;
  std::string stored = store.encode(s);
  EXPECT_EQ(stored.find(s.token), std::string::npos);
  auto back = store.decode(stored);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->token, s.token);
  EXPECT_EQ(*back->expires_at, 1900000000);

  std::string moved = stored;
  moved.replace(moved.find("\"user\":\"alice\""), 14, "\"user\":\"mallo\"");
  EXPECT_FALSE(store.decode(moved).ok());
}

TEST_F(SourceStoreEncodingTest, RotationReportsValuesSealedWithTheOldKey) {
  Keyring old_ring = testing::keyringOf(testing::masterKey('o'));
  SealedRecords old_records(fake_.redis, old_ring, fake_.rng);
  SourceStore old_store(old_records, Keys());
  Source s;
  s.user = "bob";
  s.provider = Provider::kGithub;
  s.token = "gho_canary";
  std::string stored = old_store.encode(s);

  Keyring rotated = testing::keyringOf(testing::masterKey('n'), {testing::masterKey('o')});
  SealedRecords rotated_records(fake_.redis, rotated, fake_.rng);
  SourceStore store(rotated_records, Keys());
  EXPECT_TRUE(store.needsReseal(stored));
  auto opened = store.decode(stored);
  ASSERT_TRUE(opened.ok());
  std::string resealed = store.encode(*opened);
  EXPECT_FALSE(store.needsReseal(resealed));
  // The new key alone opens the resealed value.
  Keyring only_new = testing::keyringOf(testing::masterKey('n'));
  SealedRecords new_records(fake_.redis, only_new, fake_.rng);
  SourceStore new_store(new_records, Keys());
  EXPECT_TRUE(new_store.decode(resealed).ok());
  EXPECT_FALSE(new_store.decode(stored).ok());
}

TEST(SourceStateTest, ExpiryAndRevocation) {
  Source s;
  int64_t now = 1764064800;
  EXPECT_EQ(s.state(now, 7 * 86400), SourceState::kValid);
  s.expires_at = now + 3 * 86400;
  EXPECT_EQ(s.state(now, 7 * 86400), SourceState::kExpiring);
  s.expires_at = now - 1;
  EXPECT_EQ(s.state(now, 7 * 86400), SourceState::kExpired);
  s.expires_at = now + 30 * 86400;
  s.revoked = true;
  EXPECT_EQ(s.state(now, 7 * 86400), SourceState::kRevoked);
}

}  // namespace
}  // namespace triggerd
