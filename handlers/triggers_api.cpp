#include "handlers/triggers_api.h"

#include "common/encoding.h"
#include "common/log.h"
#include "handlers/webhook_ingest.h"

namespace triggerd {
namespace {

void writeWebhook(json::Writer& w, const std::string& url, const std::string& secret,
                  const Trigger& t) {
  w.StartObject();
  json::kv(w, "url", url);
  if (!secret.empty()) json::kv(w, "secret", secret);
  if (t.provider == "github") {
    json::kv(w, "content_type", "application/json");
    json::key(w, "events");
    w.StartArray();
    json::str(w, "push");
    w.EndArray();
  } else {
    json::key(w, "events");
    w.StartArray();
    json::str(w, "push_events");
    json::str(w, "tag_push_events");
    w.EndArray();
  }
  w.EndObject();
}

ApiReply triggerReply(int status, const Trigger& t) {
  return ApiReply{status,
                  jsonBody([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "trigger");
                    writeTriggerPublic(w, t);
                    w.EndObject();
                  }),
                  {}};
}

Error notFound(const std::string& id) {
  return Error{404, "id", "no trigger " + id + " for this user"};
}

}  // namespace

Status validateUserId(std::string_view user) {
  bool ok = !user.empty() && user.size() <= 64;
  for (char c : user)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  if (!ok) return Error::badRequest("user", "user ids are 1 to 64 characters of A-Z a-z 0-9 . _ -");
  return okStatus();
}

TriggersApi::TriggersApi(TriggerStore& store, const Clock& clock, Random& rng,
                         std::string public_base_url, std::chrono::seconds secret_rotation_grace)
    : store_(store),
      clock_(clock),
      rng_(rng),
      public_base_url_(std::move(public_base_url)),
      grace_(secret_rotation_grace) {}

std::string TriggersApi::webhookUrl(const Trigger& t) const {
  return public_base_url_ + "/webhooks/" + t.provider + "/" + t.id;
}

void TriggersApi::create(const std::string& user, std::string_view body, ApiDone done) {
  auto doc = json::parse(body);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  if (!doc->IsObject())
    return done(ApiReply::error(Error::badRequest("body", "the body must be a JSON object")));
  auto parsed = parseTriggerCreate(*doc);
  if (!parsed.ok()) return done(ApiReply::error(parsed.error()));
  Trigger t = std::move(parsed).value();
  t.id = newUlid(rng_, clock_.unixMillis());
  t.user = user;
  t.secret = newSecret(rng_);
  t.created_at = t.updated_at = clock_.unixSeconds();
  store_.create(t, [this, t, done = std::move(done)](Status st) {
    if (!st.ok()) return done(ApiReply::error(st.error()));
    TLOG_INFO("api", "user=%s trigger=%s provider=%s repository=%s created", t.user.c_str(),
              t.id.c_str(), t.provider.c_str(), log::logValue(t.repository_full_name).c_str());
    done(ApiReply{201,
                  jsonBody([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "trigger");
                    writeTriggerPublic(w, t);
                    json::key(w, "webhook");
                    writeWebhook(w, webhookUrl(t), t.secret, t);
                    w.EndObject();
                  }),
                  {{"Location", "/api/v1/users/" + t.user + "/triggers/" + t.id}}});
  });
}

void TriggersApi::list(const std::string& user, ApiDone done) {
  store_.list(user, [done = std::move(done)](Result<std::vector<Trigger>> r) {
    if (!r.ok()) return done(ApiReply::error(r.error()));
    done(ApiReply{200,
                  jsonBody([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "triggers");
                    w.StartArray();
                    for (const auto& t : *r) writeTriggerPublic(w, t);
                    w.EndArray();
                    w.EndObject();
                  }),
                  {}});
  });
}

void TriggersApi::load(const std::string& user, const std::string& id,
                       std::function<void(Result<Trigger>)> cb) {
  if (!looksLikeTriggerId(id)) return cb(notFound(id));
  store_.get(id, [user, id, cb = std::move(cb)](Result<std::optional<Trigger>> r) {
    if (!r.ok()) return cb(r.error());
    if (!r->has_value() || (*r)->user != user) return cb(notFound(id));
    cb(std::move(**r));
  });
}

void TriggersApi::get(const std::string& user, const std::string& id, ApiDone done) {
  load(user, id, [done = std::move(done)](Result<Trigger> t) {
    if (!t.ok()) return done(ApiReply::error(t.error()));
    done(triggerReply(200, *t));
  });
}

