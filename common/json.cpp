#include "common/json.h"

#include <rapidjson/error/en.h>

namespace triggerd {

const char* jsonTypeName(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "an unknown type";
}

namespace json {

Result<rapidjson::Document> parse(std::string_view text, const std::string& field) {
  rapidjson::Document doc;
  // Iterative: a deeply nested body must not overflow the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Error::badRequest(field, std::string("invalid JSON at offset ") +
                                        std::to_string(doc.GetErrorOffset()) + ": " +
                                        rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> getString(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> getInt(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (!v || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::optional<bool> getBool(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (!v || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::optional<std::string> getIdString(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (!v) return std::nullopt;
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsUint64()) return std::to_string(v->GetUint64());
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  return std::nullopt;
}

std::string errorBody(std::string_view message, std::string_view field) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  kv(w, "error", message);
  if (!field.empty()) kv(w, "field", field);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string errorBody(const Error& e) {
  return errorBody(e.message, e.field);
}

}  // namespace json
}  // namespace triggerd
