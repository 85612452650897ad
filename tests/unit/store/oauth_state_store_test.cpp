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
  auto state = redis.await<Result<std::string>>([&](auto cb) {
    store.issue(OAuthFlow{"alice", OAuthFlow::Proof::kSession, ""}, std::chrono::seconds(600), rng,
                cb);
  });
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

TEST(OAuthStateStore, AFlowKeepsHowItMustBeCompleted) {
  RedisLoop redis;
  SecureRandom rng;
  OAuthStateStore store(redis.client(), Keys());
  auto issue = [&](const OAuthFlow& flow) {
    auto state = redis.await<Result<std::string>>(
        [&](auto cb) { store.issue(flow, std::chrono::seconds(600), rng, cb); });
    EXPECT_TRUE(state.ok());
    auto taken =
        redis.await<Result<std::optional<OAuthFlow>>>([&](auto cb) { store.take(*state, cb); });
    EXPECT_TRUE(taken.ok() && taken->has_value());
    return **taken;
  };
  OAuthFlow console = issue({"alice", OAuthFlow::Proof::kSession, std::string(64, 'c')});
  EXPECT_EQ(console.proof, OAuthFlow::Proof::kSession);
  EXPECT_EQ(console.session, std::string(64, 'c'));
  OAuthFlow handoff = issue({"bob", OAuthFlow::Proof::kHandoff, ""});
  EXPECT_EQ(handoff.user, "bob");
  EXPECT_EQ(handoff.proof, OAuthFlow::Proof::kHandoff);
  EXPECT_TRUE(handoff.session.empty());

  // A state written before flows named their proof still asks for a session of its user.
  redis.server().cmd({"SET", Keys().oauthState("old"), R"({"user":"carol"})", "EX", "600"});
  auto old = redis.await<Result<std::optional<OAuthFlow>>>([&](auto cb) { store.take("old", cb); });
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->proof, OAuthFlow::Proof::kSession);
  EXPECT_TRUE((*old)->session.empty());
}

TEST(OAuthStateStore, AHandoffIsRedeemedOnceAndExpires) {
  RedisLoop redis;
  SecureRandom rng;
  OAuthStateStore store(redis.client(), Keys());
  auto id = redis.await<Result<std::string>>([&](auto cb) {
    store.issueHandoff(OAuthHandoff{"alice", "gh-code-1"}, std::chrono::seconds(600), rng, cb);
  });
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->size(), 64u);
  auto ttl = redis.server().cmd({"TTL", Keys().oauthHandoff(*id)});
  EXPECT_GT(ttl.integer, 590);
  auto first = redis.await<Result<std::optional<OAuthHandoff>>>(
      [&](auto cb) { store.takeHandoff(*id, cb); });
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->user, "alice");
  EXPECT_EQ((*first)->code, "gh-code-1");
  auto second = redis.await<Result<std::optional<OAuthHandoff>>>(
      [&](auto cb) { store.takeHandoff(*id, cb); });
  EXPECT_FALSE(second->has_value());
}

}  // namespace
}  // namespace triggerd
