#include "spool/spool_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/support/subprocess.h"

namespace triggerd::spool {
namespace {

using triggerd::testing::readFile;
using triggerd::testing::TempDir;

mode_t modeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(SpoolDirectory, CreatesAMissingDirectoryAndItsParentsPrivate) {
  TempDir tmp;
  std::string path = tmp.file("state/spool");
  auto dir = SpoolDirectory::open(path);
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  EXPECT_EQ(modeOf(path), 0700u);
  EXPECT_EQ(modeOf(tmp.file("state")), 0700u);
  EXPECT_EQ(dir->file("consumed"), path + "/consumed");
  EXPECT_TRUE(dir->sync().ok());
}

TEST(SpoolDirectory, RefusesAWorldWritableDirectory) {
  TempDir tmp;
  std::string path = tmp.file("spool");
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0777), 0);
  auto dir = SpoolDirectory::open(path);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("writable by every user"), std::string::npos);
  EXPECT_NE(dir.error().message.find("chmod 700 " + path), std::string::npos);
  ASSERT_EQ(::chmod(path.c_str(), 0750), 0);  // group-readable is fine
  EXPECT_TRUE(SpoolDirectory::open(path).ok());
}

TEST(SpoolDirectory, RefusesAFileARelativePathAndASecondUser) {
  TempDir tmp;
  tmp.write("file", "x");
  EXPECT_FALSE(SpoolDirectory::open(tmp.file("file")).ok());
  EXPECT_FALSE(SpoolDirectory::open("relative/spool").ok());

  auto first = SpoolDirectory::open(tmp.file("spool"));
  ASSERT_TRUE(first.ok());
  auto second = SpoolDirectory::open(tmp.file("spool"));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos);
  { SpoolDirectory released = std::move(first.value()); }  // the lock goes with it
  EXPECT_TRUE(SpoolDirectory::open(tmp.file("spool")).ok());
}

TEST(SpoolFiles, SegmentNamesSortInAppendOrderAndParseBack) {
  EXPECT_EQ(segmentFileName(42), "00000000000000000042.seg");
  EXPECT_EQ(parseSegmentFileName("00000000000000000042.seg"), 42u);
  EXPECT_EQ(parseSegmentFileName(segmentFileName(UINT64_MAX)), UINT64_MAX);
  EXPECT_FALSE(parseSegmentFileName("99999999999999999999.seg"));  // overflows
  EXPECT_FALSE(parseSegmentFileName("00000000000000000042.seg.corrupt"));
  EXPECT_FALSE(parseSegmentFileName("0000000000000000004x.seg"));
  EXPECT_FALSE(parseSegmentFileName("42.seg"));

  TempDir tmp;
  for (uint64_t id : {1000u, 7u, 42u}) tmp.write(segmentFileName(id), "");
  tmp.write("expired", "");
  tmp.write(segmentFileName(3) + ".corrupt", "");
  auto ids = listSegments(tmp.path());
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<uint64_t>{7, 42, 1000}));
}

TEST(SpoolFiles, TheCursorRoundTripsAndAGarbledOneReadsAsZero) {
  TempDir tmp;
  auto dir = SpoolDirectory::open(tmp.file("spool"));
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(readConsumedCursor(*dir), 0u);  // missing
  ASSERT_TRUE(writeConsumedCursor(*dir, 12345).ok());
  EXPECT_EQ(readFile(dir->file("consumed")), "12345\n");
  EXPECT_EQ(readConsumedCursor(*dir), 12345u);
  EXPECT_FALSE(std::filesystem::exists(dir->file("consumed.tmp")));
  for (const char* garbled : {"", "12a\n", "123", "\n", "99999999999999999999999\n"}) {
    tmp.write("spool/consumed", garbled);
    EXPECT_EQ(readConsumedCursor(*dir), 0u) << garbled;
  }
}

TEST(SpoolFiles, AppendDurablyAppends) {
  TempDir tmp;
  ASSERT_TRUE(appendDurably(tmp.file("expired"), "one ").ok());
  ASSERT_TRUE(appendDurably(tmp.file("expired"), "two").ok());
  EXPECT_EQ(readFile(tmp.file("expired")), "one two");
  EXPECT_EQ(modeOf(tmp.file("expired")), 0600u);
  EXPECT_FALSE(appendDurably(tmp.file("missing/dir/file"), "x").ok());
}

}  // namespace
}  // namespace triggerd::spool
