// The webhook path's trigger cache, without I/O: reuse by stored text, freshness by the time of
// the read, and what a change made through this triggerd or a vanished trigger leaves behind.
#include "handlers/trigger_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::steady_clock::time_point;

class TriggerCacheTest : public ::testing::Test {
 protected:
  // Decodes "<secret>" into a trigger with that secret, counting the decodes.
  TriggerCache::Decode decode = [this](std::string_view raw) -> Result<Trigger> {
    ++decodes;
    Trigger t;
    t.id = "T1";
    t.secret = std::string(raw);
    return t;
  };
  TriggerCache cache{1000000};
  int decodes = 0;
  Time t0 = Time{} + 1h;
};

TEST_F(TriggerCacheTest, TheSameStoredTextIsDecodedOnce) {
  auto a = cache.trigger("T1", "one", decode, t0);
  auto b = cache.trigger("T1", "one", decode, t0 + 10ms);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->trigger, b->trigger);
  EXPECT_EQ(decodes, 1);
  auto c = cache.trigger("T1", "two", decode, t0 + 20ms);  // changed in Redis
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->trigger, a->trigger);
  EXPECT_EQ(c->trigger->secret, "two");
  EXPECT_EQ(decodes, 2);
}

TEST_F(TriggerCacheTest, FreshUntilTheMaxAgeCountedFromTheLastRead) {
  EXPECT_FALSE(cache.fresh("T1", t0, 1s));  // never read
  ASSERT_TRUE(cache.trigger("T1", "one", decode, t0).ok());
  EXPECT_TRUE(cache.fresh("T1", t0 + 999ms, 1s));
  EXPECT_FALSE(cache.fresh("T1", t0 + 1s, 1s));
  // A later read of the same text renews it; an older one (a reply that was slower) does not.
  ASSERT_TRUE(cache.trigger("T1", "one", decode, t0 + 800ms).ok());
  ASSERT_TRUE(cache.trigger("T1", "one", decode, t0 + 100ms).ok());
  EXPECT_TRUE(cache.fresh("T1", t0 + 1700ms, 1s));
  EXPECT_FALSE(cache.fresh("T1", t0 + 1800ms, 1s));
}

TEST_F(TriggerCacheTest, TextNotReadFromRedisIsNeverFresh) {
  ASSERT_TRUE(cache.trigger("T1", "one", decode).ok());  // e.g. warmed from a bulk read
  EXPECT_FALSE(cache.fresh("T1", t0, 1h));
  EXPECT_TRUE(cache.lastKnown("T1").has_value());
}

TEST_F(TriggerCacheTest, ExpireKeepsTheLastKnownTriggerForgetDropsIt) {
  ASSERT_TRUE(cache.trigger("T1", "one", decode, t0).ok());
  cache.expire("T1");  // changed through this triggerd: read it again next time
  EXPECT_FALSE(cache.fresh("T1", t0 + 1ms, 1s));
  ASSERT_TRUE(cache.lastKnown("T1").has_value());  // still verifies while Redis is down
  EXPECT_EQ(cache.lastKnown("T1")->trigger->secret, "one");
  cache.forget("T1");  // Redis no longer holds it
  EXPECT_FALSE(cache.lastKnown("T1").has_value());
  EXPECT_EQ(cache.size(), 0u);
  cache.expire("T2");  // unknown ids are no-ops
  cache.forget("T2");
}

}  // namespace
}  // namespace triggerd
