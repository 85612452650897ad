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
      [&](auto cb) { store.mint("alice", "ci", "runner", rng, cb); });
  ASSERT_TRUE(minted.ok());
  EXPECT_EQ(minted->token.rfind("tdr_", 0), 0u);
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

}  // namespace
}  // namespace triggerd
