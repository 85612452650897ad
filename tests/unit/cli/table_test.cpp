#include "cli/table.h"

#include <gtest/gtest.h>

namespace triggerd::cli {
namespace {

TEST(Table, AlignsColumnsWithUpperCaseHeaders) {
  Table t({"provider", "login", "state"});
  t.addRow({"gitlab", "alice", "valid"});
  t.addRow({"github", "bob-the-builder", "expiring"});
  EXPECT_EQ(t.render(),
            "PROVIDER  LOGIN            STATE\n"
            "gitlab    alice            valid\n"
            "github    bob-the-builder  expiring\n");
}

TEST(Table, EmptyAndMissingCellsShowADash) {
  Table t({"a", "b", "c"});
  t.addRow({"", "x"});
  EXPECT_EQ(t.render(),
            "A  B  C\n"
            "-  x  -\n");
}

TEST(Table, HeaderOnlyWhenNoRows) {
  Table t({"id", "name"});
  EXPECT_EQ(t.rowCount(), 0u);
  EXPECT_EQ(t.render(), "ID  NAME\n");
}

TEST(Table, ExtraCellsAreDropped) {
  Table t({"a"});
  t.addRow({"1", "2"});
  EXPECT_EQ(t.render(), "A\n1\n");
}

TEST(Table, WidthCountsCodePointsNotBytes) {
  Table t({"name", "x"});
  t.addRow({"Zoë", "1"});
  t.addRow({"abcd", "2"});
  EXPECT_EQ(t.render(),
            "NAME  X\n"
            "Zoë   1\n"
            "abcd  2\n");
}

TEST(Table, ControlCharactersCannotBreakTheLayout) {
  Table t({"name"});
  t.addRow({"evil\n\x1b[31mred"});
  EXPECT_EQ(t.render(), "NAME\nevil??[31mred\n");
}

TEST(Fields, KeysArePaddedAndUpperCase) {
  EXPECT_EQ(renderFields({{"id", "01J"}, {"repository", "octo/app"}, {"image", ""}}),
            "ID          01J\n"
            "REPOSITORY  octo/app\n"
            "IMAGE       -\n");
}

TEST(DisplayWidth, Utf8) {
  EXPECT_EQ(displayWidth(""), 0u);
  EXPECT_EQ(displayWidth("abc"), 3u);
  EXPECT_EQ(displayWidth("\xe2\x86\x92"), 1u);  // an arrow, three bytes
}

}  // namespace
}  // namespace triggerd::cli
