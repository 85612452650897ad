// RapidJSON helpers shared by payload parsing, the API and job encoding.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace triggerd {

// "a string", "an object", ... for messages that say what a JSON value should have been.
const char* jsonTypeName(const rapidjson::Value& value);

namespace json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Parses untrusted JSON text; the error names the offset and RapidJSON's reason.
Result<rapidjson::Document> parse(std::string_view text, const std::string& field = "body");

// Typed getters over an object; nullptr / nullopt when absent or of another type.
const rapidjson::Value* member(const rapidjson::Value& obj, const char* name);
std::optional<std::string_view> getString(const rapidjson::Value& obj, const char* name);
std::optional<int64_t> getInt(const rapidjson::Value& obj, const char* name);
std::optional<bool> getBool(const rapidjson::Value& obj, const char* name);
// A string or a number rendered as text (ids are numbers on GitHub, sometimes strings elsewhere).
std::optional<std::string> getIdString(const rapidjson::Value& obj, const char* name);

inline void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
inline void str(Writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
inline void kv(Writer& w, std::string_view k, std::string_view v) {
  key(w, k);
  str(w, v);
}
// "k": ["a", "b", ...]
inline void strings(Writer& w, std::string_view k, const std::vector<std::string>& values) {
  key(w, k);
  w.StartArray();
  for (const auto& v : values) str(w, v);
  w.EndArray();
}

// {"error": message, "field": field} — the body of every error answer.
std::string errorBody(const Error& e);
std::string errorBody(std::string_view message, std::string_view field = {});

}  // namespace json
}  // namespace triggerd