void TriggersApi::patch(const std::string& user, const std::string& id, std::string_view body,
                        ApiDone done) {
  auto doc = json::parse(body);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  if (!doc->IsObject())
    return done(ApiReply::error(Error::badRequest("body", "the body must be a JSON object")));
  auto shared = std::make_shared<rapidjson::Document>(std::move(doc).value());
  load(user, id, [this, shared, done = std::move(done)](Result<Trigger> t) {
    if (!t.ok()) return done(ApiReply::error(t.error()));
    auto updated = applyTriggerPatch(*t, *shared);
    if (!updated.ok()) return done(ApiReply::error(updated.error()));
    updated->updated_at = clock_.unixSeconds();
    Trigger next = std::move(updated).value();
    store_.put(next, [next, done](Status st) {
      if (!st.ok()) return done(ApiReply::error(st.error()));
      TLOG_INFO("api", "user=%s trigger=%s updated", next.user.c_str(), next.id.c_str());
      done(triggerReply(200, next));
    });
  });
}

void TriggersApi::remove(const std::string& user, const std::string& id, ApiDone done) {
  load(user, id, [this, done = std::move(done)](Result<Trigger> t) {
    if (!t.ok()) return done(ApiReply::error(t.error()));
    store_.remove(*t, [id = t->id, user = t->user, done](Status st) {
      if (!st.ok()) return done(ApiReply::error(st.error()));
      TLOG_INFO("api", "user=%s trigger=%s deleted", user.c_str(), id.c_str());
      done(ApiReply{204, "", {}});
    });
  });
}

void TriggersApi::repairHook(const std::string& user, const std::string& id, std::string_view body,
                             ApiDone done) {
  bool rotate = false;
  if (!trim(body).empty()) {
    auto doc = json::parse(body);
    if (!doc.ok()) return done(ApiReply::error(doc.error()));
    // Const iterators: comparing rapidjson's mutable ones is ambiguous in C++20 (clang warns).
    const rapidjson::Value& root = doc.value();
    for (auto it = root.IsObject() ? root.MemberBegin() : root.MemberEnd();
         root.IsObject() && it != root.MemberEnd(); ++it) {
      std::string name(it->name.GetString(), it->name.GetStringLength());
      if (name != "rotate_secret")
        return done(ApiReply::error(
            Error::unprocessable(name, "unknown field; the only option is rotate_secret")));
      if (!it->value.IsBool())
        return done(
            ApiReply::error(Error::unprocessable("rotate_secret", "must be true or false")));
      rotate = it->value.GetBool();
    }
  }
  load(user, id, [this, rotate, done = std::move(done)](Result<Trigger> t) {
    if (!t.ok()) return done(ApiReply::error(t.error()));
    Trigger next = std::move(t).value();
    if (!rotate) {
      // Manual hooks live in the provider's settings: there is nothing triggerd can check.
      return done(ApiReply{200,
                           jsonBody([&](json::Writer& w) {
                             w.StartObject();
                             json::key(w, "trigger");
                             writeTriggerPublic(w, next);
                             json::key(w, "webhook");
                             writeWebhook(w, webhookUrl(next), "", next);
                             w.EndObject();
                           }),
                           {}});
    }
    next.previous_secret = next.secret;
    next.previous_secret_until = clock_.unixSeconds() + grace_.count();
    next.secret = newSecret(rng_);
    next.updated_at = clock_.unixSeconds();
    store_.put(next, [this, next, done](Status st) {
      if (!st.ok()) return done(ApiReply::error(st.error()));
      TLOG_INFO("api", "user=%s trigger=%s secret rotated", next.user.c_str(), next.id.c_str());
      done(ApiReply{200,
                    jsonBody([&](json::Writer& w) {
                      w.StartObject();
                      json::key(w, "trigger");
                      writeTriggerPublic(w, next);
                      json::key(w, "webhook");
                      w.StartObject();
                      json::kv(w, "url", webhookUrl(next));
                      json::kv(w, "secret", next.secret);
                      json::kv(w, "previous_secret_valid_until",
                               formatRfc3339(std::chrono::system_clock::time_point(
                                   std::chrono::seconds(next.previous_secret_until))));
                      w.EndObject();
                      w.EndObject();
                    }),
                    {}});
    });
  });
}

}  // namespace triggerd
