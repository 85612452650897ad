// payload::JsonParse: which parser a payload gets, and that its values outlive later parses.
#include "webhook/payload_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace triggerd::payload {
namespace {

std::string stringMember(Value obj, const char* name) {
  auto v = member(obj, name);
  std::string_view text;
  if (!v || v->get(text)) return "<absent or not a string>";
  return std::string(text);
}

TEST(JsonParseTest, ValuesOfOneParseSurviveAnotherParseAlongside) {
  JsonParse outer;
  auto a = outer.parse(R"({"name":"first","list":[1,2,3]})", "body");
  ASSERT_TRUE(a.ok()) << a.error().message;
  {
    // The thread's parser is lent to `outer`: this one must not reuse it.
    JsonParse inner;
    auto b = inner.parse(R"({"name":"second"})", "body");
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(stringMember(*b, "name"), "second");
  }
  EXPECT_EQ(stringMember(*a, "name"), "first");
  // Once both are gone the thread's parser is free again and serves the next payload.
  JsonParse next;
  auto c = next.parse(R"({"name":"third"})", "body");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(stringMember(*c, "name"), "third");
  EXPECT_EQ(stringMember(*a, "name"), "first");
}

TEST(JsonParseTest, PayloadsLargerThanTheReusedCapacityParse) {
  std::string big(JsonParse::kReusedCapacity + 100, 'x');
  std::string text = R"({"name":")" + big + R"("})";
  JsonParse parse;
  auto r = parse.parse(text, "body");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(stringMember(*r, "name"), big);
  // The thread's parser was not grown to it, and still serves small payloads.
  JsonParse small;
  auto s = small.parse(R"({"name":"small"})", "body");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(stringMember(*s, "name"), "small");
}

TEST(JsonParseTest, ErrorsNameTheInputAndTheFault) {
  struct Case {
    std::string text;
    const char* says;
  };
  const Case cases[] = {
      {"", "is empty"},
      {std::string("{\"a\":\"b\0\"}", 10), "contains a NUL byte"},
      {"{\"a\":\"\xc3\x28\"}", "is not valid UTF-8"},
      {"{\"a\":", "is not valid JSON"},
      {"{\"a\":1,}", "is not valid JSON"},
      // Stricter than a lenient parser, on purpose: no provider sends either.
      {R"({"a":123456789012345678901234567890})",
       "is not valid JSON (Problem while parsing a number)"},
      {R"({"a":"\ud800"})", "is not valid JSON (Problem while parsing a string)"},
      {"[1,2]", "must be a JSON object, not an array"},
      {"\"text\"", "must be a JSON object, not a string"},
      {std::string(2000, '[') + std::string(2000, ']'), "more than 1024 levels deep"},
  };
  for (const Case& c : cases) {
    JsonParse parse;
    auto r = parse.parse(c.text, "payload");
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_EQ(r.error().status, 400) << c.says;
    EXPECT_EQ(r.error().field, "payload") << c.says;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
}

TEST(JsonParseTest, TypeNamesForErrors) {
  JsonParse parse;
  auto r = parse.parse(R"({"n":null,"b":true,"i":-1,"u":18446744073709551615,"d":1.5,)"
                       R"("s":"x","a":[],"o":{}})",
                       "body");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::pair<const char*, const char*> expected[] = {
      {"n", "null"},     {"b", "a boolean"}, {"i", "a number"}, {"u", "a number"},
      {"d", "a number"}, {"s", "a string"},  {"a", "an array"}, {"o", "an object"}};
  for (const auto& [name, type] : expected) {
    auto v = member(*r, name);
    ASSERT_TRUE(v.has_value()) << name;
    EXPECT_STREQ(typeName(*v), type) << name;
  }
  EXPECT_FALSE(member(*r, "absent").has_value());
}

TEST(JsonParseTest, IdsAreUnsignedIntegersOrNonEmptyStrings) {
  JsonParse parse;
  auto r = parse.parse(R"({"big":18446744073709551615,"text":"abc","neg":-4,"float":4.0,)"
                       R"("empty":""})",
                       "body");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*requireId(*r, "repository", "big"), "18446744073709551615");
  EXPECT_EQ(*requireId(*r, "repository", "text"), "abc");
  for (const char* bad : {"neg", "float", "empty"}) {
    auto id = requireId(*r, "repository", bad);
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_EQ(id.error().field, std::string("repository.") + bad);
  }
  auto missing = requireId(*r, "repository", "absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "repository.absent");
}

}  // namespace
}  // namespace triggerd::payload
