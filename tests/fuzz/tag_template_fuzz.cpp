// Tag templates (rules/tag_template.h): parsing "{branch}-{sha:7}" and friends against a rule's
// kind and capture groups, rendering, and turning the result into an image tag.
//
// Input: <kind: "branch" or "tag">\n<capture groups, 0-9>\n<template>
#include <cstdlib>
#include <string>

#include "rules/build_rule.h"
#include "rules/tag_template.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace triggerd;
  auto [kind_text, groups_text, text] = fuzz::fields<3>(fuzz::asText(data, size));
  RefType kind = kind_text == "tag" ? RefType::kTag : RefType::kBranch;
  int groups = groups_text.size() == 1 && groups_text[0] >= '0' && groups_text[0] <= '9'
                   ? groups_text[0] - '0'
                   : 0;
  auto parsed = TagTemplate::parse(text, kind, groups, "rules[0].tags[0]");
  if (!parsed.ok()) {
    if (parsed.error().status != 422 || parsed.error().message.empty()) std::abort();
    return 0;
  }
  TagValues values;
  values.ref_name = "release/2025.11-rc.1";
  values.sha = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
  values.timestamp = "20251125100000";
  values.groups = {"release/2025.11-rc.1", "release", "2025", "11", "rc.1", "", "x", "y", "z", "w"};
  std::string rendered = parsed->render(values);
  std::string tag = sanitizeImageTag(rendered);
  if (tag.size() > 128 || sanitizeImageTag(tag) != tag) std::abort();  // valid and stable
  return 0;
}
