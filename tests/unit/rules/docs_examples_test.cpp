// Keeps docs/build-rules.md honest: every JSON example in it must be accepted as written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json.h"
#include "rules/build_rule.h"
#include "tests/support/subprocess.h"

namespace triggerd {
namespace {

std::vector<std::string> jsonBlocks(const std::string& markdown) {
  std::vector<std::string> out;
  const std::string open = "```json\n";
  size_t at = 0;
  while ((at = markdown.find(open, at)) != std::string::npos) {
    size_t start = at + open.size();
    size_t end = markdown.find("```", start);
    if (end == std::string::npos) break;
    out.push_back(markdown.substr(start, end - start));
    at = end + 3;
  }
  return out;
}

TEST(BuildRulesDoc, EveryExampleIsAccepted) {
  std::string text = testing::readFile(testing::sourcePath("docs/build-rules.md"));
  ASSERT_FALSE(text.empty()) << "cannot read docs/build-rules.md";
  auto blocks = jsonBlocks(text);
  ASSERT_GE(blocks.size(), 5u);
  size_t rule_sets = 0;
  for (const auto& block : blocks) {
    auto doc = json::parse(block);
    ASSERT_TRUE(doc.ok()) << doc.error().message << "\n" << block;
    const rapidjson::Value* rules = doc->IsArray() ? &*doc : json::member(*doc, "rules");
    if (!rules) {
      EXPECT_TRUE(json::member(*doc, "error") && json::member(*doc, "field")) << block;
      continue;
    }
    auto parsed = parseRules(*rules);
    EXPECT_TRUE(parsed.ok()) << parsed.error().field << ": " << parsed.error().message << "\n"
                             << block;
    ++rule_sets;
  }
  EXPECT_GE(rule_sets, 5u);
}

}  // namespace
}  // namespace triggerd
