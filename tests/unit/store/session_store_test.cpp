#include "store/session_store.h"

#include <gtest/gtest.h>

#include "common/digest.h"
#include "store/api_token_store.h"
#include "tests/support/redis_loop.h"

namespace triggerd {
namespace {

using std::chrono::seconds;
using testing::RedisLoop;

class SessionStoreTest : public ::testing::Test {
 protected:
  // A session of alice opened with a freshly minted token; answers the cookie value.
  NewSession open(int64_t now, int64_t lifetime, seconds idle) {
    auto minted = redis_.await<Result<MintedToken>>(
        [&](auto cb) { tokens_.mint("alice", "laptop", "user", rng_, cb); });
    EXPECT_TRUE(minted.ok());
    token_ = minted->token;
    SessionRecord r;
    r.user = "alice";
    r.token_sha256 = sha256Hex(minted->token);
    r.created_at = now;
    r.expires_at = now + lifetime;
    auto s = redis_.await<Result<NewSession>>([&](auto cb) { store_.create(r, idle, rng_, cb); });
    EXPECT_TRUE(s.ok());
    return *s;
  }
  std::optional<SessionRecord> lookup(const std::string& id, int64_t now, seconds idle) {
    auto r = redis_.await<Result<std::optional<SessionRecord>>>(
        [&](auto cb) { store_.lookup(id, now, idle, cb); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  }

  RedisLoop redis_;
  SecureRandom rng_;
  Keys keys_;
  SessionStore store_{redis_.client(), keys_};
  ApiTokenStore tokens_{redis_.client(), keys_};
  std::string token_;
};

TEST_F(SessionStoreTest, TheIdIsRandomAndOnlyItsHashReachesRedis) {
  NewSession s = open(1000, 3600, seconds(600));
  EXPECT_TRUE(SessionStore::wellFormed(s.id));
  EXPECT_EQ(s.record.csrf_token.size(), 64u);
  EXPECT_NE(s.record.csrf_token, s.id);
  auto keys = redis_.server().cmd({"KEYS", "*"});
  for (const auto& k : keys.elements) EXPECT_EQ(k.str.find(s.id), std::string::npos) << k.str;
  EXPECT_EQ(redis_.server().cmd({"EXISTS", keys_.session(SessionStore::hashOf(s.id))}).integer, 1);
  auto ttl = redis_.server().cmd({"TTL", keys_.session(SessionStore::hashOf(s.id))});
  EXPECT_GT(ttl.integer, 590);
  EXPECT_LE(ttl.integer, 600);

  auto found = lookup(s.id, 1010, seconds(600));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user, "alice");
  EXPECT_EQ(found->csrf_token, s.record.csrf_token);
  EXPECT_FALSE(lookup(std::string(64, 'a'), 1010, seconds(600)));
  EXPECT_FALSE(lookup("not-an-id", 1010, seconds(600)));
}

TEST_F(SessionStoreTest, UseRestartsTheIdleClockButNeverPastTheAbsoluteEnd) {
  NewSession s = open(1000, 3600, seconds(600));
  std::string key = keys_.session(SessionStore::hashOf(s.id));
  redis_.server().cmd({"EXPIRE", key, "5"});
  ASSERT_TRUE(lookup(s.id, 1100, seconds(600)));
  EXPECT_GT(redis_.server().cmd({"TTL", key}).integer, 590);
  // 100 s before the absolute end the idle TTL is cut to what is left.
  ASSERT_TRUE(lookup(s.id, 4500, seconds(600)));
  EXPECT_LE(redis_.server().cmd({"TTL", key}).integer, 100);
  // Past the end the session is refused and removed, whatever Redis' TTL says.
  redis_.server().cmd({"EXPIRE", key, "600"});
  EXPECT_FALSE(lookup(s.id, 4600, seconds(600)));
  EXPECT_EQ(redis_.server().cmd({"EXISTS", key}).integer, 0);
}

TEST_F(SessionStoreTest, RevokingTheTokenEndsItsSessions) {
  NewSession s = open(1000, 3600, seconds(600));
  ASSERT_TRUE(lookup(s.id, 1001, seconds(600)));
  std::string id = sha256Hex(token_).substr(0, 16);
  auto revoked = redis_.await<Status>([&](auto cb) { tokens_.revoke("alice", id, cb); });
  ASSERT_TRUE(revoked.ok());
  EXPECT_FALSE(lookup(s.id, 1002, seconds(600)));
  EXPECT_EQ(redis_.server().cmd({"EXISTS", keys_.session(SessionStore::hashOf(s.id))}).integer, 0);
}

TEST_F(SessionStoreTest, RemoveEndsTheSession) {
  NewSession s = open(1000, 3600, seconds(600));
  auto st = redis_.await<Status>([&](auto cb) { store_.remove(s.id, cb); });
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(lookup(s.id, 1001, seconds(600)));
}

}  // namespace
}  // namespace triggerd
