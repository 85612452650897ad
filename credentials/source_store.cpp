#include "credentials/source_store.h"

#include <memory>

#include "common/digest.h"
#include "common/json.h"
#include "common/log.h"

namespace triggerd {
namespace {

// What the token is bound to. Format 1 bound it to the record name only.
std::string tokenBinding(const Source& s, int format) {
  std::string name = "source:" + s.user + ":" + providerName(s.provider);
  if (format < 2) return name;
  return name + "\napi_url=" + s.api_url + "\nca_sha256=" + sha256Hex(s.ca_pem);
}

std::string label(const std::string& user, Provider provider) {
  return user + ":" + providerName(provider);
}

Error notBound(Provider provider) {
  return Error::notFound("provider",
                         std::string("no ") + providerName(provider) + " account is bound");
}

}  // namespace

SourceStore::SourceStore(SealedRecords& records, Keys keys)
    : records_(records), keys_(std::move(keys)) {}

std::string SourceStore::encode(const Source& s) const {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::key(w, "format");
  w.Int(kFormat);
  json::kv(w, "user", s.user);
  json::kv(w, "provider", providerName(s.provider));
  json::kv(w, "api_url", s.api_url);
  json::kv(w, "login", s.login);
  json::kv(w, "account_id", s.account_id);
  json::kv(w, "token", records_.seal(s.token, tokenBinding(s, kFormat)));
  json::key(w, "scopes");
  w.StartArray();
  for (const auto& sc : s.scopes) json::str(w, sc);
  w.EndArray();
  if (s.expires_at) {
    json::key(w, "expires_at");
    w.Int64(*s.expires_at);
  }
  json::key(w, "bound_at");
  w.Int64(s.bound_at);
  json::key(w, "checked_at");
  w.Int64(s.checked_at);
  if (!s.ca_pem.empty()) json::kv(w, "ca_pem", s.ca_pem);
  json::key(w, "revoked");
  w.Bool(s.revoked);
  if (!s.revoked_reason.empty()) json::kv(w, "revoked_reason", s.revoked_reason);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<Source> SourceStore::decode(std::string_view stored) const {
  auto doc = json::parse(stored, "source");
  if (!doc.ok()) return Error::internal("stored source is corrupt: " + doc.error().message);
  const auto& d = *doc;
  auto str = [&](const char* n) { return std::string(json::getString(d, n).value_or("")); };
  Source s;
  s.user = str("user");
  auto provider = parseProvider(str("provider"));
  if (!provider) return Error::internal("stored source of " + s.user + " has no valid provider");
  s.provider = *provider;
  s.api_url = str("api_url");
  s.login = str("login");
  s.account_id = str("account_id");
  s.ca_pem = str("ca_pem");
  s.revoked = json::getBool(d, "revoked").value_or(false);
  s.revoked_reason = str("revoked_reason");
  s.bound_at = json::getInt(d, "bound_at").value_or(0);
  s.checked_at = json::getInt(d, "checked_at").value_or(0);
  if (auto e = json::getInt(d, "expires_at")) s.expires_at = *e;
  if (const auto* sc = json::member(d, "scopes"); sc && sc->IsArray())
    for (const auto& v : sc->GetArray())
      if (v.IsString()) s.scopes.emplace_back(v.GetString(), v.GetStringLength());
  auto sealed = json::getString(d, "token");
  if (!sealed)
    return Error::internal("stored source " + label(s.user, s.provider) + " has no token");
  int format = static_cast<int>(json::getInt(d, "format").value_or(1));
  auto token = records_.open(*sealed, tokenBinding(s, format),
                             "the token of source " + label(s.user, s.provider));
  if (!token.ok()) {
    TLOG_ERROR("sources",
               "user=%s provider=%s api=%s reason=%s refusing a source whose fields do not match "
               "its seal; bind the account again",
               s.user.c_str(), providerName(s.provider), log::logValue(s.api_url).c_str(),
               token.error().message.c_str());
    return token.error();
  }
  s.token = std::move(token).value();
  return s;
}

bool SourceStore::needsReseal(std::string_view stored) const {
  auto doc = json::parse(stored, "source");
  if (!doc.ok()) return false;
  if (json::getInt(*doc, "format").value_or(1) < kFormat) return true;
  auto sealed = json::getString(*doc, "token");
  return sealed && records_.needsReseal(*sealed);
}

void SourceStore::create(const Source& s, std::function<void(Status)> cb) {
  records_.create(
      keys_.source(s.user, s.provider), {{keys_.allSources(), label(s.user, s.provider)}},
      encode(s),
      [cb = std::move(cb), provider = s.provider](Result<SealedRecords::Created> created) {
        if (!created.ok()) return cb(created.error());
        if (*created != SealedRecords::Created::kYes) {
          std::string name = providerName(provider);
          return cb(Error::conflict("provider", "a " + name +
                                                    " account is already bound for "
                                                    "this user; unbind it first "
                                                    "(DELETE .../sources/" +
                                                    name + ")"));
        }
        cb(okStatus());
      });
}

void SourceStore::update(const std::string& user, Provider provider, Change change,
                         std::function<void(Result<Source>)> cb) {
  auto changed = std::make_shared<std::optional<Source>>();
  records_.update(
      keys_.source(user, provider),
      [this, change = std::move(change),
       changed](const std::string& current) -> Result<std::optional<std::string>> {
        auto s = decode(current);
        if (!s.ok()) return s.error();
        if (auto st = change(*s); !st.ok()) return st.error();
        *changed = *s;
        return std::optional<std::string>(encode(*s));
      },
      [provider, changed, cb = std::move(cb)](Result<std::optional<std::string>> r) {
        if (!r.ok()) return cb(r.error());
        if (!r->has_value() || !changed->has_value()) return cb(notBound(provider));
        cb(std::move(**changed));
      });
}

void SourceStore::get(const std::string& user, Provider provider,
                      std::function<void(Result<std::optional<Source>>)> cb) {
  records_.get(keys_.source(user, provider),
               [this, cb = std::move(cb)](Result<std::optional<std::string>> r) {
                 if (!r.ok()) return cb(r.error());
                 if (!r->has_value()) return cb(std::optional<Source>{});
                 auto s = decode(**r);
                 if (!s.ok()) return cb(s.error());
                 cb(std::optional<Source>(std::move(s).value()));
               });
}

void SourceStore::list(const std::string& user,
                       std::function<void(Result<std::vector<Source>>)> cb) {
  std::vector<std::string> keys;
  for (Provider p : kAllProviders) keys.push_back(keys_.source(user, p));
  records_.getMany(std::move(keys),
                   [this, cb = std::move(cb)](Result<std::vector<std::optional<std::string>>> r) {
                     if (!r.ok()) return cb(r.error());
                     std::vector<Source> out;
                     for (const auto& text : *r) {
                       if (!text) continue;
                       auto s = decode(*text);
                       if (!s.ok()) return cb(s.error());
                       out.push_back(std::move(s).value());
                     }
                     cb(std::move(out));
                   });
}

void SourceStore::all(
    std::function<void(Result<std::vector<std::pair<std::string, Provider>>>)> cb) {
  records_.members(keys_.allSources(), [cb = std::move(cb)](Result<std::vector<std::string>> r) {
    if (!r.ok()) return cb(r.error());
    std::vector<std::pair<std::string, Provider>> out;
    for (const auto& entry : *r) {
      auto colon = entry.rfind(':');
      if (colon == std::string::npos) continue;
      auto provider = parseProvider(std::string_view(entry).substr(colon + 1));
      if (provider) out.emplace_back(entry.substr(0, colon), *provider);
    }
    cb(std::move(out));
  });
}

void SourceStore::remove(const std::string& user, Provider provider,
                         std::function<void(Status)> cb) {
  records_.remove(keys_.source(user, provider), {{keys_.allSources(), label(user, provider)}},
                  [cb = std::move(cb), provider](Result<bool> existed) {
                    if (!existed.ok()) return cb(existed.error());
                    if (!*existed) return cb(notBound(provider));
                    cb(okStatus());
                  });
}

}  // namespace triggerd
