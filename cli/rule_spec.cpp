#include "cli/rule_spec.h"

#include "common/encoding.h"

namespace triggerd::cli {

Result<RuleSpec> parseRuleSpec(std::string_view spec, const std::string& field) {
  const std::string quoted = "\"" + std::string(spec) + "\"";
  auto colon = spec.find(':');
  if (colon == std::string_view::npos) {
    return Error::badRequest(field, quoted +
                                        " has no kind: write KIND:PATTERN=TAG[,TAG...], "
                                        "e.g. branch:main=latest,main-{sha:7}");
  }
  RuleSpec rule;
  rule.kind = std::string(spec.substr(0, colon));
  if (rule.kind != "branch" && rule.kind != "tag") {
    return Error::badRequest(
        field, quoted + ": unknown kind \"" + rule.kind + "\"; use \"branch\" or \"tag\"");
  }
  std::string_view rest = spec.substr(colon + 1);
  auto eq = rest.find('=');
  if (eq == std::string_view::npos) {
    return Error::badRequest(field, quoted +
                                        " has no tags: add =TAG[,TAG...] after the pattern, "
                                        "e.g. " +
                                        rule.kind + ":" + std::string(rest) + "=latest");
  }
  rule.match = std::string(rest.substr(0, eq));
  if (rule.match.empty()) {
    return Error::badRequest(field,
                             quoted + " has an empty pattern; use .* to match every " + rule.kind);
  }
  std::string_view tags = rest.substr(eq + 1);
  if (tags.find('=') != std::string_view::npos) {
    return Error::badRequest(field, quoted +
                                        " has more than one '=': a pattern cannot contain '=' "
                                        "in --rule; use --rules-file for such a rule");
  }
  size_t start = 0;
  while (true) {
    auto comma = tags.find(',', start);
    std::string_view tag = trim(tags.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (tag.empty()) {
      return Error::badRequest(field, quoted + " has an empty tag template (tag " +
                                          std::to_string(rule.tags.size() + 1) +
                                          "); separate templates with single commas");
    }
    rule.tags.emplace_back(tag);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return rule;
}

Result<std::vector<RuleSpec>> parseRuleSpecs(const std::vector<std::string>& specs) {
  std::vector<RuleSpec> rules;
  rules.reserve(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    // 1-based: the user counts the --rule options they typed.
    auto rule = parseRuleSpec(specs[i], "--rule #" + std::to_string(i + 1));
    if (!rule) return rule.error();
    rules.push_back(std::move(rule.value()));
  }
  return rules;
}

void writeRuleSpecs(json::Writer& w, const std::vector<RuleSpec>& rules) {
  w.StartArray();
  for (const auto& rule : rules) {
    w.StartObject();
    json::kv(w, "kind", rule.kind);
    json::kv(w, "match", rule.match);
    json::key(w, "tags");
    w.StartArray();
    for (const auto& tag : rule.tags) json::str(w, tag);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

std::string ruleSpecsJson(const std::vector<RuleSpec>& rules) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  writeRuleSpecs(w, rules);
  return std::string(buf.GetString(), buf.GetSize());
}

Result<std::string> rulesFromFileText(std::string_view text, const std::string& path) {
  auto doc = json::parse(text, path);
  if (!doc) return doc.error();
  const rapidjson::Value* rules = &doc.value();
  if (rules->IsObject()) {
    if (const auto* trigger = json::member(*rules, "trigger")) rules = trigger;
    rules = json::member(*rules, "rules");
  }
  if (!rules || !rules->IsArray()) {
    return Error::badRequest(path,
                             "must hold a JSON array of rules, or an object with a \"rules\" "
                             "array (see docs/triggerctl.md)");
  }
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  rules->Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace triggerd::cli
