// Build rules: which refs of a trigger build, and into which image tags. Pure: no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/result.h"
#include "rules/tag_template.h"
#include "webhook/push_event.h"

namespace re2 {
class RE2;
}

namespace triggerd {

struct BuildRule {
  RefType kind = RefType::kBranch;
  std::string match;              // RE2 pattern, full match against the branch or tag name
  std::vector<std::string> tags;  // templates: {branch} {tag} {sha} {sha:N} {1}..{9} {timestamp}
  std::string dockerfile = "Dockerfile";
  std::string context = ".";
  std::vector<std::pair<std::string, std::string>> build_args;  // in the order given
  std::vector<std::string> paths;                               // globs; empty = every push builds
};

// Limits on what one trigger's rules may hold; parseRules rejects anything larger with 422.
inline constexpr size_t kMaxRules = 32;
inline constexpr size_t kMaxTagsPerRule = 16;
inline constexpr size_t kMaxBuildArgs = 64;
inline constexpr size_t kMaxPathGlobs = 64;
inline constexpr size_t kMaxPatternLength = 1024;  // bytes of a match pattern
inline constexpr size_t kMaxGlobLength = 1024;
inline constexpr int64_t kMaxPatternMemory = 1 << 20;  // RE2 max_mem per compiled pattern

// Validates a JSON "rules" array. Errors are 422 and name the field, e.g. "rules[1].match",
// with what is wrong and how to fix it. With `check_semantics` (API input) patterns are compiled
// to prove they are valid RE2 and templates, paths and build args are checked; without it (rules
// read back from the store, checked when saved) only the structure is read and nothing is
// compiled: CompiledRules::compile checks them again when a verified delivery needs them.
Result<std::vector<BuildRule>> parseRules(const rapidjson::Value& rules,
                                          bool check_semantics = true);
void writeRules(json::Writer& w, const std::vector<BuildRule>& rules);

// A trigger's rules with their patterns compiled once, reused across deliveries.
class CompiledRules {
 public:
  // Refuses (422 naming the pattern) rules whose programs together exceed max_program_size,
  // stopping at the first pattern over it.
  static Result<CompiledRules> compile(std::vector<BuildRule> rules,
                                       size_t max_program_size = SIZE_MAX);
  const std::vector<BuildRule>& rules() const { return rules_; }
  const re2::RE2& pattern(size_t i) const { return *patterns_[i]; }
  // Rule i's tag templates, parsed once here rather than for every delivery.
  const std::vector<TagTemplate>& templates(size_t i) const { return templates_[i]; }
  // RE2 program instructions of every pattern together: what the rules cost in memory.
  size_t programSize() const { return program_size_; }

 private:
  std::vector<BuildRule> rules_;
  std::vector<std::shared_ptr<re2::RE2>> patterns_;
  std::vector<std::vector<TagTemplate>> templates_;
  size_t program_size_ = 0;
};

// One build a push asks for: the rule that matched and its rendered, valid, de-duplicated tags.
struct PlannedBuild {
  size_t rule_index = 0;
  std::vector<std::string> tags;
};

// Matches a push against the rules. A rule fires when its kind matches the ref type, its
// pattern fully matches the ref name, and (when it has paths) a pushed commit touches a
// matching path or the commit list is truncated. The skip markers are not checked here.
std::vector<PlannedBuild> planBuilds(const CompiledRules& rules, const PushEvent& push,
                                     std::chrono::system_clock::time_point received_at);

// Replaces characters invalid in an image tag with '-' (one per UTF-8 character), drops leading
// '.' and '-' (a tag cannot start with them) and clips to 128 characters; empty when nothing
// valid remains. Valid: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
std::string sanitizeImageTag(std::string_view raw);
// Glob match for path filters: '*' within a segment, '**' across segments, '?' one character.
// The whole path must match. Runs in O(pattern × path) time whatever the pattern.
bool globMatch(std::string_view pattern, std::string_view path);
// Checks a path glob as parseRules does (relative, no "..", closed '[' classes); 422 at `field`.
Status validateGlob(std::string_view pattern, const std::string& field);

}  // namespace triggerd
