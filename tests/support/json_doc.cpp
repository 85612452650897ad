#include "tests/support/json_doc.h"

#include <gtest/gtest.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json.h"

namespace triggerd::testing {
namespace {

const rapidjson::Value* typed(const rapidjson::Value& value, std::string_view pointer,
                              const char* type, bool (rapidjson::Value::*is)() const) {
  const rapidjson::Value* v = jsonAt(value, pointer);
  if (!v) {
    ADD_FAILURE() << "no " << pointer << " in " << jsonText(value);
    return nullptr;
  }
  if (!(v->*is)()) {
    ADD_FAILURE() << pointer << " is " << jsonTypeName(*v) << ", not " << type << ", in "
                  << jsonText(value);
    return nullptr;
  }
  return v;
}

}  // namespace

rapidjson::Document parseJson(std::string_view text) {
  auto doc = json::parse(text, "test JSON");
  if (!doc.ok()) {
    ADD_FAILURE() << doc.error().message << ": " << text;
    return rapidjson::Document();
  }
  return std::move(doc).value();
}

const rapidjson::Value* jsonAt(const rapidjson::Value& value, std::string_view pointer) {
  rapidjson::Pointer p(pointer.data(), pointer.size());
  if (!p.IsValid()) {
    ADD_FAILURE() << "not a JSON pointer: " << pointer;
    return nullptr;
  }
  return p.Get(value);
}

bool jsonHas(const rapidjson::Value& value, std::string_view pointer) {
  return jsonAt(value, pointer) != nullptr;
}

std::string jsonString(const rapidjson::Value& value, std::string_view pointer) {
  const auto* v = typed(value, pointer, "a string", &rapidjson::Value::IsString);
  return v ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

int64_t jsonInt(const rapidjson::Value& value, std::string_view pointer) {
  const auto* v = typed(value, pointer, "an integer", &rapidjson::Value::IsInt64);
  return v ? v->GetInt64() : 0;
}

bool jsonBool(const rapidjson::Value& value, std::string_view pointer) {
  const auto* v = typed(value, pointer, "true or false", &rapidjson::Value::IsBool);
  return v ? v->GetBool() : false;
}

size_t jsonSize(const rapidjson::Value& value, std::string_view pointer) {
  const rapidjson::Value* v = jsonAt(value, pointer);
  if (v && v->IsArray()) return v->Size();
  if (v && v->IsObject()) return v->MemberCount();
  ADD_FAILURE() << "no array or object at " << pointer << " in " << jsonText(value);
  return 0;
}

std::string jsonText(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  value.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string editedJson(std::string_view text,
                       const std::function<void(rapidjson::Document&)>& edit) {
  rapidjson::Document doc = parseJson(text);
  edit(doc);
  return jsonText(doc);
}

}  // namespace triggerd::testing
