// One tag template of a build rule, e.g. "{branch}-{sha:7}", parsed into literal text and
// placeholders. Parsing checks it against the rule (kind, capture groups); rendering fills in a
// push's values. Pure: no I/O.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "webhook/push_event.h"

namespace triggerd {

// The values placeholders expand to for one push and one matching rule.
struct TagValues {
  std::string_view ref_name;                  // {branch} / {tag}
  std::string_view sha;                       // {sha}, {sha:N}
  std::string_view timestamp;                 // {timestamp}, YYYYMMDDhhmmss UTC
  std::array<std::string_view, 10> groups{};  // [1]..[9]: capture groups, empty if unmatched
};

class TagTemplate {
 public:
  static constexpr size_t kMaxLength = 256;
  static constexpr int kMaxShaLength = 40;
  static constexpr int kMaxGroup = 9;

  // Parses `text` for a rule of `kind` whose pattern has `capture_groups` groups. Errors are 422
  // at `field` and say which placeholder is wrong and what to use instead.
  static Result<TagTemplate> parse(std::string_view text, RefType kind, int capture_groups,
                                   const std::string& field);

  // The template with its placeholders filled in, not yet sanitised into a valid image tag.
  std::string render(const TagValues& values) const;

 private:
  enum class PartKind { kLiteral, kRefName, kSha, kGroup, kTimestamp };
  struct Part {
    PartKind kind = PartKind::kLiteral;
    std::string literal;  // kLiteral
    size_t n = 0;         // kSha: prefix length (0 = all); kGroup: group number
  };
  std::vector<Part> parts_;
};

}  // namespace triggerd
