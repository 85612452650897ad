// Checks a generated section of a doc (the text between two markers) against what the code
// renders now; with TRIGGERD_UPDATE_DOCS=1 it rewrites the section instead.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/support/subprocess.h"

namespace triggerd::testing {

inline void expectGeneratedSection(const std::string& docs_path, const std::string& begin_marker,
                                   const std::string& end_marker, const std::string& expected) {
  std::string docs = readFile(docs_path);
  size_t begin = docs.find(begin_marker);
  size_t end = docs.find(end_marker, begin == std::string::npos ? 0 : begin);
  ASSERT_NE(begin, std::string::npos) << docs_path << " lacks " << begin_marker;
  ASSERT_NE(end, std::string::npos) << docs_path << " lacks " << end_marker;
  begin += begin_marker.size();
  std::string actual = docs.substr(begin, end - begin);
  const char* update = std::getenv("TRIGGERD_UPDATE_DOCS");
  if (actual != expected && update && std::string(update) == "1") {
    docs.replace(begin, end - begin, expected);
    std::ofstream(docs_path, std::ios::binary | std::ios::trunc) << docs;
    actual = expected;
  }
  EXPECT_EQ(actual, expected) << docs_path
                              << " is out of date; rerun this test with TRIGGERD_UPDATE_DOCS=1";
}

}  // namespace triggerd::testing
