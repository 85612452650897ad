#include "triggers/trigger_store.h"

#include <algorithm>

#include "common/log.h"

namespace triggerd {
namespace {

// Hook secrets are bound to the trigger and to which secret they are.
std::string secretBinding(const std::string& id, std::string_view which) {
  return "trigger:" + id + ":" + std::string(which);
}

constexpr const char* kSealedFields[] = {"secret", "previous_secret", "pending_secret",
                                         "signing_key"};

Error notFound(const std::string& id) {
  return Error::notFound("id", "trigger " + id + " not found");
}

}  // namespace

TriggerStore::TriggerStore(SealedRecords& records, Keys keys)
    : records_(records), keys_(std::move(keys)) {}

std::vector<IndexEntry> TriggerStore::indexes(const Trigger& t) const {
  return {{keys_.userTriggers(t.user), t.id}, {keys_.allTriggers(), t.id}};
}

std::string TriggerStore::encode(const Trigger& t) const {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "id", t.id);
  json::kv(w, "user", t.user);
  json::kv(w, "provider", providerName(t.provider));
  json::kv(w, "repository_id", t.repository_id);
  json::kv(w, "repository_full_name", t.repository_full_name);
  json::kv(w, "hook_id", t.hook_id);
  json::key(w, "install_hook");
  w.Bool(t.install_hook);
  json::key(w, "hook_verified");
  w.Bool(t.hook_verified);
  json::key(w, "hook_active");
  w.Bool(t.hook_active);
  json::key(w, "hook_checked_at");
  w.Int64(t.hook_checked_at);
  if (!t.hook_error.empty()) json::kv(w, "hook_error", t.hook_error);
  if (!t.hook_note.empty()) json::kv(w, "hook_note", t.hook_note);
  if (!t.missed_pushes.empty()) {
    json::key(w, "missed_pushes");
    w.StartArray();
    for (const auto& m : t.missed_pushes) json::str(w, m);
    w.EndArray();
  }
  json::key(w, "deliveries_checked_at");
  w.Int64(t.deliveries_checked_at);
  json::kv(w, "secret", records_.seal(t.secret, secretBinding(t.id, "secret")));
  if (!t.previous_secret.empty()) {
    json::kv(w, "previous_secret",
             records_.seal(t.previous_secret, secretBinding(t.id, "previous_secret")));
    json::key(w, "previous_secret_until");
    w.Int64(t.previous_secret_until);
  }
  if (!t.pending_secret.empty()) {
    json::kv(w, "pending_secret",
             records_.seal(t.pending_secret, secretBinding(t.id, "pending_secret")));
    json::key(w, "pending_secret_until");
    w.Int64(t.pending_secret_until);
  }
  if (!t.signing_key.empty()) {
    json::kv(w, "signing_key", records_.seal(t.signing_key, secretBinding(t.id, "signing_key")));
    json::key(w, "signing_required");
    w.Bool(t.signing_required);
  }
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
  auto provider = parseProvider(str("provider"));
  if (!provider) return Error::internal("stored trigger has no valid provider");
  t.provider = *provider;
  t.repository_id = str("repository_id");
  t.repository_full_name = str("repository_full_name");
  t.hook_id = str("hook_id");
  t.install_hook = json::getBool(d, "install_hook").value_or(false);
  t.hook_verified = json::getBool(d, "hook_verified").value_or(false);
  t.hook_active = json::getBool(d, "hook_active").value_or(false);
  t.hook_checked_at = json::getInt(d, "hook_checked_at").value_or(0);
  t.hook_error = str("hook_error");
  t.hook_note = str("hook_note");
  if (const auto* missed = json::member(d, "missed_pushes"); missed && missed->IsArray()) {
    for (const auto& m : missed->GetArray())
      if (m.IsString()) t.missed_pushes.emplace_back(m.GetString(), m.GetStringLength());
  }
  t.deliveries_checked_at = json::getInt(d, "deliveries_checked_at").value_or(0);
  // Records from before signing_required existed refuse unsigned deliveries, as they did.
  t.signing_required = json::getBool(d, "signing_required").value_or(true);
  t.image = str("image");
  t.enabled = json::getBool(d, "enabled").value_or(true);
  t.created_at = json::getInt(d, "created_at").value_or(0);
  t.updated_at = json::getInt(d, "updated_at").value_or(0);
  if (t.id.empty()) return Error::internal("stored trigger has no id");

