#include "common/json.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

TEST(Json, ParseErrorNamesFieldAndOffset) {
  auto doc = json::parse("{\"a\": }", "body");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().status, 400);
  EXPECT_EQ(doc.error().field, "body");
  EXPECT_NE(doc.error().message.find("offset"), std::string::npos) << doc.error().message;
}

TEST(Json, TypedGettersReturnNothingForOtherTypes) {
  auto doc = json::parse(R"({"s": "x", "i": 7, "b": true, "id": 12345678901, "sid": "9"})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(json::getString(*doc, "s"), "x");
  EXPECT_FALSE(json::getString(*doc, "i").has_value());
  EXPECT_EQ(json::getInt(*doc, "i"), 7);
  EXPECT_EQ(json::getBool(*doc, "b"), true);
  EXPECT_EQ(json::getIdString(*doc, "id"), "12345678901");
  EXPECT_EQ(json::getIdString(*doc, "sid"), "9");
  EXPECT_EQ(json::member(*doc, "missing"), nullptr);
  EXPECT_STREQ(jsonTypeName((*doc)["b"]), "a boolean");
}

TEST(Json, ErrorBodyCarriesMessageAndField) {
  EXPECT_EQ(json::errorBody(Error::unprocessable("rules[0].match", "bad \"pattern\"")),
            R"({"error":"bad \"pattern\"","field":"rules[0].match"})");
}

}  // namespace
}  // namespace triggerd
