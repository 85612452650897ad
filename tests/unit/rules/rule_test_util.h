// Helpers shared by the rules unit tests: JSON text in, rules out.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "rules/build_rule.h"
#include "tests/support/error_checks.h"
#include "tests/support/json_doc.h"

namespace triggerd::testing {

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

}  // namespace triggerd::testing
