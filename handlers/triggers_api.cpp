#include "handlers/triggers_api.h"

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "handlers/webhook_ingest.h"
#include "rules/build_rule.h"

namespace triggerd {
namespace {

void writeWebhook(json::Writer& w, const std::string& url, std::string_view secret,
                  const Trigger& t) {
  w.StartObject();
  json::kv(w, "url", url);
  if (!secret.empty()) json::kv(w, "secret", secret);
  if (t.provider == Provider::kGithub) {
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
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "trigger");
                    writeTriggerPublic(w, t);
                    w.EndObject();
                  }),
                  {}};
}

// The commit a preview renders {sha} with when the caller gives none.
constexpr std::string_view kSampleSha = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

bool isSha(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Error notFound(const std::string& id) {
  return Error::notFound("id", "no trigger " + id + " for this user");
}

}  // namespace

TriggersApi::TriggersApi(TriggerStore& store, const Clock& clock, Random& rng,
                         TriggersOptions options)
    : store_(store), clock_(clock), rng_(rng), options_(std::move(options)) {}

Status TriggersApi::checkRulesFit(const std::vector<BuildRule>& rules) const {
  auto compiled = CompiledRules::compile(rules);
  if (!compiled.ok()) return compiled.error();
  return checkProgramSize(*compiled, options_.max_rule_program_size);
}

std::string TriggersApi::webhookUrl(const Trigger& t) const {
  return options_.public_base_url + "/webhooks/" + providerName(t.provider) + "/" + t.id;
}

void TriggersApi::create(const std::string& user, std::string_view body, ApiDone done) {
  auto doc = json::parse(body);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  if (!doc->IsObject())
    return done(ApiReply::error(Error::badRequest("body", "the body must be a JSON object")));
  auto parsed = parseTriggerCreate(*doc);
  if (!parsed.ok()) return done(ApiReply::error(parsed.error()));
  Trigger t = std::move(parsed).value();
  if (auto st = checkRulesFit(t.rules); !st.ok()) return done(ApiReply::error(st.error()));
  t.id = newUlid(rng_, clock_.unixMillis());
  t.user = user;
  t.secret = secret(newSecret(rng_));
  t.created_at = t.updated_at = clock_.unixSeconds();
  store_.create(
      t,
      [this, t, done = std::move(done)](Status st) {
        if (!st.ok()) return done(ApiReply::error(st.error()));
        TLOG_INFO("api", "user=%s trigger=%s provider=%s repository=%s created", t.user.c_str(),
                  t.id.c_str(), providerName(t.provider),
                  log::logValue(t.repository_full_name).c_str());
        done(ApiReply{201,
                      json::build([&](json::Writer& w) {
                        w.StartObject();
                        json::key(w, "trigger");
                        writeTriggerPublic(w, t);
                        json::key(w, "webhook");
                        writeWebhook(w, webhookUrl(t), t.secret, t);
                        w.EndObject();
                      }),
                      {{"Location", "/api/v1/users/" + t.user + "/triggers/" + t.id}}});
      },
      options_.max_per_user);
}

