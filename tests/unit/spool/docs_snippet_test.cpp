// docs/spool.md gives operators a script that dumps spool files; it must read what the spool
// writes, and flag a damaged record.
#include <gtest/gtest.h>

#include <chrono>

#include "spool/spool_record.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {
namespace {

constexpr char kMarker[] = "<!-- spool-dump: tested by tests/unit/spool/docs_snippet_test.cpp -->";

std::string dumpScript() {
  std::string docs = readFile(sourcePath("docs/spool.md"));
  size_t marker = docs.find(kMarker);
  EXPECT_NE(marker, std::string::npos) << "docs/spool.md lacks the spool-dump marker";
  size_t begin = docs.find("```python\n", marker);
  size_t end = docs.find("```\n", begin + 1);
  if (marker == std::string::npos || begin == std::string::npos || end == std::string::npos) {
    return "";
  }
  begin += 10;
  return docs.substr(begin, end - begin);
}

std::string runDump(const TempDir& tmp, const std::string& file) {
  tmp.write("spool-dump.py", dumpScript(), 0700);
  Subprocess dump({"python3", tmp.file("spool-dump.py"), tmp.file(file)}, tmp.file("dump.log"));
  EXPECT_EQ(dump.wait(std::chrono::seconds(30)), 0) << dump.log();
  return dump.log();
}

TEST(SpoolDocs, TheDumpScriptReadsSpoolRecords) {
  TempDir tmp;
  std::string seg;
  spool::appendRecord(seg, 41, 1764064800000, R"({"delivery":"d1"})");
  spool::appendRecord(seg, 42, 1764064801000, "second");
  tmp.write("1.seg", seg);
  std::string out = runDump(tmp, "1.seg");
  EXPECT_NE(out.find(":0 seq=41 appended=2025-11-25T10:00:00Z bytes=17 ok "
                     "b'{\"delivery\":\"d1\"}'"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(":49 seq=42 appended=2025-11-25T10:00:01Z bytes=6 ok b'second'"),
            std::string::npos)
      << out;

  seg[seg.size() - 1] = 'D';
  tmp.write("2.seg", seg);
  out = runDump(tmp, "2.seg");
  EXPECT_NE(out.find("seq=42 appended=2025-11-25T10:00:01Z bytes=6 CHECKSUM MISMATCH"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace triggerd::testing
