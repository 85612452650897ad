#include "handlers/triggers_api.h"

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "handlers/webhook_ingest.h"
#include "hooks/hook_spec.h"
#include "rules/build_rule.h"

namespace triggerd {
namespace {

// The webhook as the provider's settings page wants it. `secret` and `signing_token` are shown
// only when the user must paste them (hand-made hooks, once).
void writeWebhook(json::Writer& w, const std::string& url, const Trigger& t,
                  std::string_view secret, std::string_view signing_token) {
  w.StartObject();
  json::kv(w, "url", url);
  if (!secret.empty()) json::kv(w, "secret", secret);
  if (!signing_token.empty()) json::kv(w, "signing_token", signing_token);
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

Error manualHook(const Trigger& t) {
  return Error::conflict("install_hook",
                         "the hook of trigger " + t.id +
                             " was added by hand (install_hook false): triggerd cannot see or "
                             "change it; check it in the repository's webhook settings");
}

std::string rfc3339(int64_t unix_seconds) {
  return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

}  // namespace

// Creating a trigger: validate, store it, then install its hook; a hook that cannot be
// installed takes the trigger with it, so no trigger is left that nothing delivers to.
class TriggersApi::CreateFlow : public std::enable_shared_from_this<CreateFlow> {
 public:
  CreateFlow(TriggersApi& api, Trigger trigger, ApiDone done)
      : api_(api), trigger_(std::move(trigger)), done_(std::move(done)) {}

  void start() {
    auto self = shared_from_this();
    api_.store_.create(
        trigger_,
        [self](Status st) {
          if (!st.ok()) return self->done_(ApiReply::error(st.error()));
          TLOG_INFO("api", "user=%s trigger=%s provider=%s repository=%s install_hook=%d created",
                    self->trigger_.user.c_str(), self->trigger_.id.c_str(),
                    providerName(self->trigger_.provider),
                    log::logValue(self->trigger_.repository_full_name).c_str(),
                    self->trigger_.install_hook ? 1 : 0);
          if (!self->trigger_.install_hook) return self->answer(self->trigger_, nullptr);
          self->install();
        },
        api_.options_.max_per_user);
  }

 private:
  void install() {
    auto self = shared_from_this();
    api_.hooks_.run(trigger_, HookMode::kInstall, [self](HookReport report) {
      if (report.error) return self->rollBack(*report.error);
      self->api_.store_.get(self->trigger_.id, [self, report](Result<std::optional<Trigger>> t) {
        if (!t.ok() || !t->has_value()) return self->answer(self->trigger_, &report);
        self->answer(**t, &report);
      });
    });
  }

  void rollBack(const Error& why) {
    auto self = shared_from_this();
    api_.store_.remove(trigger_, [self, why](Status st) {
      if (!st.ok()) {
        TLOG_WARN("api", "trigger=%s reason=%s could not remove the trigger whose hook failed",
                  self->trigger_.id.c_str(), st.error().message.c_str());
      }
      self->done_(ApiReply::error(why));
    });
  }

  void answer(const Trigger& t, const HookReport* report) {
    bool manual = !t.install_hook;
    std::string signing =
        manual && !t.signing_key.empty() ? signingTokenOf(t.signing_key) : std::string();
    done_(ApiReply{201,
                   json::build([&](json::Writer& w) {
                     w.StartObject();
                     json::key(w, "trigger");
                     writeTriggerPublic(w, t);
                     json::key(w, "webhook");
                     writeWebhook(w, api_.webhookUrl(t), t, manual ? t.secret : "", signing);
                     if (report) {
                       json::key(w, "hook");
                       writeHookReport(w, *report);
                     }
                     w.EndObject();
                   }),
                   {{"Location", "/api/v1/users/" + t.user + "/triggers/" + t.id}}});
  }

  TriggersApi& api_;
  Trigger trigger_;
  ApiDone done_;
};

TriggersApi::TriggersApi(TriggerStore& store, HookService& hooks, const Clock& clock, Random& rng,
                         TriggersOptions options)
    : store_(store), hooks_(hooks), clock_(clock), rng_(rng), options_(std::move(options)) {}

Status TriggersApi::checkRulesFit(const std::vector<BuildRule>& rules) const {
  auto compiled = CompiledRules::compile(rules, options_.max_rule_program_size);
  if (!compiled.ok()) return compiled.error();
  return okStatus();
}

std::string TriggersApi::webhookUrl(const Trigger& t) const {
  return triggerd::webhookUrl(options_.public_base_url, t);
}

void TriggersApi::create(const std::string& user, std::string_view body, ApiDone done) {
  auto doc = json::parse(body);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  if (!doc->IsObject())
    return done(ApiReply::error(Error::badRequest("body", "the body must be a JSON object")));
  TriggerCreateOptions wanted;
  auto parsed = parseTriggerCreate(*doc, &wanted);
  if (!parsed.ok()) return done(ApiReply::error(parsed.error()));
  Trigger t = std::move(parsed).value();
  if (auto st = checkRulesFit(t.rules); !st.ok()) return done(ApiReply::error(st.error()));
  t.id = newUlid(rng_, clock_.unixMillis());
  t.user = user;
  t.secret = secret(newSecret(rng_));
  t.created_at = t.updated_at = clock_.unixSeconds();
  if (t.provider == Provider::kGitlab && wanted.signing_token) {
    t.signing_key = newSigningKey(rng_);
    // Signatures become required once the provider is known to sign: when the installed hook
    // reports its signing token, or on a hand-made hook's first signed delivery.
    t.signing_required = false;
  }
  std::make_shared<CreateFlow>(*this, std::move(t), std::move(done))->start();
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
  auto compiled = CompiledRules::compile(std::move(rules).value(), options_.max_rule_program_size);
  if (!compiled.ok()) return done(ApiReply::error(compiled.error()));
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
    auto erase = [this, done](const Trigger& trigger, std::optional<HookReport> report) {
      store_.remove(trigger, [trigger, report, done](Status st) {
        if (!st.ok()) return done(ApiReply::error(st.error()));
        TLOG_INFO("api", "user=%s trigger=%s deleted", trigger.user.c_str(), trigger.id.c_str());
        done(ApiReply{200,
                      json::build([&](json::Writer& w) {
                        w.StartObject();
                        json::kv(w, "deleted", trigger.id);
                        json::key(w, "hook");
                        if (report)
                          writeHookReport(w, *report);
                        else
                          w.Null();  // added by hand: remove it in the repository's settings
                        w.EndObject();
                      }),
                      {}});
      });
    };
    if (!t->install_hook) return erase(*t, std::nullopt);
    // The hook goes first; when it cannot (no source any more, the provider refuses), the
    // trigger goes anyway and the report says what was left on the repository.
    hooks_.run(*t, HookMode::kRemove,
               [erase, trigger = *t](HookReport report) { erase(trigger, std::move(report)); });
  });
}

void TriggersApi::replyWithReport(const std::string& id, const HookReport& report, ApiDone done,
                                  bool rotated) {
  if (report.error) return done(ApiReply::error(*report.error));
  store_.get(id, [this, id, report, done, rotated](Result<std::optional<Trigger>> t) {
    if (!t.ok()) return done(ApiReply::error(t.error()));
    if (!t->has_value()) return done(ApiReply::error(notFound(id)));
    const Trigger& now = **t;
    done(ApiReply{200,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "trigger");
                    writeTriggerPublic(w, now);
                    json::key(w, "hook");
                    writeHookReport(w, report);
                    if (rotated) {
                      // The new secret went to the provider; it is never shown.
                      json::key(w, "webhook");
                      w.StartObject();
                      json::kv(w, "url", webhookUrl(now));
                      json::kv(w, "previous_secret_valid_until",
                               rfc3339(now.previous_secret_until));
                      w.EndObject();
                    }
                    w.EndObject();
                  }),
                  {}});
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
    if (!t->install_hook) {
      if (rotate) return rotateManual(*t, done);
      // Hand-made hooks live in the provider's settings: there is nothing triggerd can check.
      const Trigger& current = *t;
      return done(ApiReply{200,
                           json::build([&](json::Writer& w) {
                             w.StartObject();
                             json::key(w, "trigger");
                             writeTriggerPublic(w, current);
                             json::key(w, "webhook");
                             writeWebhook(w, webhookUrl(current), current, "", "");
                             w.EndObject();
                           }),
                           {}});
    }
    std::string trigger_id = t->id;
    hooks_.run(*t, rotate ? HookMode::kRotate : HookMode::kInstall,
               [this, trigger_id, rotate, done](HookReport report) {
                 replyWithReport(trigger_id, report, done, rotate);
               });
  });
}

void TriggersApi::checkHook(const std::string& user, const std::string& id, ApiDone done) {
  load(user, id, [this, done = std::move(done)](Result<Trigger> t) {
    if (!t.ok()) return done(ApiReply::error(t.error()));
    if (!t->install_hook) return done(ApiReply::error(manualHook(*t)));
    std::string trigger_id = t->id;
    hooks_.run(*t, HookMode::kCheck, [this, trigger_id, done](HookReport report) {
      replyWithReport(trigger_id, report, done);
    });
  });
}

void TriggersApi::rotateManual(const Trigger& t, ApiDone done) {
  std::string secret = newSecret(rng_);
  int64_t now = clock_.unixSeconds();
  int64_t grace = options_.secret_rotation_grace.count();
  store_.update(
      t.id,
      [secret, now, grace](Trigger& current) {
        current.previous_secret = current.secret;
        current.previous_secret_until = now + grace;
        current.secret = secret;
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
                                 rfc3339(next.previous_secret_until));
                        w.EndObject();
                        w.EndObject();
                      }),
                      {}});
      });
}

}  // namespace triggerd
