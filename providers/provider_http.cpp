#include "providers/provider_http.h"

#include <algorithm>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "http/rate_limit.h"

namespace triggerd::provider_http {
namespace {

constexpr size_t kMaxTokenLength = 1024;

// GitLab validation errors carry {"message": {"field": ["reason", ...]}}.
std::string flattenMessageObject(const rapidjson::Value& v) {
  std::string out;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (!out.empty()) out += "; ";
    out += std::string(it->name.GetString(), it->name.GetStringLength()) + ":";
    if (it->value.IsArray()) {
      for (const auto& item : it->value.GetArray())
        if (item.IsString()) out += " " + std::string(item.GetString(), item.GetStringLength());
    } else if (it->value.IsString()) {
      out += " " + std::string(it->value.GetString(), it->value.GetStringLength());
    }
  }
  return out;
}

}  // namespace

Status checkToken(std::string_view token, const std::string& field, std::string_view provider) {
  if (token.empty()) {
    return Error::unprocessable(field, "a " + std::string(provider) + " token is required");
  }
  if (token.size() > kMaxTokenLength) {
    return Error::unprocessable(
        field, "the " + std::string(provider) + " token is longer than 1024 characters");
  }
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return Error::unprocessable(field, "the " + std::string(provider) +
                                             " token contains spaces or characters that are "
                                             "not printable ASCII; paste the token alone");
    }
  }
  return okStatus();
}

std::string answerMessage(std::string_view body) {
  auto doc = json::parse(body);
  if (!doc.ok() || !doc->IsObject()) return {};
  std::string out;
  if (const auto* m = json::member(*doc, "message")) {
    if (m->IsString())
      out = std::string(m->GetString(), m->GetStringLength());
    else if (m->IsObject())
      out = flattenMessageObject(*m);
  }
  if (out.empty()) {
    auto error = json::getString(*doc, "error");
    auto description = json::getString(*doc, "error_description");
    if (error) out = std::string(*error);
    if (description) out += (out.empty() ? "" : ": ") + std::string(*description);
  }
  return log::logValue(out, 200);
}

bool isJson(const HttpResponse& response) {
  auto type = response.header("content-type");
  if (!type) return false;
  std::string t = toLower(trim(type->substr(0, type->find(';'))));
  return t == "application/json" || (t.size() > 5 && t.substr(t.size() - 5) == "+json");
}

std::optional<int64_t> rateLimitedFor(const HttpResponse& r, int64_t now_unix) {
  RateLimitDecision decision = decideRateLimit(r, now_unix, 0);
  if (decision.action == RateLimitDecision::Action::kNotLimited) return std::nullopt;
  return std::max<int64_t>(decision.wait.count(), 1);
}

Error transportError(const Error& cause, std::string_view provider, std::string_view base_url) {
  return Error{cause.status, "",
               "cannot reach " + std::string(provider) + " at " + std::string(base_url) + ": " +
                   cause.message};
}

std::string appendQuery(std::string url, std::string_view query) {
  if (query.empty()) return url;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += query;
  return url;
}

const Clock& clockOr(const Clock* clock) {
  static const SystemClock system_clock;
  return clock ? *clock : system_clock;
}

}  // namespace triggerd::provider_http
