#include "common/json_fields.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/encoding.h"
#include "common/log.h"

namespace triggerd {

namespace {

// Edit distance, or limit + 1 as soon as it is certain to exceed `limit`.
size_t boundedEditDistance(std::string_view a, std::string_view b, size_t limit) {
  if (a.size() > b.size() + limit || b.size() > a.size() + limit) return limit + 1;
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string_view closestName(std::string_view name, std::span<const std::string_view> allowed) {
  // Names are short identifiers; anything long is not a typo of one of them.
  if (name.empty() || name.size() > 64) return {};
  std::string lowered = toLower(name);
  std::string_view best;
  size_t best_distance = 3;
  std::string_view prefix_of;
  for (std::string_view candidate : allowed) {
    if (lowered == candidate) return candidate;
    // A shortened key ("repo", "docker") is a clear intent too, though weaker than a typo.
    if (prefix_of.empty() && lowered.size() >= 3 && candidate.starts_with(lowered)) {
      prefix_of = candidate;
    }
    // Short names are too easy to hit by accident ("id" is one edit from "i"): demand closeness.
    size_t limit = candidate.size() <= 4 ? 1 : 2;
    size_t d = boundedEditDistance(lowered, candidate, limit);
    if (d <= limit && d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best.empty() ? prefix_of : best;
}

std::string fieldPath(const std::string& prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  std::string out = prefix;
  out += '.';
  out += key;
  return out;
}

std::string quotedList(std::span<const std::string_view> names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " and " : ", ";
    out += '"';
    out += names[i];
    out += '"';
  }
  return out;
}

Status checkObjectKeys(const rapidjson::Value& object, const std::string& prefix,
                       std::span<const std::string_view> allowed) {
  std::vector<std::string_view> seen;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string_view key(it->name.GetString(), it->name.GetStringLength());
    bool known = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
    if (!known) {
      std::string message = "unknown key \"" + log::logValue(key, 60) + "\"; ";
      std::string_view hint = closestName(key, allowed);
      if (!hint.empty()) {
        message += "did you mean \"" + std::string(hint) + "\"? Valid keys are ";
      } else {
        message += "remove it or use one of the valid keys: ";
      }
      message += quotedList(allowed);
      return Error::unprocessable(fieldPath(prefix, log::logValue(key, 60)), std::move(message));
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return Error::unprocessable(
          fieldPath(prefix, key),
          "key \"" + std::string(key) + "\" appears more than once; keep only one of them");
    }
    seen.push_back(key);
  }
  return okStatus();
}

Result<rapidjson::Document> parseObjectBody(std::string_view body,
                                            std::span<const std::string_view> allowed,
                                            bool empty_ok) {
  if (empty_ok && trim(body).empty()) {
    rapidjson::Document empty;
    empty.SetObject();
    return empty;
  }
  auto doc = json::parse(body);
  if (!doc.ok()) return doc.error();
  if (!doc->IsObject()) {
    return Error::badRequest(
        "body", std::string("the body must be a JSON object, got ") + jsonTypeName(*doc));
  }
  if (auto st = checkObjectKeys(*doc, "", allowed); !st.ok()) return st.error();
  return doc;
}

Result<std::string> requiredString(const rapidjson::Value& obj, const char* name,
                                   std::string_view hint) {
  const auto* v = json::member(obj, name);
  if (!v) return Error::unprocessable(name, "required: " + std::string(hint));
  if (!v->IsString()) return Error::unprocessable(name, "must be a string");
  std::string s(trim(std::string_view(v->GetString(), v->GetStringLength())));
  if (s.empty()) return Error::unprocessable(name, "must not be empty: " + std::string(hint));
  return s;
}

}  // namespace triggerd
