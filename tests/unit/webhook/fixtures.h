// Fixture loading and JSON editing helpers for the webhook tests.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "tests/support/subprocess.h"

namespace triggerd::webhook_test {

// The bytes of tests/fixtures/<relative>, as the provider published them.
inline std::string fixture(const std::string& relative) {
  // ctest sets TRIGGERD_SOURCE_DIR; a binary run by hand falls back to the configured tree.
  setenv("TRIGGERD_SOURCE_DIR", TRIGGERD_WEBHOOK_TEST_SOURCE_DIR, /*overwrite=*/0);
  std::string text =
      triggerd::testing::readFile(triggerd::testing::sourcePath("tests/fixtures/" + relative));
  EXPECT_FALSE(text.empty()) << "fixture tests/fixtures/" << relative << " is missing";
  return text;
}

// Parses `json`, lets `edit` change the document, and serialises it again.
inline std::string edited(const std::string& json,
                          const std::function<void(rapidjson::Document&)>& edit) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError());
  edit(doc);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Shorthands for the common edits, by JSON pointer ("/repository/clone_url").
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
