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

// Security: a Redis writer who changes where a token is sent (API URL, CA, provider) gets a
// record that no longer opens, so the token never reaches the new address.
TEST_F(SourceStoreEncodingTest, ASourceWhoseDestinationWasEditedInRedisDoesNotOpen) {
  SourceStore store(fake_.records, Keys());
  Source s;
  s.user = "alice";
  s.provider = Provider::kGitlab;
  s.api_url = "https://gitlab.example.com";
  s.token = "glpat-canary-token-value";
  s.ca_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  std::string stored = store.encode(s);
  ASSERT_TRUE(store.decode(stored).ok());

  auto edited = [&](const std::string& from, const std::string& to) {
    std::string t = stored;
    size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return t;
  };
  for (const auto& tampered : {edited("https://gitlab.example.com", "https://attacker.example.net"),
                               edited("\"ca_pem\":\"", "\"ca_pem\":\"x"),
                               edited("\"provider\":\"gitlab\"", "\"provider\":\"github\"")}) {
    auto r = store.decode(tampered);
    ASSERT_FALSE(r.ok()) << tampered;
    EXPECT_EQ(r.error().message.find("glpat-canary-token-value"), std::string::npos);
  }
}

// Records written before tokens were bound to their destination (format 1) still open, and the
// reseal sweep rewrites them in the current format.
TEST_F(SourceStoreEncodingTest, FormatOneSourcesOpenAndAskForReseal) {
  SourceStore store(fake_.records, Keys());
  std::string legacy = R"({"user":"alice","provider":"github","api_url":"https://api.github.com",)"
                       R"("login":"alice","account_id":"1","token":")" +
                       fake_.records.seal("gho_legacy", "source:alice:github") +
                       R"(","scopes":["repo"],"bound_at":1,"checked_at":1,"revoked":false})";
  auto opened = store.decode(legacy);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->token, "gho_legacy");
  EXPECT_TRUE(store.needsReseal(legacy));
  std::string current = store.encode(*opened);
  EXPECT_FALSE(store.needsReseal(current));
  EXPECT_NE(current.find("\"format\":2"), std::string::npos);
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
