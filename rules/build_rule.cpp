#include "rules/build_rule.h"

#include <re2/re2.h>

#include <algorithm>
#include <unordered_set>

#include "common/clock.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "rules/tag_template.h"

namespace triggerd {

namespace {

constexpr std::string_view kRuleKeys[] = {"kind",    "match",      "tags", "dockerfile",
                                          "context", "build_args", "paths"};
constexpr size_t kMaxRelativePathLength = 1024;
constexpr size_t kMaxBuildArgNameLength = 128;
constexpr size_t kMaxBuildArgValueLength = 4096;
constexpr size_t kMaxTagLength = 128;
constexpr char kRuleExample[] = R"({"kind": "branch", "match": "main", "tags": ["latest"]})";

std::string indexed(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

std::string str(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

bool isTagChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool isBuildArgName(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

// Compiles a rule's pattern with bounded memory; RE2 matches in linear time, so a pattern such
// as "(a+)+$" cannot stall the loop the way it would with a backtracking engine.
Result<std::shared_ptr<re2::RE2>> compilePattern(const std::string& pattern,
                                                 const std::string& field) {
  if (pattern.empty()) {
    return Error::unprocessable(field,
                                "match must not be empty; use \".*\" to build every name, "
                                "or a name such as \"main\"");
  }
  if (pattern.size() > kMaxPatternLength) {
    return Error::unprocessable(
        field, "match is " + std::to_string(pattern.size()) + " bytes long, at most " +
                   std::to_string(kMaxPatternLength) + " are allowed; shorten the pattern");
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kMaxPatternMemory);
  auto re = std::make_shared<re2::RE2>(pattern, options);
  if (re->error_code() == re2::RE2::ErrorPatternTooLarge) {
    return Error::unprocessable(field,
                                "match is too large to compile within the 1 MiB limit; "
                                "simplify it, e.g. use smaller counted repetitions such "
                                "as {1,50}");
  }
  if (!re->ok()) {
    return Error::unprocessable(field, "match is not a valid RE2 pattern (" +
                                           re->error().substr(0, 200) +
                                           "); fix the syntax (RE2 has no lookaround or "
                                           "backreferences), e.g. \"release/(.+)\"");
  }
  return re;
}

// dockerfile and context: paths inside the checked-out repository, handed to the runner.
Status checkRelativePath(std::string_view path, const std::string& field, bool is_file) {
  std::string_view name = is_file ? "dockerfile" : "context";
  if (path.empty()) {
    return Error::unprocessable(
        field, is_file ? "dockerfile must not be empty; leave it out for \"Dockerfile\" or give a "
                         "path such as \"docker/Dockerfile\""
                       : "context must not be empty; use \".\" for the repository root");
  }
  if (path.size() > kMaxRelativePathLength) {
    return Error::unprocessable(
        field, std::string(name) + " is " + std::to_string(path.size()) + " bytes long, at most " +
                   std::to_string(kMaxRelativePathLength) + " are allowed; shorten the path");
  }
  if (path.find('\0') != std::string_view::npos) {
    return Error::unprocessable(field, std::string(name) + " contains a NUL character; remove it");
  }
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Error::unprocessable(field,
                                  std::string(name) + " contains a control character; remove it");
    }
  }
  if (!isValidUtf8(path)) {
    return Error::unprocessable(field, std::string(name) + " is not valid UTF-8; fix the encoding");
  }
  const char* example = is_file ? "\"docker/Dockerfile\"" : "\"services/api\"";
  if (path.front() == '/') {
    return Error::unprocessable(field, std::string(name) +
                                           " must be relative to the repository root; drop the "
                                           "leading '/', e.g. " +
                                           example);
  }
  size_t start = 0;
  std::string_view last;
  while (true) {
    size_t slash = path.find('/', start);
    last = path.substr(start,
                       slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (last == "..") {
      return Error::unprocessable(field, std::string(name) +
                                             " must stay inside the repository; remove the "
                                             "\"..\" segment, e.g. " +
                                             example);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (is_file && (last.empty() || last == ".")) {
    return Error::unprocessable(field,
                                "dockerfile names a directory; give the Dockerfile itself, "
                                "e.g. \"docker/Dockerfile\"");
  }
  return okStatus();
}

Status checkBuildArgs(const std::vector<std::pair<std::string, std::string>>& args,
                      const std::string& prefix) {
  const std::string field = prefix + ".build_args";
  if (args.size() > kMaxBuildArgs) {
    return Error::unprocessable(field, "build_args has " + std::to_string(args.size()) +
                                           " entries, at most " + std::to_string(kMaxBuildArgs) +
                                           " are allowed; remove some, or set them in the "
                                           "Dockerfile with ARG defaults");
  }
  std::unordered_set<std::string_view> seen;
  for (const auto& [name, value] : args) {
    if (!isBuildArgName(name) || name.size() > kMaxBuildArgNameLength) {
      return Error::unprocessable(
          field, "build arg name \"" + log::logValue(name, 60) +
                     "\" is not valid; rename it: names start with a letter or '_', contain only "
                     "letters, digits and '_' and are at most 128 characters long, e.g. "
                     "\"GO_VERSION\"");
    }
    if (!seen.insert(name).second) {
      return Error::unprocessable(fieldPath(field, name), "build arg \"" + name +
                                                              "\" appears more than once; keep "
                                                              "only one of them");
    }
    if (value.find('\0') != std::string::npos) {
      return Error::unprocessable(fieldPath(field, name),
                                  "build arg value contains a NUL character; remove it");
    }
    if (value.size() > kMaxBuildArgValueLength) {
      return Error::unprocessable(fieldPath(field, name),
                                  "build arg value is " + std::to_string(value.size()) +
                                      " bytes long, at most " +
                                      std::to_string(kMaxBuildArgValueLength) +
                                      " are allowed; shorten it or move it into the repository");
    }
    if (!isValidUtf8(value)) {
      return Error::unprocessable(fieldPath(field, name),
                                  "build arg value is not valid UTF-8; fix the encoding");
    }
  }
  return okStatus();
}

Status checkRuleCount(size_t count) {
  if (count == 0) {
    return Error::unprocessable("rules", std::string("rules must hold at least one rule; add one, "
                                                     "e.g. ") +
                                             kRuleExample);
  }
  if (count > kMaxRules) {
    return Error::unprocessable(
        "rules", "rules has " + std::to_string(count) + " rules, at most " +
                     std::to_string(kMaxRules) +
                     " are allowed; merge rules that share tags with an alternation in match, "
                     "e.g. \"main|develop\"");
  }
  return okStatus();
}

// A rule that passed checkRule: its pattern and tag templates, ready for every delivery.
struct CheckedRule {
  std::shared_ptr<re2::RE2> pattern;
  std::vector<TagTemplate> templates;  // rule.tags, parsed, in order
};

// The semantic checks of one rule, shared by parseRules and CompiledRules::compile so that
// stored rules are held to the same standard as new ones.
Result<CheckedRule> checkRule(const BuildRule& rule, const std::string& prefix) {
  auto re = compilePattern(rule.match, prefix + ".match");
  if (!re.ok()) return re.error();
  const int groups = (*re)->NumberOfCapturingGroups();

  const std::string tags_field = prefix + ".tags";
  if (rule.tags.empty()) {
    return Error::unprocessable(tags_field,
                                "tags must list at least one tag template; add e.g. "
                                "\"latest\" or \"{branch}-{sha:7}\"");
  }
  if (rule.tags.size() > kMaxTagsPerRule) {
    return Error::unprocessable(
        tags_field, "tags has " + std::to_string(rule.tags.size()) + " templates, at most " +
                        std::to_string(kMaxTagsPerRule) + " are allowed; remove some");
  }
  CheckedRule checked;
  checked.templates.reserve(rule.tags.size());
  for (size_t j = 0; j < rule.tags.size(); ++j) {
    auto parsed = TagTemplate::parse(rule.tags[j], rule.kind, groups, indexed(tags_field, j));
    if (!parsed.ok()) return parsed.error();
    checked.templates.push_back(std::move(parsed).value());
  }

  if (auto st = checkRelativePath(rule.dockerfile, prefix + ".dockerfile", true); !st.ok())
    return st.error();
  if (auto st = checkRelativePath(rule.context, prefix + ".context", false); !st.ok())
    return st.error();
  if (auto st = checkBuildArgs(rule.build_args, prefix); !st.ok()) return st.error();

  const std::string paths_field = prefix + ".paths";
  if (rule.paths.size() > kMaxPathGlobs) {
    return Error::unprocessable(paths_field, "paths has " + std::to_string(rule.paths.size()) +
                                                 " globs, at most " +
                                                 std::to_string(kMaxPathGlobs) +
                                                 " are allowed; combine them with '*' or '**'");
  }
  for (size_t j = 0; j < rule.paths.size(); ++j) {
    if (auto st = validateGlob(rule.paths[j], indexed(paths_field, j)); !st.ok()) return st.error();
  }
  checked.pattern = std::move(re).value();
  return checked;
}

Error typeError(const std::string& field, std::string_view name, std::string_view expected,
                const rapidjson::Value& got, std::string_view fix) {
  return Error::unprocessable(field, std::string(name) + " must be " + std::string(expected) +
                                         ", got " + jsonTypeName(got) + "; " + std::string(fix));
}

// The JSON shape of one rule: keys, types, required members. Semantics follow in checkRule.
Result<BuildRule> parseRule(const rapidjson::Value& value, const std::string& prefix) {
  if (!value.IsObject()) {
    return Error::unprocessable(prefix, std::string("a rule must be an object, got ") +
                                            jsonTypeName(value) + "; write it as e.g. " +
                                            kRuleExample);
  }
  if (auto st = checkObjectKeys(value, prefix, kRuleKeys); !st.ok()) return st.error();

  BuildRule rule;
  const auto* kind = json::member(value, "kind");
  if (!kind) {
    return Error::unprocessable(prefix + ".kind",
                                "kind is required; set it to \"branch\" or \"tag\"");
  }
  if (!kind->IsString()) {
    return typeError(prefix + ".kind", "kind", "a string", *kind,
                     "set it to \"branch\" or \"tag\"");
  }
  std::string kind_text = str(*kind);
  if (kind_text == "branch") {
    rule.kind = RefType::kBranch;
  } else if (kind_text == "tag") {
    rule.kind = RefType::kTag;
  } else {
    return Error::unprocessable(prefix + ".kind", "kind \"" + log::logValue(kind_text, 40) +
                                                      "\" is not valid; use \"branch\" or \"tag\"");
  }

  const auto* match = json::member(value, "match");
  if (!match) {
    return Error::unprocessable(prefix + ".match",
                                "match is required; give an RE2 pattern for the " +
                                    std::string(rule.kind == RefType::kTag ? "tag" : "branch") +
                                    " names to build, e.g. \"" +
                                    (rule.kind == RefType::kTag ? "v(.+)" : "main") + "\"");
  }
  if (!match->IsString()) {
    return typeError(prefix + ".match", "match", "a string", *match,
                     "give an RE2 pattern, e.g. \"main\"");
  }
  rule.match = str(*match);

  const auto* tags = json::member(value, "tags");
  if (!tags) {
    return Error::unprocessable(prefix + ".tags",
                                "tags is required; list the image tags to "
                                "build, e.g. [\"latest\", \"{sha:7}\"]");
  }
  if (!tags->IsArray()) {
    return typeError(prefix + ".tags", "tags", "an array of strings", *tags,
                     "write e.g. [\"latest\", \"{sha:7}\"]");
  }
  for (rapidjson::SizeType j = 0; j < tags->Size(); ++j) {
    const auto& t = (*tags)[j];
    if (!t.IsString()) {
      return typeError(indexed(prefix + ".tags", j), "a tag template", "a string", t,
                       "write it in quotes, e.g. \"{branch}\"");
    }
    rule.tags.push_back(str(t));
  }

  if (const auto* dockerfile = json::member(value, "dockerfile")) {
    if (!dockerfile->IsString()) {
      return typeError(prefix + ".dockerfile", "dockerfile", "a string", *dockerfile,
                       "give a path such as \"docker/Dockerfile\", or leave it out");
    }
    rule.dockerfile = str(*dockerfile);
  }
  if (const auto* context = json::member(value, "context")) {
    if (!context->IsString()) {
      return typeError(prefix + ".context", "context", "a string", *context,
                       "give a directory such as \".\" or \"services/api\", or leave it out");
    }
    rule.context = str(*context);
  }

  if (const auto* args = json::member(value, "build_args")) {
    if (!args->IsObject()) {
      return typeError(prefix + ".build_args", "build_args", "an object of strings", *args,
                       "write e.g. {\"GO_VERSION\": \"1.22\"}");
    }
    for (auto it = args->MemberBegin(); it != args->MemberEnd(); ++it) {
      std::string name = str(it->name);
      if (!it->value.IsString()) {
        return typeError(fieldPath(prefix + ".build_args", log::logValue(name, 60)),
                         "a build arg value", "a string", it->value,
                         "put the value in quotes, e.g. \"1.22\"");
      }
      rule.build_args.emplace_back(std::move(name), str(it->value));
    }
  }

  if (const auto* paths = json::member(value, "paths")) {
    if (!paths->IsArray()) {
      return typeError(prefix + ".paths", "paths", "an array of strings", *paths,
                       "write e.g. [\"src/**\", \"Dockerfile\"], or leave it out to build on "
                       "every push");
    }
    for (rapidjson::SizeType j = 0; j < paths->Size(); ++j) {
      const auto& p = (*paths)[j];
      if (!p.IsString()) {
        return typeError(indexed(prefix + ".paths", j), "a path glob", "a string", p,
                         "write it in quotes, e.g. \"src/**\"");
      }
      rule.paths.push_back(str(p));
    }
  }
  return rule;
}

// The distinct paths the push's commits touched (head included), for path filters.
std::vector<std::string_view> changedPaths(const PushEvent& push) {
  std::unordered_set<std::string_view> seen;
  std::vector<std::string_view> out;
  auto add = [&](const CommitInfo& c) {
    for (const auto* list : {&c.added, &c.modified, &c.removed}) {
      for (const auto& p : *list) {
        if (seen.insert(p).second) out.push_back(p);
      }
    }
  };
  add(push.head);
  for (const auto& c : push.commits) add(c);
  return out;
}

bool touchesAny(const std::vector<std::string>& globs, const std::vector<std::string_view>& paths) {
  for (std::string_view path : paths) {
    for (const auto& glob : globs) {
      if (globMatch(glob, path)) return true;
    }
  }
  return false;
}

}  // namespace

Result<std::vector<BuildRule>> parseRules(const rapidjson::Value& rules, bool check_semantics) {
  if (!rules.IsArray()) {
    return Error::unprocessable("rules", std::string("rules must be an array of rule objects, "
                                                     "got ") +
                                             jsonTypeName(rules) + "; write e.g. [" + kRuleExample +
                                             "]");
  }
  if (auto st = checkRuleCount(rules.Size()); !st.ok()) return st.error();
  std::vector<BuildRule> out;
  out.reserve(rules.Size());
  for (rapidjson::SizeType i = 0; i < rules.Size(); ++i) {
    const std::string prefix = indexed("rules", i);
    auto rule = parseRule(rules[i], prefix);
    if (!rule.ok()) return rule.error();
    if (check_semantics) {
      if (auto re = checkRule(*rule, prefix); !re.ok()) return re.error();
    }
    out.push_back(std::move(rule).value());
  }
  return out;
}

void writeRules(json::Writer& w, const std::vector<BuildRule>& rules) {
  w.StartArray();
  for (const auto& rule : rules) {
    w.StartObject();
    json::kv(w, "kind", rule.kind == RefType::kTag ? "tag" : "branch");
    json::kv(w, "match", rule.match);
    json::key(w, "tags");
    w.StartArray();
    for (const auto& t : rule.tags) json::str(w, t);
    w.EndArray();
    json::kv(w, "dockerfile", rule.dockerfile);
    json::kv(w, "context", rule.context);
    json::key(w, "build_args");
    w.StartObject();
    for (const auto& [name, value] : rule.build_args) json::kv(w, name, value);
    w.EndObject();
    json::key(w, "paths");
    w.StartArray();
    for (const auto& p : rule.paths) json::str(w, p);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

Result<CompiledRules> CompiledRules::compile(std::vector<BuildRule> rules,
                                             size_t max_program_size) {
  if (auto st = checkRuleCount(rules.size()); !st.ok()) return st.error();
  CompiledRules out;
  out.patterns_.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    auto checked = checkRule(rules[i], indexed("rules", i));
    if (!checked.ok()) return checked.error();
    const auto size = static_cast<size_t>(checked->pattern->ProgramSize());
    out.program_size_ += size;
    // Stop at the first pattern over the budget: compiling the rest would only cost more time
    // on the loop for an answer that is already known.
    if (out.program_size_ > max_program_size) {
      return Error::unprocessable(
          indexed("rules", i) + ".match",
          "the rules' patterns up to this one compile to " + std::to_string(out.program_size_) +
              " RE2 instructions (this one: " + std::to_string(size) + "), more than the " +
              std::to_string(max_program_size) +
              " this triggerd allows per trigger (triggers.max_rule_program_size); use fewer "
              "or simpler patterns, e.g. \".*\" instead of long repeated classes");
    }
    out.patterns_.push_back(std::move(checked->pattern));
    out.templates_.push_back(std::move(checked->templates));
  }
  out.rules_ = std::move(rules);
  return out;
}

std::vector<PlannedBuild> planBuilds(const CompiledRules& rules, const PushEvent& push,
                                     std::chrono::system_clock::time_point received_at) {
  std::vector<PlannedBuild> out;
  const std::string timestamp = formatCompactUtc(received_at);
  std::vector<std::string_view> changed;
  bool changed_known = false;

  for (size_t i = 0; i < rules.rules().size(); ++i) {
    const BuildRule& rule = rules.rules()[i];
    if (rule.kind != push.ref_type) continue;
    const re2::RE2& re = rules.pattern(i);
    const int groups = std::min(re.NumberOfCapturingGroups(), TagTemplate::kMaxGroup);
    re2::StringPiece submatch[TagTemplate::kMaxGroup + 1];
    // Anchored at both ends: the same full match RE2::FullMatch performs, with the groups kept.
    if (!re.Match(push.ref_name, 0, push.ref_name.size(), re2::RE2::ANCHOR_BOTH, submatch,
                  groups + 1)) {
      continue;
    }
    if (!rule.paths.empty() && !push.commits_truncated) {
      if (!changed_known) {
        changed = changedPaths(push);
        changed_known = true;
      }
      if (!touchesAny(rule.paths, changed)) continue;
    }

    TagValues values;
    values.ref_name = push.ref_name;
    values.sha = push.head.sha;
    values.timestamp = timestamp;
    // A group that did not take part in the match has a null data pointer: it renders empty.
    for (int g = 1; g <= groups; ++g) {
      if (submatch[g].data() != nullptr) {
        values.groups[static_cast<size_t>(g)] =
            std::string_view(submatch[g].data(), submatch[g].size());
      }
    }

    PlannedBuild build;
    build.rule_index = i;
    for (const TagTemplate& tpl : rules.templates(i)) {
      std::string tag = sanitizeImageTag(tpl.render(values));
      if (tag.empty()) continue;
      if (std::find(build.tags.begin(), build.tags.end(), tag) == build.tags.end()) {
        build.tags.push_back(std::move(tag));
      }
    }
    if (!build.tags.empty()) out.push_back(std::move(build));
  }
  return out;
}

std::string sanitizeImageTag(std::string_view raw) {
  std::string out;
  out.reserve(std::min(raw.size(), kMaxTagLength));
  auto emit = [&out](char c) {
    // A tag must start with [A-Za-z0-9_]: leading '.' and '-' are dropped, not replaced, so
    // "/feature" and "-rc" become "feature" and "rc" rather than gaining a stray prefix.
    if (out.empty() && (c == '.' || c == '-')) return;
    if (out.size() < kMaxTagLength) out.push_back(c);
  };
  bool in_multibyte = false;
  for (char c : raw) {
    if (out.size() >= kMaxTagLength) break;
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      // One '-' per UTF-8 character: continuation bytes of a sequence add nothing.
      bool continuation = (u & 0xC0) == 0x80;
      if (!(continuation && in_multibyte)) emit('-');
      in_multibyte = true;
      continue;
    }
    in_multibyte = false;
    emit(isTagChar(u) ? c : '-');
  }
  return out;
}

}  // namespace triggerd
