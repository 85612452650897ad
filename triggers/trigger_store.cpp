#include "triggers/trigger_store.h"

#include "common/log.h"

namespace triggerd {
namespace {

std::string secretAad(const std::string& id, std::string_view which) {
  return "trigger:" + id + ":" + std::string(which);
}

Error storeError(const RedisValue& v) {
  return Error::unavailable("redis error: " + v.str);
}

}  // namespace

TriggerStore::TriggerStore(RedisClient& redis, Keys keys, const Keyring& keyring, Random& rng)
    : redis_(redis), keys_(std::move(keys)), keyring_(keyring), rng_(rng) {}

std::string TriggerStore::encode(const Trigger& t) const {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "id", t.id);
  json::kv(w, "user", t.user);
  json::kv(w, "provider", t.provider);
  json::kv(w, "repository_id", t.repository_id);
  json::kv(w, "repository_full_name", t.repository_full_name);
  json::kv(w, "hook_id", t.hook_id);
  json::key(w, "install_hook");
  w.Bool(t.install_hook);
  json::key(w, "hook_verified");
  w.Bool(t.hook_verified);
  json::kv(w, "secret", keyring_.seal(t.secret, secretAad(t.id, "secret"), rng_));
  if (!t.previous_secret.empty()) {
    json::kv(w, "previous_secret",
             keyring_.seal(t.previous_secret, secretAad(t.id, "previous_secret"), rng_));
    json::key(w, "previous_secret_until");
    w.Int64(t.previous_secret_until);
  }
  if (!t.signing_key.empty())
    json::kv(w, "signing_key", keyring_.seal(t.signing_key, secretAad(t.id, "signing_key"), rng_));
  json::kv(w, "image", t.image);
  json::key(w, "rules");
  writeRules(w, t.rules);
  json::key(w, "enabled");
  w.Bool(t.enabled);
  json::key(w, "created_at");
  w.Int64(t.created_at);
  json::key(w, "updated_at");
  w.Int64(t.updated_at);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<Trigger> TriggerStore::decode(std::string_view stored) const {
  auto doc = json::parse(stored, "trigger");
  if (!doc.ok()) return Error::internal("stored trigger is corrupt: " + doc.error().message);
  const auto& d = *doc;
  Trigger t;
  auto str = [&](const char* name) { return std::string(json::getString(d, name).value_or("")); };
  t.id = str("id");
  t.user = str("user");
  t.provider = str("provider");
  t.repository_id = str("repository_id");
  t.repository_full_name = str("repository_full_name");
  t.hook_id = str("hook_id");
  t.install_hook = json::getBool(d, "install_hook").value_or(false);
  t.hook_verified = json::getBool(d, "hook_verified").value_or(false);
  t.image = str("image");
  t.enabled = json::getBool(d, "enabled").value_or(true);
  t.created_at = json::getInt(d, "created_at").value_or(0);
  t.updated_at = json::getInt(d, "updated_at").value_or(0);
  if (t.id.empty()) return Error::internal("stored trigger has no id");

  auto open = [&](const char* name, std::string* out) -> Status {
    auto sealed = json::getString(d, name);
    if (!sealed) return okStatus();
    auto clear = keyring_.open(*sealed, secretAad(t.id, name));
    if (!clear.ok())
      return Error::internal("cannot open " + std::string(name) + " of trigger " + t.id + ": " +
                             clear.error().message);
    *out = std::move(clear).value();
    return okStatus();
  };
  for (auto [name, out] :
       {std::pair{"secret", &t.secret}, std::pair{"previous_secret", &t.previous_secret},
        std::pair{"signing_key", &t.signing_key}}) {
    if (auto st = open(name, out); !st.ok()) return st.error();
  }
  t.previous_secret_until = json::getInt(d, "previous_secret_until").value_or(0);

  const auto* rules = json::member(d, "rules");
  if (!rules) return Error::internal("stored trigger " + t.id + " has no rules");
  auto parsed = parseRules(*rules);
  if (!parsed.ok())
    return Error::internal("stored rules of trigger " + t.id +
                           " are invalid: " + parsed.error().message);
  t.rules = std::move(parsed).value();
  return t;
}

void TriggerStore::create(const Trigger& t, std::function<void(Status)> cb) {
  // One script so the record and both indexes appear together or not at all.
  static const char* kScript =
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end "
      "redis.call('SADD', KEYS[2], ARGV[2]) redis.call('SADD', KEYS[3], ARGV[2]) return 1";
  redis_.command({"EVAL", kScript, "3", keys_.trigger(t.id), keys_.userTriggers(t.user),
                  keys_.allTriggers(), encode(t), t.id},
                 [cb = std::move(cb), id = t.id](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(storeError(*r));
                   if (r->integer != 1)
                     return cb(Error{409, "id", "trigger " + id + " already exists"});
                   cb(okStatus());
                 });
}

void TriggerStore::put(const Trigger& t, std::function<void(Status)> cb) {
  redis_.command({"SET", keys_.trigger(t.id), encode(t), "XX"},
                 [cb = std::move(cb), id = t.id](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(storeError(*r));
                   if (r->isNil()) return cb(Error{404, "id", "trigger " + id + " not found"});
                   cb(okStatus());
                 });
}

void TriggerStore::getRaw(const std::string& id,
                          std::function<void(Result<std::optional<std::string>>)> cb) {
  redis_.command({"GET", keys_.trigger(id)}, [cb = std::move(cb)](Result<RedisValue> r) {
    if (!r.ok()) return cb(r.error());
    if (r->isError()) return cb(storeError(*r));
    if (r->isNil()) return cb(std::optional<std::string>{});
    cb(std::optional<std::string>(std::move(r->str)));
  });
}

void TriggerStore::get(const std::string& id,
                       std::function<void(Result<std::optional<Trigger>>)> cb) {
  getRaw(id, [this, cb = std::move(cb)](Result<std::optional<std::string>> raw) {
    if (!raw.ok()) return cb(raw.error());
    if (!raw->has_value()) return cb(std::optional<Trigger>{});
    auto t = decode(**raw);
    if (!t.ok()) return cb(t.error());
    cb(std::optional<Trigger>(std::move(t).value()));
  });
}

void TriggerStore::list(const std::string& user,
                        std::function<void(Result<std::vector<Trigger>>)> cb) {
  // SORT ... GET fetches every record in one round trip, ordered by id (ids are ULIDs, so by
  // creation time).
  redis_.command({"SORT", keys_.userTriggers(user), "ALPHA", "GET", keys_.trigger("*")},
                 [this, cb = std::move(cb)](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(storeError(*r));
                   std::vector<Trigger> out;
                   for (const auto& e : r->elements) {
                     if (e.isNil()) continue;  // index entry whose record was removed
                     auto t = decode(e.str);
                     if (!t.ok()) {
                       TLOG_ERROR("triggers", "reason=%s skipping unreadable trigger",
                                  t.error().message.c_str());
                       continue;
                     }
                     out.push_back(std::move(t).value());
                   }
                   cb(std::move(out));
                 });
}

void TriggerStore::remove(const Trigger& t, std::function<void(Status)> cb) {
  static const char* kScript =
      "local n = redis.call('DEL', KEYS[1]) redis.call('SREM', KEYS[2], ARGV[1]) "
      "redis.call('SREM', KEYS[3], ARGV[1]) return n";
  redis_.command({"EVAL", kScript, "3", keys_.trigger(t.id), keys_.userTriggers(t.user),
                  keys_.allTriggers(), t.id},
                 [cb = std::move(cb), id = t.id](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(storeError(*r));
                   if (r->integer == 0) return cb(Error{404, "id", "trigger " + id + " not found"});
                   cb(okStatus());
                 });
}

}  // namespace triggerd
