#include "credentials/source_store.h"

#include "common/log.h"

namespace triggerd {
namespace {

std::string tokenAad(const std::string& user, const std::string& provider) {
  return "source:" + user + ":" + provider;
}

Error redisError(const RedisValue& v) {
  return Error::unavailable("redis error: " + v.str);
}

}  // namespace

SourceStore::SourceStore(RedisClient& redis, Keys keys, const Keyring& keyring, Random& rng)
    : redis_(redis), keys_(std::move(keys)), keyring_(keyring), rng_(rng) {}

std::string SourceStore::encode(const Source& s) const {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "user", s.user);
  json::kv(w, "provider", s.provider);
  json::kv(w, "api_url", s.api_url);
  json::kv(w, "login", s.login);
  json::kv(w, "account_id", s.account_id);
  json::kv(w, "token", keyring_.seal(s.token, tokenAad(s.user, s.provider), rng_));
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
  s.provider = str("provider");
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
  if (!sealed) return Error::internal("stored source has no token");
  auto token = keyring_.open(*sealed, tokenAad(s.user, s.provider));
  if (!token.ok())
    return Error::internal("cannot open the token of " + s.user + "/" + s.provider + ": " +
                           token.error().message);
  s.token = std::move(token).value();
  return s;
}

bool SourceStore::needsReseal(std::string_view stored) const {
  auto doc = json::parse(stored, "source");
  if (!doc.ok()) return false;
  auto sealed = json::getString(*doc, "token");
  return sealed && keyring_.needsReseal(*sealed);
}

void SourceStore::create(const Source& s, std::function<void(Status)> cb) {
  static const char* kScript =
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end "
      "redis.call('SADD', KEYS[2], ARGV[2]) return 1";
  redis_.command({"EVAL", kScript, "2", keys_.source(s.user, s.provider), keys_.allSources(),
                  encode(s), s.user + ":" + s.provider},
                 [cb = std::move(cb), provider = s.provider](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(redisError(*r));
                   if (r->integer != 1)
                     return cb(Error{409, "provider",
                                     "a " + provider +
                                         " account is already bound for this user; unbind it "
                                         "first (DELETE .../sources/" +
                                         provider + ")"});
                   cb(okStatus());
                 });
}

void SourceStore::put(const Source& s, std::function<void(Status)> cb) {
  redis_.command({"SET", keys_.source(s.user, s.provider), encode(s), "XX"},
                 [cb = std::move(cb)](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(redisError(*r));
                   if (r->isNil()) return cb(Error{404, "provider", "the source was unbound"});
                   cb(okStatus());
                 });
}

void SourceStore::get(const std::string& user, const std::string& provider,
                      std::function<void(Result<std::optional<Source>>)> cb) {
  redis_.command({"GET", keys_.source(user, provider)},
                 [this, cb = std::move(cb)](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(redisError(*r));
                   if (r->isNil()) return cb(std::optional<Source>{});
                   auto s = decode(r->str);
                   if (!s.ok()) return cb(s.error());
                   cb(std::optional<Source>(std::move(s).value()));
                 });
}

void SourceStore::list(const std::string& user,
                       std::function<void(Result<std::vector<Source>>)> cb) {
  redis_.command({"MGET", keys_.source(user, "github"), keys_.source(user, "gitlab")},
                 [this, cb = std::move(cb)](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(redisError(*r));
                   std::vector<Source> out;
                   for (const auto& e : r->elements) {
                     if (e.isNil()) continue;
                     auto s = decode(e.str);
                     if (!s.ok()) return cb(s.error());
                     out.push_back(std::move(s).value());
                   }
                   cb(std::move(out));
                 });
}

void SourceStore::all(
    std::function<void(Result<std::vector<std::pair<std::string, std::string>>>)> cb) {
  redis_.command({"SMEMBERS", keys_.allSources()}, [cb = std::move(cb)](Result<RedisValue> r) {
    if (!r.ok()) return cb(r.error());
    if (r->isError()) return cb(redisError(*r));
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : r->elements) {
      auto colon = e.str.rfind(':');
      if (colon == std::string::npos) continue;
      out.emplace_back(e.str.substr(0, colon), e.str.substr(colon + 1));
    }
    cb(std::move(out));
  });
}

void SourceStore::remove(const std::string& user, const std::string& provider,
                         std::function<void(Status)> cb) {
  static const char* kScript =
      "local n = redis.call('DEL', KEYS[1]) redis.call('SREM', KEYS[2], ARGV[1]) return n";
  redis_.command({"EVAL", kScript, "2", keys_.source(user, provider), keys_.allSources(),
                  user + ":" + provider},
                 [cb = std::move(cb), provider](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(redisError(*r));
                   if (r->integer == 0)
                     return cb(Error{404, "provider", "no " + provider + " account is bound"});
                   cb(okStatus());
                 });
}

}  // namespace triggerd
