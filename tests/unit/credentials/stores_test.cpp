// Encoding of the records that hold secrets: what reaches Redis is sealed and bound to its
// record, and decodes back to the same values.
#include <gtest/gtest.h>

#include "common/random.h"
#include "credentials/source_store.h"
#include "crypto/keyring.h"
#include "tests/support/redis_server.h"
#include "triggers/trigger_store.h"

namespace triggerd {
namespace {

// The stores' encode/decode are pure; the RedisClient is never called by them.
class UnusedRedis final : public RedisClient {
 public:
  RedisRequestId command(std::vector<std::string>, RedisCallback) override {
    ADD_FAILURE() << "encode/decode must not touch Redis";
    return 0;
  }
  void cancel(RedisRequestId) override {}
  bool connected() const override { return false; }
};

std::string key(char c) {
  return std::string(32, c);
}

class StoresTest : public ::testing::Test {
 protected:
  UnusedRedis redis_;
  SecureRandom rng_;
  Keyring keyring_{SecretBox(key('k'), deriveKeyId(key('k')))};
  SealedRecords records_{redis_, keyring_, rng_};
};

Trigger sampleTrigger() {
  Trigger t;
  t.id = "01JD0000000000000000000000";
  t.user = "alice";
  t.provider = Provider::kGithub;
  t.repository_full_name = "octo/app";
  t.secret = "canary-secret-0123456789abcdef";
  t.previous_secret = "canary-previous-secret";
  t.previous_secret_until = 1800000000;
  t.image = "registry.example.com/team/app";
  BuildRule r;
  r.kind = RefType::kBranch;
  r.match = "main";
  r.tags = {"latest"};
  t.rules = {r};
  t.created_at = t.updated_at = 1764064800;
  return t;
}

TEST_F(StoresTest, TriggerRoundTripsAndItsSecretsAreSealed) {
  TriggerStore store(records_, Keys());
  Trigger t = sampleTrigger();
  std::string stored = store.encode(t);
  EXPECT_EQ(stored.find(t.secret), std::string::npos);
  EXPECT_EQ(stored.find(t.previous_secret), std::string::npos);
  auto back = store.decode(stored);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->secret, t.secret);
  EXPECT_EQ(back->previous_secret, t.previous_secret);
  EXPECT_EQ(back->previous_secret_until, t.previous_secret_until);
  EXPECT_EQ(back->image, t.image);
  ASSERT_EQ(back->rules.size(), 1u);
  EXPECT_EQ(back->rules[0].match, "main");
}

TEST_F(StoresTest, TriggerHookStateAndAPendingSecretRoundTrip) {
  TriggerStore store(records_, Keys());
  Trigger t = sampleTrigger();
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
  t.signing_key = std::string(32, 's');
  t.signing_required = false;
  std::string stored = store.encode(t);
  EXPECT_EQ(stored.find(t.pending_secret), std::string::npos);
  auto back = store.decode(stored);
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
  auto old = store.decode(legacy);
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_TRUE(old->signing_required);
}

TEST_F(StoresTest, ASealedTriggerSecretDoesNotOpenUnderAnotherTriggerId) {
  TriggerStore store(records_, Keys());
  Trigger t = sampleTrigger();
  std::string stored = store.encode(t);
  std::string moved = stored;
  moved.replace(moved.find(t.id), t.id.size(), "01JD0000000000000000000001");
  auto r = store.decode(moved);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find(t.secret), std::string::npos);
}

TEST_F(StoresTest, SourceTokenIsSealedAndBoundToItsUser) {
  SourceStore store(records_, Keys());
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

// Security: a Redis writer who changes where a token is sent (API URL, CA, provider) gets a
// record that no longer opens, so the token never reaches the new address.
TEST_F(StoresTest, ASourceWhoseDestinationWasEditedInRedisDoesNotOpen) {
  SourceStore store(records_, Keys());
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
    EXPECT_EQ(r.error().message.find(s.token), std::string::npos);
  }
}

// Records written before tokens were bound to their destination (format 1) still open, and the
// reseal sweep rewrites them in the current format.
TEST_F(StoresTest, FormatOneSourcesOpenAndAskForReseal) {
  SourceStore store(records_, Keys());
  std::string legacy = R"({"user":"alice","provider":"github","api_url":"https://api.github.com",)"
                       R"("login":"alice","account_id":"1","token":")" +
                       records_.seal("gho_legacy", "source:alice:github") +
                       R"(","scopes":["repo"],"bound_at":1,"checked_at":1,"revoked":false})";
  auto opened = store.decode(legacy);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->token, "gho_legacy");
  EXPECT_TRUE(store.needsReseal(legacy));
  std::string current = store.encode(*opened);
  EXPECT_FALSE(store.needsReseal(current));
  EXPECT_NE(current.find("\"format\":2"), std::string::npos);
}

TEST_F(StoresTest, RotationReportsValuesSealedWithTheOldKey) {
  Keyring old_ring{SecretBox(key('o'), deriveKeyId(key('o')))};
  SealedRecords old_records(redis_, old_ring, rng_);
  SourceStore old_store(old_records, Keys());
  Source s;
  s.user = "bob";
  s.provider = Provider::kGithub;
  s.token = "gho_canary";
  std::string stored = old_store.encode(s);

  Keyring rotated{SecretBox(key('n'), deriveKeyId(key('n'))),
                  {SecretBox(key('o'), deriveKeyId(key('o')))}};
  SealedRecords rotated_records(redis_, rotated, rng_);
  SourceStore store(rotated_records, Keys());
  EXPECT_TRUE(store.needsReseal(stored));
  auto opened = store.decode(stored);
  ASSERT_TRUE(opened.ok());
  std::string resealed = store.encode(*opened);
  EXPECT_FALSE(store.needsReseal(resealed));
  // The new key alone opens the resealed value.
  Keyring only_new{SecretBox(key('n'), deriveKeyId(key('n')))};
  SealedRecords new_records(redis_, only_new, rng_);
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
