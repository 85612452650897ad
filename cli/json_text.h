// Turning API JSON values into table cells. Pure.
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace triggerd::cli {

// A value as one line of text: strings as they are, numbers in decimal, booleans "yes"/"no",
// arrays of those joined with `separator`, objects as compact JSON; "" for null or nullptr.
std::string valueText(const rapidjson::Value* value, const char* separator = ", ");
// valueText of obj[name] (empty when obj is not an object or lacks the member).
std::string memberText(const rapidjson::Value& obj, const char* name);
// The same, but `fallback` for a missing, null or empty member (e.g. "never" for expires_at).
std::string memberTextOr(const rapidjson::Value& obj, const char* name, const char* fallback);

// A timestamp member: strings as they are (the API sends RFC 3339), integers taken as unix
// seconds and shown as UTC RFC 3339; otherwise as memberTextOr.
std::string memberTimeOr(const rapidjson::Value& obj, const char* name, const char* fallback = "");

}  // namespace triggerd::cli
