#include "rules/tag_template.h"

#include <algorithm>

#include "common/json_fields.h"
#include "common/log.h"
#include "rules/build_rule.h"

namespace triggerd {

namespace {

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string refPlaceholder(RefType kind) {
  return kind == RefType::kTag ? "{tag}" : "{branch}";
}

// The placeholders a rule of this kind may use, for error messages.
std::string validPlaceholders(RefType kind, int capture_groups) {
  std::string out = refPlaceholder(kind) + ", {sha}, {sha:N} (N from 1 to 40), {timestamp}";
  int usable = std::min(capture_groups, TagTemplate::kMaxGroup);
  if (usable == 1) {
    out += " and {1}";
  } else if (usable > 1) {
    out += " and {1} to {" + std::to_string(usable) + "}";
  } else {
    out += " (match has no capture groups, so {1} to {9} are not available)";
  }
  return out;
}

Error templateError(const std::string& field, std::string message) {
  return Error::unprocessable(field, std::move(message));
}

}  // namespace

Result<TagTemplate> TagTemplate::parse(std::string_view text, RefType kind, int capture_groups,
                                       const std::string& field) {
  if (text.empty()) {
    return templateError(field,
                         "tag template must not be empty; write a fixed tag such as \"latest\" "
                         "or a template such as \"{branch}-{sha:7}\"");
  }
  if (text.size() > kMaxLength) {
    return templateError(field, "tag template is " + std::to_string(text.size()) +
                                    " bytes long, at most " + std::to_string(kMaxLength) +
                                    " are allowed; shorten it (image tags end at 128 characters "
                                    "anyway)");
  }

  TagTemplate out;
  bool has_placeholder = false;
  auto addLiteral = [&out](std::string_view s) {
    if (s.empty()) return;
    if (out.parts_.empty() || out.parts_.back().kind != PartKind::kLiteral) {
      out.parts_.push_back(Part{PartKind::kLiteral, {}, 0});
    }
    out.parts_.back().literal += s;
  };

  size_t i = 0;
  while (i < text.size()) {
    size_t brace = text.find_first_of("{}", i);
    if (brace == std::string_view::npos) {
      addLiteral(text.substr(i));
      break;
    }
    addLiteral(text.substr(i, brace - i));
    // Braces only ever delimit placeholders: they are not valid in an image tag, so a stray one
    // is a typo, not text the user wants.
    if (text[brace] == '}') {
      return templateError(field, "tag template has a '}' at position " + std::to_string(brace) +
                                      " without a matching '{'; remove it or open a placeholder "
                                      "such as {sha}");
    }
    size_t close = text.find('}', brace + 1);
    if (close == std::string_view::npos) {
      return templateError(field, "tag template has a '{' at position " + std::to_string(brace) +
                                      " that is never closed; close the placeholder with '}', "
                                      "e.g. " +
                                      refPlaceholder(kind));
    }
    std::string_view name = text.substr(brace + 1, close - brace - 1);
    std::string shown = "{" + log::logValue(name, 40) + "}";
    Part part;
    if (name == "branch" || name == "tag") {
      RefType wanted = name == "branch" ? RefType::kBranch : RefType::kTag;
      if (wanted != kind) {
        return templateError(field, shown + " is not available in a " +
                                        std::string(kind == RefType::kTag ? "tag" : "branch") +
                                        " rule; use " + refPlaceholder(kind) + " for the " +
                                        std::string(kind == RefType::kTag ? "tag" : "branch") +
                                        " name");
      }
      part.kind = PartKind::kRefName;
    } else if (name == "sha") {
      part.kind = PartKind::kSha;
    } else if (name.starts_with("sha:")) {
      std::string_view digits = name.substr(4);
      int n = (allDigits(digits) && digits.size() <= 2) ? std::stoi(std::string(digits)) : 0;
      if (n < 1 || n > kMaxShaLength) {
        return templateError(field, shown +
                                        " has an invalid length; N in {sha:N} must be a whole "
                                        "number from 1 to 40, e.g. {sha:7}");
      }
      part.kind = PartKind::kSha;
      part.n = static_cast<size_t>(n);
    } else if (name == "timestamp") {
      part.kind = PartKind::kTimestamp;
    } else if (allDigits(name)) {
      int n = name.size() == 1 ? name[0] - '0' : kMaxGroup + 1;
      if (n < 1 || n > kMaxGroup) {
        return templateError(field, shown +
                                        " is not a capture group placeholder; only {1} to {9} "
                                        "can be used, for the groups of match");
      }
      if (n > capture_groups) {
        std::string message = shown + " refers to capture group " + std::to_string(n) + ", but ";
        if (capture_groups == 0) {
          message +=
              "match has no capture groups; wrap the part of match you want in parentheses, "
              "e.g. \"release/(.+)\", and use {1}";
        } else {
          message += "match has only " + std::to_string(capture_groups) + " capture group" +
                     (capture_groups == 1 ? "" : "s") + "; use " +
                     (capture_groups == 1 ? std::string("{1}")
                                          : "{1} to {" + std::to_string(capture_groups) + "}") +
                     " or add a group to match";
        }
        return templateError(field, std::move(message));
      }
      part.kind = PartKind::kGroup;
      part.n = static_cast<size_t>(n);
    } else {
      static constexpr std::string_view kNames[] = {"branch", "tag", "sha", "timestamp"};
      std::string message = "unknown placeholder " + shown + "; ";
      std::string_view hint = closestName(name, kNames);
      // Someone who typed a near-miss of {branch} in a tag rule wants the tag rule's name.
      if (hint == "branch" || hint == "tag") hint = kind == RefType::kTag ? "tag" : "branch";
      message += hint.empty() ? std::string("valid placeholders are ")
                              : "did you mean {" + std::string(hint) + "}? Valid placeholders are ";
      message += validPlaceholders(kind, capture_groups);
      return templateError(field, std::move(message));
    }
    has_placeholder = true;
    out.parts_.push_back(std::move(part));
    i = close + 1;
  }

  // A template of fixed text only renders the same tag every time; make sure there is one.
  if (!has_placeholder) {
    std::string fixed = out.parts_.empty() ? std::string() : out.parts_.front().literal;
    if (sanitizeImageTag(fixed).empty()) {
      return templateError(field, "tag template \"" + log::logValue(fixed, 60) +
                                      "\" never produces a valid image tag; use letters, digits, "
                                      "'_', '.' and '-' and start with a letter, digit or '_', "
                                      "e.g. \"latest\"");
    }
  }
  return out;
}

std::string TagTemplate::render(const TagValues& values) const {
  std::string out;
  for (const Part& part : parts_) {
    switch (part.kind) {
      case PartKind::kLiteral:
        out += part.literal;
        break;
      case PartKind::kRefName:
        out += values.ref_name;
        break;
      case PartKind::kSha:
        out += part.n == 0 ? values.sha : values.sha.substr(0, std::min(part.n, values.sha.size()));
        break;
      case PartKind::kGroup:
        if (part.n < values.groups.size()) out += values.groups[part.n];
        break;
      case PartKind::kTimestamp:
        out += values.timestamp;
        break;
    }
  }
  return out;
}

}  // namespace triggerd
