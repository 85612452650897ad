#include "cli/json_text.h"

#include <ctime>

#include "common/json.h"

namespace triggerd::cli {

std::string valueText(const rapidjson::Value* value, const char* separator) {
  if (!value || value->IsNull()) return "";
  if (value->IsString()) return std::string(value->GetString(), value->GetStringLength());
  if (value->IsBool()) return value->GetBool() ? "yes" : "no";
  if (value->IsInt64()) return std::to_string(value->GetInt64());
  if (value->IsUint64()) return std::to_string(value->GetUint64());
  if (value->IsArray()) {
    std::string out;
    bool first = true;
    for (const auto& item : value->GetArray()) {
      if (!first) out += separator;
      first = false;
      out += valueText(&item, separator);
    }
    return out;
  }
  rapidjson::StringBuffer buf;  // doubles and objects: JSON text is the least surprising form
  json::Writer w(buf);
  value->Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string memberText(const rapidjson::Value& obj, const char* name) {
  return valueText(json::member(obj, name));
}

std::string memberTextOr(const rapidjson::Value& obj, const char* name, const char* fallback) {
  std::string text = memberText(obj, name);
  return text.empty() ? fallback : text;
}

std::string memberTimeOr(const rapidjson::Value& obj, const char* name, const char* fallback) {
  const auto* value = json::member(obj, name);
  if (value && value->IsInt64()) {
    auto seconds = static_cast<std::time_t>(value->GetInt64());
    std::tm tm{};
    char text[32];
    if (gmtime_r(&seconds, &tm) && std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
      return text;
    }
  }
  return memberTextOr(obj, name, fallback);
}

}  // namespace triggerd::cli
