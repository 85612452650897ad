#include "queue/recent_records.h"

#include <gtest/gtest.h>

#include <string>

namespace triggerd {
namespace {

JobRecord record(int n, const std::string& stream_id) {
  JobRecord r;
  r.id = "job-" + std::to_string(n);
  r.stream_id = stream_id;
  r.sha = "sha-" + std::to_string(n);
  return r;
}

TEST(RecentRecordsTest, GivesBackARecordOnceAndOnlyAtItsStreamEntry) {
  RecentRecords recent(8);
  recent.remember(record(1, "1-0"));
  recent.remember(record(2, "2-0"));
  auto first = recent.take("job-1", "1-0");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->sha, "sha-1");
  EXPECT_FALSE(recent.take("job-1", "1-0").has_value());  // taken
  // At another entry (taken back, retried): out of date, and forgotten.
  EXPECT_FALSE(recent.take("job-2", "7-0").has_value());
  EXPECT_FALSE(recent.take("job-2", "2-0").has_value());
  EXPECT_FALSE(recent.take("job-3", "3-0").has_value());  // never kept
  EXPECT_EQ(recent.size(), 0u);
}

TEST(RecentRecordsTest, KeepsTheNewestUpToItsCapacity) {
  RecentRecords recent(3);
  for (int n = 1; n <= 10; ++n) recent.remember(record(n, std::to_string(n) + "-0"));
  EXPECT_EQ(recent.size(), 3u);
  for (int n = 1; n <= 7; ++n)
    EXPECT_FALSE(recent.take("job-" + std::to_string(n), "").has_value());
  for (int n = 8; n <= 10; ++n)
    EXPECT_TRUE(recent.take("job-" + std::to_string(n), std::to_string(n) + "-0").has_value()) << n;
  // Taking and remembering many times over stays within the capacity.
  for (int n = 11; n <= 1000; ++n) {
    recent.remember(record(n, "x"));
    if (n % 2 == 0) recent.take("job-" + std::to_string(n), "x");
  }
  EXPECT_LE(recent.size(), 3u);
  RecentRecords none(0);
  none.remember(record(1, "1-0"));
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace
}  // namespace triggerd
