#include "store/api_token_store.h"

#include <gtest/gtest.h>

#include "common/digest.h"
#include "tests/support/redis_loop.h"

namespace triggerd {
namespace {

using testing::RedisLoop;

TEST(ApiTokenStore, MintStoresOnlyTheHashAndLookupFindsTheRecord) {
  RedisLoop redis;
  SecureRandom rng;
  ApiTokenStore store(redis.client(), Keys());
  auto minted = redis.await<Result<MintedToken>>(
      [&](auto cb) { store.mint("alice", "ci", "user", rng, cb); });
  ASSERT_TRUE(minted.ok());
  EXPECT_EQ(minted->token.rfind("tdu_", 0), 0u);
  std::string hash = sha256Hex(minted->token);
  EXPECT_EQ(minted->record.id, hash.substr(0, 16));
  auto stored = redis.server().cmd({"GET", Keys().apiToken(hash)});
  EXPECT_EQ(stored.str.find(minted->token), std::string::npos);

  auto found =
      redis.await<Result<std::optional<ApiTokenRecord>>>([&](auto cb) { store.lookup(hash, cb); });
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user, "alice");
  EXPECT_EQ((*found)->name, "ci");
  EXPECT_EQ((*found)->role, "user");
}

TEST(ApiTokenStore, RevokeForgetsTheTokenAndAnUnknownIdIs404) {
  RedisLoop redis;
  SecureRandom rng;
  ApiTokenStore store(redis.client(), Keys());
  auto minted = redis.await<Result<MintedToken>>(
      [&](auto cb) { store.mint("alice", "ci", "user", rng, cb); });
  ASSERT_TRUE(minted.ok());
  EXPECT_EQ(minted->token.rfind("tdu_", 0), 0u);
  auto revoked =
      redis.await<Status>([&](auto cb) { store.revoke("alice", minted->record.id, cb); });
  EXPECT_TRUE(revoked.ok());
  auto gone = redis.await<Result<std::optional<ApiTokenRecord>>>(
      [&](auto cb) { store.lookup(sha256Hex(minted->token), cb); });
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto again = redis.await<Status>([&](auto cb) { store.revoke("alice", minted->record.id, cb); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, 404);
  // Another user's token id is not found under alice either.
  auto bob =
      redis.await<Result<MintedToken>>([&](auto cb) { store.mint("bob", "x", "user", rng, cb); });
  auto cross = redis.await<Status>([&](auto cb) { store.revoke("alice", bob->record.id, cb); });
  EXPECT_FALSE(cross.ok());
}

TEST(ApiTokenStore, RunnerTokensAreListedAndRevokedApartFromUsersTokens) {
  RedisLoop redis;
  SecureRandom rng;
  ApiTokenStore store(redis.client(), Keys());
  auto runner = redis.await<Result<MintedToken>>(
      [&](auto cb) { store.mint("", "build-1", "runner", rng, cb); });
  ASSERT_TRUE(runner.ok());
  EXPECT_EQ(runner->token.rfind("tdr_", 0), 0u);
  auto user = redis.await<Result<MintedToken>>(
      [&](auto cb) { store.mint("alice", "ci", "user", rng, cb); });
  auto list =
      redis.await<Result<std::vector<ApiTokenRecord>>>([&](auto cb) { store.listRunners(cb); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "build-1");
  EXPECT_EQ((*list)[0].role, "runner");
  EXPECT_EQ((*list)[0].id, runner->record.id);
  // A user token id is no runner token, and the other way round.
  EXPECT_FALSE(redis.await<Status>([&](auto cb) { store.revokeRunner(user->record.id, cb); }).ok());
  EXPECT_FALSE(
      redis.await<Status>([&](auto cb) { store.revoke("alice", runner->record.id, cb); }).ok());
  ASSERT_TRUE(
      redis.await<Status>([&](auto cb) { store.revokeRunner(runner->record.id, cb); }).ok());
  auto gone = redis.await<Result<std::optional<ApiTokenRecord>>>(
      [&](auto cb) { store.lookup(sha256Hex(runner->token), cb); });
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto empty =
      redis.await<Result<std::vector<ApiTokenRecord>>>([&](auto cb) { store.listRunners(cb); });
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace triggerd
