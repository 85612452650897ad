// Edits of the provider fixtures for the webhook tests, by JSON pointer
// ("/repository/clone_url"): the published payload with one field changed or gone.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <cstdint>
#include <functional>
#include <string>

#include "tests/support/fixtures.h"
#include "tests/support/json_doc.h"

namespace triggerd::webhook_test {

using testing::fixture;

inline std::string edited(const std::string& json,
                          const std::function<void(rapidjson::Document&)>& edit) {
  return testing::editedJson(json, edit);
}
inline std::string withString(const std::string& json, const char* pointer, const char* value) {
  return edited(json, [&](rapidjson::Document& d) { rapidjson::Pointer(pointer).Set(d, value); });
}
inline std::string withInt(const std::string& json, const char* pointer, int64_t value) {
  return edited(json, [&](rapidjson::Document& d) { rapidjson::Pointer(pointer).Set(d, value); });
}
inline std::string withBool(const std::string& json, const char* pointer, bool value) {
  return edited(json, [&](rapidjson::Document& d) { rapidjson::Pointer(pointer).Set(d, value); });
}
inline std::string withNull(const std::string& json, const char* pointer) {
  return edited(json, [&](rapidjson::Document& d) {
    rapidjson::Pointer(pointer).Set(d, rapidjson::Value(rapidjson::kNullType));
  });
}
inline std::string without(const std::string& json, const char* pointer) {
  return edited(json, [&](rapidjson::Document& d) { rapidjson::Pointer(pointer).Erase(d); });
}

}  // namespace triggerd::webhook_test
