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

Status checkRefName(std::string_view name, const std::string& field) {
  auto bad = [&](const std::string& why) {
    return Error::unprocessable(
        field, "\"" + log::logValue(name, 80) + "\" is not a branch or tag name: " + why);
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 255) return bad("longer than 255 bytes");
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' ||
        c == '*' || c == '[' || c == '\\')
      return bad("spaces, control characters and ~^:?*[\\ are not allowed");
  }
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos ||
      name.find("@{") != std::string_view::npos)
    return bad("\"..\", \"//\" and \"@{\" are not allowed");
  if (name.front() == '/' || name.back() == '/' || name.back() == '.' ||
      (name.size() >= 5 && name.substr(name.size() - 5) == ".lock"))
    return bad("it may not start or end with '/' or end with '.' or \".lock\"");
  return okStatus();
}

Status checkSha(std::string_view sha, const std::string& field) {
  bool hex = std::all_of(sha.begin(), sha.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
  if (sha.size() < 7 || sha.size() > 64 || !hex)
    return Error::unprocessable(field, "a commit SHA is 7 to 64 hex digits");
  return okStatus();
}

std::string refPath(std::string_view name) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    out += urlEncode(name.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
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