  auto open = [&](const char* name, SecretString* out) -> Status {
    auto sealed = json::getString(d, name);
    if (!sealed) return okStatus();
    auto clear = records_.open(*sealed, secretBinding(t.id, name),
                               std::string(name) + " of trigger " + t.id);
    if (!clear.ok()) return clear.error();
    *out = std::move(clear).value();
    return okStatus();
  };
  for (auto [name, out] :
       {std::pair{"secret", &t.secret}, std::pair{"previous_secret", &t.previous_secret},
        std::pair{"pending_secret", &t.pending_secret}, std::pair{"signing_key", &t.signing_key}}) {
    if (auto st = open(name, out); !st.ok()) return st.error();
  }
  t.previous_secret_until = json::getInt(d, "previous_secret_until").value_or(0);
  t.pending_secret_until = json::getInt(d, "pending_secret_until").value_or(0);

  const auto* rules = json::member(d, "rules");
  if (!rules) return Error::internal("stored trigger " + t.id + " has no rules");
  auto parsed = parseRules(*rules, /*check_semantics=*/false);
  if (!parsed.ok())
    return Error::internal("stored rules of trigger " + t.id +
                           " are invalid: " + parsed.error().message);
  t.rules = std::move(parsed).value();
  return t;
}

bool TriggerStore::needsReseal(std::string_view stored) const {
  auto doc = json::parse(stored, "trigger");
  if (!doc.ok()) return false;
  return std::any_of(std::begin(kSealedFields), std::end(kSealedFields), [&](const char* name) {
    auto sealed = json::getString(*doc, name);
    return sealed && records_.needsReseal(*sealed);
  });
}

void TriggerStore::create(const Trigger& t, std::function<void(Status)> cb, size_t max_per_user) {
  records_.create(
      keys_.trigger(t.id), indexes(t), encode(t),
      [cb = std::move(cb), id = t.id, max_per_user](Result<SealedRecords::Created> created) {
        if (!created.ok()) return cb(created.error());
        switch (*created) {
          case SealedRecords::Created::kYes:
            return cb(okStatus());
          case SealedRecords::Created::kExists:
            return cb(Error::conflict("id", "trigger " + id + " already exists"));
          case SealedRecords::Created::kIndexFull:
            return cb(Error::unprocessable(
                "user", "this user has " + std::to_string(max_per_user) +
                            " triggers, the most this triggerd allows (triggers.max_per_user); "
                            "delete one first"));
        }
      },
      max_per_user);
}

void TriggerStore::update(const std::string& id, Change change,
                          std::function<void(Result<Trigger>)> cb) {
  auto changed = std::make_shared<std::optional<Trigger>>();
  records_.update(
      keys_.trigger(id),
      [this, change = std::move(change),
       changed](const std::string& current) -> Result<std::optional<std::string>> {
        auto t = decode(current);
        if (!t.ok()) return t.error();
        if (auto st = change(*t); !st.ok()) return st.error();
        *changed = *t;
        return std::optional<std::string>(encode(*t));
      },
      [this, id, changed, cb = std::move(cb)](Result<std::optional<std::string>> r) {
        this->changed(id);
        if (!r.ok()) return cb(r.error());
        if (!r->has_value() || !changed->has_value()) return cb(notFound(id));
        cb(std::move(**changed));
      });
}

void TriggerStore::getRaw(const std::string& id,
                          std::function<void(Result<std::optional<std::string>>)> cb) {
  records_.get(keys_.trigger(id), std::move(cb));
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
  records_.members(keys_.userTriggers(user), [this, cb = std::move(cb)](
                                                 Result<std::vector<std::string>> ids) mutable {
    if (!ids.ok()) return cb(ids.error());
    // Ids are ULIDs: sorted, they are in creation order.
    std::sort(ids->begin(), ids->end());
    std::vector<std::string> keys;
    keys.reserve(ids->size());
    for (const auto& id : *ids) keys.push_back(keys_.trigger(id));
    records_.getMany(std::move(keys),
                     [this, cb = std::move(cb)](Result<std::vector<std::optional<std::string>>> r) {
                       if (!r.ok()) return cb(r.error());
                       std::vector<Trigger> out;
                       for (const auto& text : *r) {
                         if (!text) continue;  // index entry whose record was removed meanwhile
                         auto t = decode(*text);
                         if (!t.ok()) {
                           TLOG_ERROR("triggers", "reason=%s skipping unreadable trigger",
                                      t.error().message.c_str());
                           continue;
                         }
                         out.push_back(std::move(t).value());
                       }
                       cb(std::move(out));
                     });
  });
}

void TriggerStore::allIds(std::function<void(Result<std::vector<std::string>>)> cb) {
  records_.members(keys_.allTriggers(), std::move(cb));
}

void TriggerStore::remove(const Trigger& t, std::function<void(Status)> cb) {
  records_.remove(keys_.trigger(t.id), indexes(t),
                  [this, cb = std::move(cb), id = t.id](Result<bool> existed) {
                    changed(id);
                    if (!existed.ok()) return cb(existed.error());
                    if (!*existed) return cb(notFound(id));
                    cb(okStatus());
                  });
}

}  // namespace triggerd
