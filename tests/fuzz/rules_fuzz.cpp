// Build rules (rules/): validation and RE2 compilation of a rules array, then matching pushes
// against it, tag rendering and path globs. Properties: rules that validate also compile, write
// back to JSON that validates to the same rules, and plan only valid, distinct image tags.
//
// Input: a JSON rules array, or an object with a "rules" member (a trigger body).
#include <chrono>
#include <cstdlib>
#include <string>

#include "common/json.h"
#include "rules/build_rule.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace triggerd;

void require(bool condition) {
  if (!condition) std::abort();
}

PushEvent push(RefType type, std::string name) {
  PushEvent p;
  p.ref = (type == RefType::kTag ? "refs/tags/" : "refs/heads/") + name;
  p.ref_type = type;
  p.ref_name = std::move(name);
  p.after = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
  p.head.sha = p.after;
  CommitInfo c;
  c.sha = p.after;
  c.added = {"services/api/main.go", "docs/README.md"};
  c.modified = {"Dockerfile", "web/src/app.ts"};
  c.removed = {".github/workflows/ci.yml"};
  p.commits = {c};
  return p;
}

std::string write(const std::vector<BuildRule>& rules) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  writeRules(w, rules);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = json::parse(fuzz::asText(data, size), "rules");
  if (!doc.ok()) return 0;
  const rapidjson::Value* value = &*doc;
  if (doc->IsObject()) {
    value = json::member(*doc, "rules");
    if (!value) return 0;
  }
  auto rules = parseRules(*value);
  if (!rules.ok()) {
    require(rules.error().status == 422 && !rules.error().message.empty());
    return 0;
  }

  std::string written = write(*rules);
  auto reread = json::parse(written, "rules");
  require(reread.ok());
  auto again = parseRules(*reread);
  require(again.ok() && write(*again) == written);

  auto compiled = CompiledRules::compile(*rules);
  require(compiled.ok());
  const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1764064800));
  for (const PushEvent& p : {push(RefType::kBranch, "main"), push(RefType::kBranch, "feature/x-1"),
                             push(RefType::kTag, "v1.20.3")}) {
    for (const PlannedBuild& b : planBuilds(*compiled, p, at)) {
      require(b.rule_index < rules->size());
      require(!b.tags.empty());
      for (size_t i = 0; i < b.tags.size(); ++i) {
        require(sanitizeImageTag(b.tags[i]) == b.tags[i]);  // already a valid image tag
        for (size_t j = 0; j < i; ++j) require(b.tags[j] != b.tags[i]);
      }
    }
  }
  return 0;
}
