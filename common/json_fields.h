// The one set of helpers for JSON request bodies (triggers, rules, sources, tokens): parsing an
// object body, unknown or repeated keys, required strings, and building JSON answers. Pure.
#pragma once

#include "common/encoding.h"
#include "common/json.h"

#include <span>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/result.h"

namespace triggerd {

// The allowed name `name` was most likely meant to be (same letters in another case, at most
// two edits away, or a prefix of at least 3 letters), or empty when none is close. Feeds
// "did you mean ...?" hints.
std::string_view closestName(std::string_view name, std::span<const std::string_view> allowed);

// Fails with 422 when `object` has a key not in `allowed`, or the same key twice, so a typo
// such as "dockerFile" is never silently ignored. `prefix` is the object's own field path
// ("" at the top level); the error's field is prefix.key.
Status checkObjectKeys(const rapidjson::Value& object, const std::string& prefix,
                       std::span<const std::string_view> allowed);

// Parses a request body that must be a JSON object whose keys are all in `allowed` (400 for
// bad JSON or another type, 422 naming an unknown key). An empty body is an empty object when
// `empty_ok`.
Result<rapidjson::Document> parseObjectBody(std::string_view body,
                                            std::span<const std::string_view> allowed,
                                            bool empty_ok = false);

// The trimmed, non-empty string at obj[name]; 422 naming the field with `hint` otherwise.
Result<std::string> requiredString(const rapidjson::Value& obj, const char* name,
                                   std::string_view hint);

// Builds a JSON text with a writer: json::build([&](json::Writer& w) { ... }).
namespace json {
template <typename Fn>
std::string build(Fn&& fn) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  fn(w);
  return std::string(buf.GetString(), buf.GetSize());
}
}  // namespace json

// prefix.key, or key alone at the top level.
std::string fieldPath(const std::string& prefix, std::string_view key);

// The list as `"a", "b" and "c"`, for messages that name the valid choices.
std::string quotedList(std::span<const std::string_view> names);

}  // namespace triggerd
