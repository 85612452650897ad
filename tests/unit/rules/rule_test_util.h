// Helpers shared by the rules unit tests: JSON text in, rules out.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "rules/build_rule.h"

namespace triggerd::testing {

inline rapidjson::Document parseJson(std::string_view text) {
  auto doc = json::parse(text);
  EXPECT_TRUE(doc.ok()) << "test JSON does not parse: " << text;
  if (!doc.ok()) return rapidjson::Document();
  return std::move(doc).value();
}

inline Result<std::vector<BuildRule>> parseRulesText(std::string_view text) {
  rapidjson::Document doc = parseJson(text);
  return parseRules(doc);
}

// Rules that must parse; fails the test (and returns none) otherwise.
inline std::vector<BuildRule> mustParseRules(std::string_view text) {
  auto rules = parseRulesText(text);
  EXPECT_TRUE(rules.ok()) << text << "\n  error at " << rules.error().field << ": "
                          << rules.error().message;
  if (!rules.ok()) return {};
  return std::move(rules).value();
}

inline CompiledRules mustCompile(std::string_view text) {
  auto compiled = CompiledRules::compile(mustParseRules(text));
  EXPECT_TRUE(compiled.ok()) << compiled.error().message;
  if (!compiled.ok()) std::abort();  // later steps would only crash less helpfully
  return std::move(compiled).value();
}

inline std::string rulesJson(const std::vector<BuildRule>& rules) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  writeRules(w, rules);
  return std::string(buf.GetString(), buf.GetSize());
}

// Every 422 names the field and says how to fix it: "<what is wrong>; <how to fix>".
inline void expectFixableError(const Error& e, std::string_view field,
                               const std::vector<std::string>& fragments) {
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.field, field) << e.message;
  EXPECT_NE(e.message.find("; "), std::string::npos)
      << "message does not say how to fix it: " << e.message;
  for (const auto& f : fragments) {
    EXPECT_NE(e.message.find(f), std::string::npos)
        << "message lacks \"" << f << "\": " << e.message;
  }
}

}  // namespace triggerd::testing
