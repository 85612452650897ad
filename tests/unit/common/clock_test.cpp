#include "common/clock.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point at(int64_t unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

TEST(Clock, FormatsRfc3339AndCompactUtc) {
  EXPECT_EQ(formatRfc3339(at(1764064800)), "2025-11-25T10:00:00Z");
  EXPECT_EQ(formatCompactUtc(at(1764064800)), "20251125100000");
}

TEST(Clock, ParsesOffsetsDatesAndRefusesGarbage) {
  system_clock::time_point t;
  ASSERT_TRUE(parseIso8601("2025-11-25T12:00:00+02:00", &t));
  EXPECT_EQ(t, at(1764064800));
  ASSERT_TRUE(parseIso8601("2025-11-25", &t));
  EXPECT_EQ(t, at(1764028800));
  EXPECT_FALSE(parseIso8601("25-11-2025", &t));
  EXPECT_FALSE(parseIso8601("2025-13-01", &t));
}

TEST(Clock, ManualClockMovesWallAndMonotonicTogether) {
  ManualClock clock(100);
  auto mono = clock.monotonic();
  clock.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.unixMillis(), 101500);
  EXPECT_EQ(clock.monotonic() - mono, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace triggerd
