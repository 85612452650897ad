#include "spool/segment_scan.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "spool/spool_record.h"
#include "tests/support/subprocess.h"

namespace triggerd::spool {
namespace {

using triggerd::testing::readFile;
using triggerd::testing::TempDir;

std::string threeRecords() {
  std::string seg;
  appendRecord(seg, 10, 1000, "first");
  appendRecord(seg, 11, 2000, "second");
  appendRecord(seg, 12, 3000, "third");
  return seg;
}

TEST(SegmentScan, CountsRecordsAndFindsTheFirstPendingOne) {
  TempDir tmp;
  std::string seg = threeRecords();
  tmp.write("s.seg", seg);
  auto all = scanSegment(tmp.file("s.seg"), 10, 0);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->records, 3u);
  EXPECT_EQ(all->pending, 3u);
  EXPECT_EQ(all->last_sequence, 12u);
  EXPECT_EQ(all->first_pending_offset, 0u);
  EXPECT_EQ(all->first_pending_unix_ms, 1000);
  EXPECT_EQ(all->size, seg.size());

  auto some = scanSegment(tmp.file("s.seg"), 10, 11);  // 10 and 11 consumed
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->pending, 1u);
  EXPECT_EQ(some->first_pending_offset, 2 * kRecordHeaderBytes + 5 + 6);
  EXPECT_EQ(some->first_pending_unix_ms, 3000);

  auto none = scanSegment(tmp.file("s.seg"), 10, 12);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->pending, 0u);
  EXPECT_EQ(none->first_pending_offset, seg.size());
  EXPECT_EQ(readFile(tmp.file("s.seg")), seg);  // scanning alone changes nothing
}

TEST(SegmentScan, CutsATornTailOffTheFile) {
  TempDir tmp;
  std::string seg = threeRecords();
  const uint64_t two = seg.size() - recordSize(5);
  tmp.write("s.seg", seg.substr(0, seg.size() - 3));  // the third record's write was cut short
  auto scan = scanSegment(tmp.file("s.seg"), 10, 0);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->records, 2u);
  EXPECT_EQ(scan->last_sequence, 11u);
  EXPECT_EQ(scan->torn_bytes, seg.size() - 3 - two);
  EXPECT_EQ(scan->size, two);
  EXPECT_EQ(std::filesystem::file_size(tmp.file("s.seg")), two);
  EXPECT_EQ(readFile(tmp.file("s.seg")), seg.substr(0, two));
}

TEST(SegmentScan, KeepsCorruptBytesAndTheRecordsAfterThem) {
  TempDir tmp;
  std::string seg = threeRecords();
  seg[kRecordHeaderBytes + 5 + kRecordHeaderBytes + 2] ^= 1;  // second record's payload
  tmp.write("s.seg", seg);
  auto scan = scanSegment(tmp.file("s.seg"), 10, 0);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->records, 2u);
  EXPECT_EQ(scan->pending, 2u);
  EXPECT_EQ(scan->corrupt_regions, 1u);
  EXPECT_EQ(scan->last_sequence, 12u);
  EXPECT_EQ(scan->torn_bytes, 0u);
  EXPECT_EQ(readFile(tmp.file("s.seg")), seg);  // evidence stays
}

TEST(SegmentScan, AMissingFileIsAnError) {
  TempDir tmp;
  EXPECT_FALSE(scanSegment(tmp.file("missing.seg"), 1, 0).ok());
}

}  // namespace
}  // namespace triggerd::spool
