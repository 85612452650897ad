#include "credentials/source.h"

#include <chrono>

#include "common/clock.h"

namespace triggerd {

const char* sourceStateName(SourceState s) {
  switch (s) {
    case SourceState::kValid:
      return "valid";
    case SourceState::kExpiring:
      return "expiring";
    case SourceState::kExpired:
      return "expired";
    case SourceState::kRevoked:
      return "revoked";
  }
  return "valid";
}

SourceState Source::state(int64_t now, int64_t warning_seconds) const {
  if (expires_at && *expires_at <= now) return SourceState::kExpired;
  if (revoked) return SourceState::kRevoked;
  if (expires_at && *expires_at - now <= warning_seconds) return SourceState::kExpiring;
  return SourceState::kValid;
}

void writeSourcePublic(json::Writer& w, const Source& s, int64_t now, int64_t warning_seconds) {
  auto rfc = [](int64_t t) {
    return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(t)));
  };
  w.StartObject();
  json::kv(w, "provider", providerName(s.provider));
  json::kv(w, "api_url", s.api_url);
  json::kv(w, "login", s.login);
  json::kv(w, "account_id", s.account_id);
  json::key(w, "scopes");
  w.StartArray();
  for (const auto& sc : s.scopes) json::str(w, sc);
  w.EndArray();
  json::key(w, "expires_at");
  if (s.expires_at)
    json::str(w, rfc(*s.expires_at));
  else
    w.Null();
  json::kv(w, "bound_at", rfc(s.bound_at));
  json::key(w, "checked_at");
  if (s.checked_at)
    json::str(w, rfc(s.checked_at));
  else
    w.Null();
  SourceState st = s.state(now, warning_seconds);
  json::kv(w, "state", sourceStateName(st));
  if (st == SourceState::kRevoked && !s.revoked_reason.empty())
    json::kv(w, "state_reason", s.revoked_reason);
  json::key(w, "private_ca");
  w.Bool(!s.ca_pem.empty());
  // An http:// GitLab server: say so wherever the source is shown.
  if (s.api_url.rfind("http://", 0) == 0) {
    json::kv(w, "transport", "plain_http");
    json::kv(w, "warning",
             "the token travels unencrypted to " + s.api_url +
                 " on every call; use an https:// address when the server offers one");
  }
  w.EndObject();
}

}  // namespace triggerd
