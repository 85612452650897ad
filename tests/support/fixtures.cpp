#include "tests/support/fixtures.h"

#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

namespace triggerd::testing {

std::string fixture(const std::string& relative) {
  std::string text = readFile(sourcePath("tests/fixtures/" + relative));
  EXPECT_FALSE(text.empty()) << "fixture tests/fixtures/" << relative << " is missing or empty";
  return text;
}

}  // namespace triggerd::testing
