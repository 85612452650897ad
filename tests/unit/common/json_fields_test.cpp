#include "common/json_fields.h"

#include <gtest/gtest.h>

#include <string>

#include "common/json.h"

namespace triggerd {
namespace {

constexpr std::string_view kKeys[] = {"kind", "match", "tags", "dockerfile", "build_args"};

TEST(ClosestName, Suggestions) {
  EXPECT_EQ(closestName("dockerFile", kKeys), "dockerfile");  // case only
  EXPECT_EQ(closestName("DOCKERFILE", kKeys), "dockerfile");
  EXPECT_EQ(closestName("dokerfile", kKeys), "dockerfile");  // one edit
  EXPECT_EQ(closestName("buildargs", kKeys), "build_args");
  EXPECT_EQ(closestName("build-args", kKeys), "build_args");
  EXPECT_EQ(closestName("tag", kKeys), "tags");
  EXPECT_EQ(closestName("kinds", kKeys), "kind");
  EXPECT_EQ(closestName("mtch", kKeys), "match");
  EXPECT_EQ(closestName("docker", kKeys), "dockerfile");  // a prefix
  EXPECT_EQ(closestName("build", kKeys), "build_args");
}

TEST(ClosestName, NoSuggestionWhenFar) {
  EXPECT_EQ(closestName("colour", kKeys), "");
  EXPECT_EQ(closestName("", kKeys), "");
  EXPECT_EQ(closestName("ta", kKeys), "");  // short names need to be very close
  EXPECT_EQ(closestName("ma", kKeys), "");  // too short to be a prefix hint
  EXPECT_EQ(closestName(std::string(500, 'x'), kKeys), "");
}

TEST(QuotedList, Forms) {
  constexpr std::string_view one[] = {"a"};
  constexpr std::string_view two[] = {"a", "b"};
  constexpr std::string_view three[] = {"a", "b", "c"};
  EXPECT_EQ(quotedList(one), "\"a\"");
  EXPECT_EQ(quotedList(two), "\"a\" and \"b\"");
  EXPECT_EQ(quotedList(three), "\"a\", \"b\" and \"c\"");
}

TEST(FieldPath, JoinsWithDot) {
  EXPECT_EQ(fieldPath("", "image"), "image");
  EXPECT_EQ(fieldPath("rules[0]", "match"), "rules[0].match");
}

TEST(CheckObjectKeys, AcceptsKnownKeys) {
  auto doc = json::parse(R"({"kind": 1, "match": 2})");
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(checkObjectKeys(*doc, "rules[0]", kKeys).ok());
  auto empty = json::parse("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(checkObjectKeys(*empty, "", kKeys).ok());
}

TEST(CheckObjectKeys, UnknownKeyAtTopLevel) {
  auto doc = json::parse(R"({"kind": 1, "Match": 2})");
  ASSERT_TRUE(doc.ok());
  auto st = checkObjectKeys(*doc, "", kKeys);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().status, 422);
  EXPECT_EQ(st.error().field, "Match");
  EXPECT_NE(st.error().message.find("did you mean \"match\"?"), std::string::npos);
}

TEST(CheckObjectKeys, UnknownKeyIsEscapedInTheMessage) {
  auto doc = json::parse("{\"a\\nb\\\"c\": 1}");
  ASSERT_TRUE(doc.ok());
  auto st = checkObjectKeys(*doc, "x", kKeys);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.find('\n'), std::string::npos) << st.error().message;
}

TEST(CheckObjectKeys, DuplicateKey) {
  auto doc = json::parse(R"({"tags": 1, "kind": 2, "tags": 3})");
  ASSERT_TRUE(doc.ok());
  auto st = checkObjectKeys(*doc, "rules[4]", kKeys);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().field, "rules[4].tags");
  EXPECT_NE(st.error().message.find("more than once"), std::string::npos);
}

TEST(JsonTypeName, AllTypes) {
  auto doc = json::parse(R"([null, true, false, {}, [], "s", 1, 1.5])");
  ASSERT_TRUE(doc.ok());
  const auto& a = *doc;
  EXPECT_STREQ(jsonTypeName(a[0]), "null");
  EXPECT_STREQ(jsonTypeName(a[1]), "a boolean");
  EXPECT_STREQ(jsonTypeName(a[2]), "a boolean");
  EXPECT_STREQ(jsonTypeName(a[3]), "an object");
  EXPECT_STREQ(jsonTypeName(a[4]), "an array");
  EXPECT_STREQ(jsonTypeName(a[5]), "a string");
  EXPECT_STREQ(jsonTypeName(a[6]), "a number");
  EXPECT_STREQ(jsonTypeName(a[7]), "a number");
}

struct Utf8Case {
  std::string text;
  bool valid;
};
class Utf8 : public ::testing::TestWithParam<Utf8Case> {};
TEST_P(Utf8, Validity) {
  EXPECT_EQ(isValidUtf8(GetParam().text), GetParam().valid);
}
INSTANTIATE_TEST_SUITE_P(IsValidUtf8, Utf8,
                         ::testing::Values(Utf8Case{"", true}, Utf8Case{"ascii", true},
                                           Utf8Case{"ÄÖü", true}, Utf8Case{"日本語", true},
                                           Utf8Case{"😀", true},
                                           Utf8Case{std::string("a\0b", 3), true},
                                           Utf8Case{"\xc3", false}, Utf8Case{"\x80", false},
                                           Utf8Case{"\xff", false},
                                           Utf8Case{"\xc0\xaf", false},          // overlong '/'
                                           Utf8Case{"\xe0\x80\xaf", false},      // overlong
                                           Utf8Case{"\xed\xa0\x80", false},      // UTF-16 surrogate
                                           Utf8Case{"\xf4\x90\x80\x80", false},  // past U+10FFFF
                                           Utf8Case{"\xf4\x8f\xbf\xbf", true},   // U+10FFFF
                                           Utf8Case{"\xe2\x82", false}));

}  // namespace
}  // namespace triggerd
