// JSON in tests: parse text a test expects to be JSON, read fields by JSON pointer, edit and
// serialise. Every helper fails the test (naming the text or the pointer) instead of crashing
// on a missing field, so an unexpected answer shows up as a readable failure.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace triggerd::testing {

// The parsed document; a parse error fails the test and yields a null document.
rapidjson::Document parseJson(std::string_view text);

// The value at `pointer` ("/trigger/id", "/triggers/0"; "" is the whole value), or nullptr.
const rapidjson::Value* jsonAt(const rapidjson::Value& value, std::string_view pointer);
bool jsonHas(const rapidjson::Value& value, std::string_view pointer);
// Typed reads; absent or of another type fails the test and yields "", 0, false or 0.
std::string jsonString(const rapidjson::Value& value, std::string_view pointer);
int64_t jsonInt(const rapidjson::Value& value, std::string_view pointer);
bool jsonBool(const rapidjson::Value& value, std::string_view pointer);
// Elements of an array, or members of an object.
size_t jsonSize(const rapidjson::Value& value, std::string_view pointer);

// The value as compact JSON text.
std::string jsonText(const rapidjson::Value& value);
// Parses `text`, lets `edit` change the document, and serialises it again.
std::string editedJson(std::string_view text,
                       const std::function<void(rapidjson::Document&)>& edit);

}  // namespace triggerd::testing
