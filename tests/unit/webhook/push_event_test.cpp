// hasSkipMarker: the commit-message markers that turn a push into no build.
#include "webhook/push_event.h"

#include <gtest/gtest.h>

#include <string>

namespace triggerd {
namespace {

TEST(SkipMarkerTest, RecognisesEachDocumentedMarker) {
  EXPECT_TRUE(hasSkipMarker("[skip build]"));
  EXPECT_TRUE(hasSkipMarker("[build skip]"));
  EXPECT_TRUE(hasSkipMarker("[skip ci]"));
  EXPECT_TRUE(hasSkipMarker("[ci skip]"));
}

TEST(SkipMarkerTest, MatchesAnywhereInTheMessage) {
  EXPECT_TRUE(hasSkipMarker("Fix typo [skip ci]"));
  EXPECT_TRUE(hasSkipMarker("[ci skip] docs only"));
  EXPECT_TRUE(hasSkipMarker("Update README\n\nNo code changes.\n[skip build]\n"));
  EXPECT_TRUE(hasSkipMarker("prefix[build skip]suffix"));
}

TEST(SkipMarkerTest, IgnoresLetterCase) {
  EXPECT_TRUE(hasSkipMarker("[CI SKIP]"));
  EXPECT_TRUE(hasSkipMarker("[Skip Build]"));
  EXPECT_TRUE(hasSkipMarker("wip [sKiP cI]"));
  EXPECT_TRUE(hasSkipMarker("[BUILD skip]"));
}

TEST(SkipMarkerTest, RejectsNearMisses) {
  EXPECT_FALSE(hasSkipMarker(""));
  EXPECT_FALSE(hasSkipMarker("Initial commit"));
  EXPECT_FALSE(hasSkipMarker("skip ci"));
  EXPECT_FALSE(hasSkipMarker("[skip]"));
  EXPECT_FALSE(hasSkipMarker("[ci-skip]"));
  EXPECT_FALSE(hasSkipMarker("[skip  ci]"));
  EXPECT_FALSE(hasSkipMarker("[skip ci"));
  EXPECT_FALSE(hasSkipMarker("skip ci]"));
  EXPECT_FALSE(hasSkipMarker("(skip ci)"));
  EXPECT_FALSE(hasSkipMarker("[skip\nci]"));
  EXPECT_FALSE(hasSkipMarker("[no ci]"));
}

TEST(SkipMarkerTest, HandlesBinaryAndLongMessages) {
  EXPECT_TRUE(hasSkipMarker(std::string("\0\xff[skip ci]\0", 12)));
  EXPECT_FALSE(hasSkipMarker(std::string("\0\xff\x80", 3)));
  std::string long_message(1 << 20, 'a');
  EXPECT_FALSE(hasSkipMarker(long_message));
  long_message += "[ci skip]";
  EXPECT_TRUE(hasSkipMarker(long_message));
}

}  // namespace
}  // namespace triggerd