void TriggersApi::preview(std::string_view body, ApiDone done) const {
  static constexpr std::string_view kFields[] = {"rules", "ref", "sha"};
  auto doc = parseObjectBody(body, kFields);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  const auto* rules_json = json::member(*doc, "rules");
  if (!rules_json)
    return done(ApiReply::error(Error::unprocessable("rules", "the rules to preview")));
  auto rules = parseRules(*rules_json);
  if (!rules.ok()) return done(ApiReply::error(rules.error()));
  auto ref = requiredString(*doc, "ref", "a sample ref: refs/heads/main, refs/tags/v1.2.3 or main");
  if (!ref.ok()) return done(ApiReply::error(ref.error()));
  PushEvent push;
  push.ref = *ref;
  if (push.ref.rfind("refs/heads/", 0) == 0) {
    push.ref_name = push.ref.substr(11);
  } else if (push.ref.rfind("refs/tags/", 0) == 0) {
    push.ref_type = RefType::kTag;
    push.ref_name = push.ref.substr(10);
  } else if (push.ref.rfind("refs/", 0) == 0) {
    return done(ApiReply::error(Error::unprocessable(
        "ref", "only branches (refs/heads/...) and tags (refs/tags/...) build")));
  } else {
    push.ref_name = push.ref;
    push.ref = "refs/heads/" + push.ref;
  }
  if (push.ref_name.empty())
    return done(ApiReply::error(Error::unprocessable("ref", "the ref has no name")));
  std::string sha(json::getString(*doc, "sha").value_or(kSampleSha));
  if (!isSha(sha))
    return done(ApiReply::error(Error::unprocessable("sha", "40 lower-case hex characters")));
  push.after = push.head.sha = sha;
  push.commits_truncated = true;  // no changed paths to judge path filters by
  auto compiled = CompiledRules::compile(std::move(rules).value());
  if (!compiled.ok()) return done(ApiReply::error(compiled.error()));
  if (auto st = checkProgramSize(*compiled, options_.max_rule_program_size); !st.ok())
    return done(ApiReply::error(st.error()));
  auto builds =
      planBuilds(*compiled, push,
                 std::chrono::system_clock::time_point(std::chrono::seconds(clock_.unixSeconds())));
  done(ApiReply{200,
                json::build([&](json::Writer& w) {
                  w.StartObject();
                  json::kv(w, "ref", push.ref);
                  json::kv(w, "kind", push.ref_type == RefType::kTag ? "tag" : "branch");
                  json::kv(w, "name", push.ref_name);
                  json::kv(w, "sha", sha);
                  json::key(w, "builds");
                  w.StartArray();
                  for (const auto& b : builds) {
                    w.StartObject();
                    json::key(w, "rule");
                    w.Uint64(b.rule_index);
                    json::key(w, "tags");
                    w.StartArray();
                    for (const auto& t : b.tags) json::str(w, t);
                    w.EndArray();
                    w.EndObject();
                  }
                  w.EndArray();
                  w.EndObject();
                }),
                {}});
}

void TriggersApi::list(const std::string& user, ApiDone done) {
  store_.list(user, [done = std::move(done)](Result<std::vector<Trigger>> r) {
    if (!r.ok()) return done(ApiReply::error(r.error()));
    done(ApiReply{200,
                  json::build([&](json::Writer& w) {
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
    // The patch applies to the trigger as stored at write time, so a concurrent rotation or
    // "hook verified" is kept.
    int64_t now = clock_.unixSeconds();
    store_.update(
        t->id,
        [this, shared, now](Trigger& current) -> Status {
          auto patched = applyTriggerPatch(current, *shared);
          if (!patched.ok()) return patched.error();
          if (json::member(*shared, "rules") != nullptr) {
            if (auto st = checkRulesFit(patched->rules); !st.ok()) return st.error();
          }
          current = std::move(patched).value();
          current.updated_at = now;
          return okStatus();
        },
        [done](Result<Trigger> next) {
          if (!next.ok()) return done(ApiReply::error(next.error()));
          TLOG_INFO("api", "user=%s trigger=%s updated", next->user.c_str(), next->id.c_str());
          done(triggerReply(200, *next));
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
  static constexpr std::string_view kFields[] = {"rotate_secret"};
  auto doc = parseObjectBody(body, kFields, /*empty_ok=*/true);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  if (const auto* r = json::member(*doc, "rotate_secret")) {
    if (!r->IsBool())
      return done(ApiReply::error(Error::unprocessable("rotate_secret", "must be true or false")));
    rotate = r->GetBool();
  }
  load(user, id, [this, rotate, done = std::move(done)](Result<Trigger> t) {
    if (!t.ok()) return done(ApiReply::error(t.error()));
    if (!rotate) {
      const Trigger& current = *t;
      // Manual hooks live in the provider's settings: there is nothing triggerd can check.
      return done(ApiReply{200,
                           json::build([&](json::Writer& w) {
                             w.StartObject();
                             json::key(w, "trigger");
                             writeTriggerPublic(w, current);
                             json::key(w, "webhook");
                             writeWebhook(w, webhookUrl(current), "", current);
                             w.EndObject();
                           }),
                           {}});
    }
    SecretString fresh = secret(newSecret(rng_));
    int64_t now = clock_.unixSeconds();
    int64_t grace = options_.secret_rotation_grace.count();
    store_.update(
        t->id,
        [fresh, now, grace](Trigger& current) {
          current.previous_secret = current.secret;
          current.previous_secret_until = now + grace;
          current.secret = fresh;
          current.updated_at = now;
          return okStatus();
        },
        [this, done](Result<Trigger> rotated) {
          if (!rotated.ok()) return done(ApiReply::error(rotated.error()));
          const Trigger& next = *rotated;
          TLOG_INFO("api", "user=%s trigger=%s secret rotated", next.user.c_str(), next.id.c_str());
          done(ApiReply{200,
                        json::build([&](json::Writer& w) {
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
