#include "rules/tag_template.h"

#include <gtest/gtest.h>

#include <string>

namespace triggerd {
namespace {

TagValues sampleValues() {
  TagValues v;
  v.ref_name = "feature/x";
  v.sha = "0123456789abcdef0123456789abcdef01234567";
  v.timestamp = "20261125100000";
  v.groups[1] = "one";
  v.groups[2] = "";
  v.groups[3] = "three";
  return v;
}

std::string render(std::string_view text, RefType kind = RefType::kBranch, int groups = 3) {
  auto t = TagTemplate::parse(text, kind, groups, "t");
  EXPECT_TRUE(t.ok()) << text << ": " << t.error().message;
  if (!t.ok()) return "<error>";
  return t->render(sampleValues());
}

TEST(TagTemplate, FixedText) {
  EXPECT_EQ(render("latest"), "latest");
  EXPECT_EQ(render("Latest Build"), "Latest Build");  // sanitising comes later
}

TEST(TagTemplate, Placeholders) {
  EXPECT_EQ(render("{branch}"), "feature/x");
  EXPECT_EQ(render("{tag}", RefType::kTag), "feature/x");
  EXPECT_EQ(render("{sha}"), "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(render("{sha:1}"), "0");
  EXPECT_EQ(render("{sha:7}"), "0123456");
  EXPECT_EQ(render("{sha:40}"), "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(render("{timestamp}"), "20261125100000");
  EXPECT_EQ(render("{1}-{2}-{3}"), "one--three");
}

TEST(TagTemplate, AdjacentPlaceholdersAndText) {
  EXPECT_EQ(render("{1}{3}"), "onethree");
  EXPECT_EQ(render("v{1}.{3}-{sha:4}.{timestamp}"), "vone.three-0123.20261125100000");
  EXPECT_EQ(render("{branch}{branch}"), "feature/xfeature/x");
}

TEST(TagTemplate, ShaShorterThanRequested) {
  auto t = TagTemplate::parse("{sha:12}", RefType::kBranch, 0, "t");
  ASSERT_TRUE(t.ok());
  TagValues v;
  v.sha = "abc";
  EXPECT_EQ(t->render(v), "abc");
  v.sha = "";
  EXPECT_EQ(t->render(v), "");
}

TEST(TagTemplate, ErrorsNameTheField) {
  auto t = TagTemplate::parse("{4}", RefType::kBranch, 3, "rules[0].tags[5]");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().status, 422);
  EXPECT_EQ(t.error().field, "rules[0].tags[5]");
  EXPECT_NE(t.error().message.find("only 3 capture groups; use {1} to {3}"), std::string::npos)
      << t.error().message;
}

TEST(TagTemplate, MoreThanNineGroupsStillOffersOneToNine) {
  auto t = TagTemplate::parse("{x}", RefType::kTag, 12, "f");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("{1} to {9}"), std::string::npos) << t.error().message;
  EXPECT_TRUE(TagTemplate::parse("{9}", RefType::kTag, 12, "f").ok());
}

TEST(TagTemplate, MaxLength) {
  EXPECT_TRUE(
      TagTemplate::parse(std::string(TagTemplate::kMaxLength, 'a'), RefType::kBranch, 0, "f").ok());
  EXPECT_FALSE(
      TagTemplate::parse(std::string(TagTemplate::kMaxLength + 1, 'a'), RefType::kBranch, 0, "f")
          .ok());
}

}  // namespace
}  // namespace triggerd
