// Small checks shared by the validators of API bodies (rules, triggers): unknown or repeated
// keys, JSON type names for messages, UTF-8 validity. Pure: no I/O.
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

// prefix.key, or key alone at the top level.
std::string fieldPath(const std::string& prefix, std::string_view key);

// The list as `"a", "b" and "c"`, for messages that name the valid choices.
std::string quotedList(std::span<const std::string_view> names);

}  // namespace triggerd
