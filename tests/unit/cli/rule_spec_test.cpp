#include "cli/rule_spec.h"

#include <gtest/gtest.h>

namespace triggerd::cli {
namespace {

std::string specJson(const std::vector<std::string>& specs) {
  auto rules = parseRuleSpecs(specs);
  EXPECT_TRUE(rules.ok()) << (rules.ok() ? "" : rules.error().message);
  return rules.ok() ? ruleSpecsJson(rules.value()) : "";
}

Error specError(const std::string& spec) {
  auto rule = parseRuleSpec(spec, "--rule #1");
  EXPECT_FALSE(rule.ok()) << spec;
  return rule.ok() ? Error{} : rule.error();
}

TEST(RuleSpec, BranchWithTwoTags) {
  EXPECT_EQ(specJson({"branch:main=latest,main-{sha:7}"}),
            R"([{"kind":"branch","match":"main","tags":["latest","main-{sha:7}"]}])");
}

TEST(RuleSpec, TagPatternKeepsColonsCommasAndBackslashes) {
  // The pattern runs from the first ':' to the first '='.
  EXPECT_EQ(
      specJson({R"(tag:v([0-9]+)\.([0-9]{1,3})(?:-rc)?={1}.{2},latest)"}),
      R"([{"kind":"tag","match":"v([0-9]+)\\.([0-9]{1,3})(?:-rc)?","tags":["{1}.{2}","latest"]}])");
}

TEST(RuleSpec, BlanksAroundTagsAreDropped) {
  EXPECT_EQ(specJson({"branch:release/.*= {branch} , {sha:12} "}),
            R"([{"kind":"branch","match":"release/.*","tags":["{branch}","{sha:12}"]}])");
}

TEST(RuleSpec, SeveralSpecsKeepTheirOrder) {
  EXPECT_EQ(specJson({"branch:main=latest", "tag:.*={tag}"}),
            R"([{"kind":"branch","match":"main","tags":["latest"]},)"
            R"({"kind":"tag","match":".*","tags":["{tag}"]}])");
}

TEST(RuleSpec, QuotesAreEscapedInJson) {
  EXPECT_EQ(specJson({R"(branch:a"b=x)"}), R"([{"kind":"branch","match":"a\"b","tags":["x"]}])");
}

TEST(RuleSpec, NoKind) {
  auto e = specError("main=latest");
  EXPECT_EQ(e.field, "--rule #1");
  EXPECT_NE(e.message.find("KIND:PATTERN=TAG"), std::string::npos) << e.message;
}

TEST(RuleSpec, UnknownKind) {
  auto e = specError("Branch:main=latest");
  EXPECT_NE(e.message.find("unknown kind \"Branch\""), std::string::npos) << e.message;
}

TEST(RuleSpec, NoTags) {
  auto e = specError("branch:main");
  EXPECT_NE(e.message.find("has no tags"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("branch:main=latest"), std::string::npos) << e.message;
}

TEST(RuleSpec, EmptyPattern) {
  auto e = specError("tag:=latest");
  EXPECT_NE(e.message.find("empty pattern"), std::string::npos) << e.message;
}

TEST(RuleSpec, EqualsInPatternIsRefused) {
  auto e = specError("branch:a=b=latest");
  EXPECT_NE(e.message.find("--rules-file"), std::string::npos) << e.message;
}

TEST(RuleSpec, EmptyTags) {
  EXPECT_NE(specError("branch:main=").message.find("empty tag template (tag 1)"),
            std::string::npos);
  EXPECT_NE(specError("branch:main=a,,b").message.find("(tag 2)"), std::string::npos);
  EXPECT_NE(specError("branch:main=a,").message.find("(tag 2)"), std::string::npos);
  EXPECT_NE(specError("branch:main= , a").message.find("(tag 1)"), std::string::npos);
}

TEST(RuleSpec, ErrorNamesTheSpecPosition) {
  auto rules = parseRuleSpecs({"branch:main=latest", "tag:x"});
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.error().field, "--rule #2");
  EXPECT_EQ(rules.error().status, 400);
}

TEST(RulesFile, ArrayIsPassedThroughCompact) {
  auto rules = rulesFromFileText(R"( [ {"kind": "branch", "match": "main", "tags": ["latest"],
                                       "dockerfile": "build/Dockerfile"} ] )",
                                 "rules.json");
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(
      rules.value(),
      R"([{"kind":"branch","match":"main","tags":["latest"],"dockerfile":"build/Dockerfile"}])");
}

TEST(RulesFile, ObjectWithRulesOrAShowAnswer) {
  auto a = rulesFromFileText(R"({"rules": [{"kind": "tag"}]})", "f");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value(), R"([{"kind":"tag"}])");
  auto b = rulesFromFileText(R"({"trigger": {"id": "x", "rules": [{"kind": "tag"}]}})", "f");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value(), R"([{"kind":"tag"}])");
}

TEST(RulesFile, Errors) {
  auto bad_json = rulesFromFileText("[{", "rules.json");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_EQ(bad_json.error().field, "rules.json");
  EXPECT_NE(bad_json.error().message.find("invalid JSON"), std::string::npos);
  auto not_array = rulesFromFileText(R"({"kind": "branch"})", "rules.json");
  ASSERT_FALSE(not_array.ok());
  EXPECT_NE(not_array.error().message.find("JSON array"), std::string::npos);
}

}  // namespace
}  // namespace triggerd::cli
