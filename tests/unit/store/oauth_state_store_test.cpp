#include "store/oauth_state_store.h"

#include <gtest/gtest.h>

#include "tests/support/redis_loop.h"

namespace triggerd {
namespace {

using testing::RedisLoop;

TEST(OAuthStateStore, StateIsRandomExpiresAndWorksOnce) {
  RedisLoop redis;
  SecureRandom rng;
  OAuthStateStore store(redis.client(), Keys());
  auto state = redis.await<Result<std::string>>(
      [&](auto cb) { store.issue(OAuthFlow{"alice"}, std::chrono::seconds(600), rng, cb); });
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->size(), 64u);
  auto ttl = redis.server().cmd({"TTL", Keys().oauthState(*state)});
  EXPECT_GT(ttl.integer, 590);
  EXPECT_LE(ttl.integer, 600);

  auto first =
      redis.await<Result<std::optional<OAuthFlow>>>([&](auto cb) { store.take(*state, cb); });
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->user, "alice");
  auto second =
      redis.await<Result<std::optional<OAuthFlow>>>([&](auto cb) { store.take(*state, cb); });
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());

  auto unknown = redis.await<Result<std::optional<OAuthFlow>>>(
      [&](auto cb) { store.take(std::string(64, 'a'), cb); });
  EXPECT_FALSE(unknown->has_value());
}

}  // namespace
}  // namespace triggerd
