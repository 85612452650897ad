// The compact --rule syntax of `triggerctl triggers create/update`, turned into the API's JSON
// "rules" array. Pure: no I/O.
//
//   KIND:PATTERN=TAG[,TAG...]
//
// KIND is `branch` or `tag`; PATTERN is the RE2 pattern the whole branch or tag name must match
// and runs from the first ':' to the first '=' (so it may contain ':' and ',' but never '=');
// TAGS are the image tag templates, separated by ',' (blanks around each are ignored; image tags
// can hold neither ',' nor '='). Anything richer (dockerfile, context, build_args, paths) goes
// through --rules-file. The daemon validates patterns and templates; this parser only splits.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace triggerd::cli {

struct RuleSpec {
  std::string kind;   // branch | tag
  std::string match;  // RE2 pattern
  std::vector<std::string> tags;
};

// Parses one spec. `field` names it in errors (e.g. "--rule[2]"); errors are 400.
Result<RuleSpec> parseRuleSpec(std::string_view spec, const std::string& field = "--rule");
// Parses every spec, in order; the first error wins and names the spec's position.
Result<std::vector<RuleSpec>> parseRuleSpecs(const std::vector<std::string>& specs);

// [{"kind": ..., "match": ..., "tags": [...]}, ...]
void writeRuleSpecs(json::Writer& w, const std::vector<RuleSpec>& rules);
std::string ruleSpecsJson(const std::vector<RuleSpec>& rules);

// Reads a --rules-file: a JSON array of rules, an object with a "rules" array, or the answer of
// `triggerctl --json triggers show` ({"trigger": {"rules": [...]}}) so it can be edited and fed
// back. Returns the array as compact JSON text; errors are 400 and name the file.
Result<std::string> rulesFromFileText(std::string_view text, const std::string& path);

}  // namespace triggerd::cli
