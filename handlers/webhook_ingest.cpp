#include "handlers/webhook_ingest.h"

#include "common/digest.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "handlers/job_builder.h"
#include "webhook/push_event.h"
#include "webhook/signature.h"

namespace triggerd {
namespace {

std::string jobsBody(const std::vector<std::string>& ids, bool duplicate) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::strings(w, "jobs", ids);
  if (duplicate) {
    json::key(w, "duplicate");
    w.Bool(true);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ignoredBody(const std::string& reason) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "ignored", reason);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

const char* refTypeName(RefType t) {
  return t == RefType::kTag ? "tag" : "branch";
}

bool sameRepository(const Trigger& t, const RepositoryInfo& r) {
  if (!t.repository_id.empty() && !r.id.empty()) return t.repository_id == r.id;
  return equalsIgnoreCase(t.repository_full_name, r.full_name);
}

}  // namespace

bool looksLikeTriggerId(std::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') ||
              (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
    if (!ok) return false;
  }
  return true;
}

WebhookIngest::WebhookIngest(TriggerStore& triggers, JobQueue& queue, Metrics& metrics,
                             const Clock& clock, Random& rng, WebhookOptions options, Spool* spool,
                             EventLoop* loop)
    : triggers_(triggers),
      queue_(queue),
      metrics_(metrics),
      clock_(clock),
      rng_(rng),
      options_(options),
      cache_(options.rule_cache_program_size),
      spool_(spool),
      loop_(loop) {
  triggers_.setChangeListener([this](const std::string& id) { cache_.expire(id); });
  for (Provider p : kAllProviders) {
    auto outcome = [&](const char* o) {
      return metrics_.series("triggerd_webhook_deliveries_total",
                             {{"provider", providerName(p)}, {"outcome", o}});
    };
    counters(p) = {
        outcome("enqueued"), outcome("spooled"), outcome("ignored"), outcome("duplicate"),
        metrics_.series("triggerd_jobs_enqueued_total", {{"provider", providerName(p)}})};
  }
  metrics_.counterFn("triggerd_rule_compilations_total", {},
                     [this] { return cache_.compilations(); });
}

void WebhookIngest::reject(const WebhookDelivery& d, const Error& e, const char* reason,
                           Done& done) {
  const char* provider = providerName(d.provider);
  TLOG_WARN("webhook",
            "provider=%s trigger=%s delivery=%s status=%d reason=%s field=%s refused: %s", provider,
            log::logValue(d.trigger_id, 40).c_str(), log::logValue(d.delivery_id, 80).c_str(),
            e.status, reason, e.field.c_str(), log::logValue(e.message, 300).c_str());
  metrics_.inc("triggerd_webhook_rejections_total", {{"provider", provider}, {"reason", reason}});
  metrics_.inc("triggerd_webhook_deliveries_total",
               {{"provider", provider}, {"outcome", "rejected"}});
  WebhookAnswer a{e.status, json::errorBody(e), {}};
  if (e.status == 503) a.headers.emplace_back("Retry-After", "5");
  done(std::move(a));
}

void WebhookIngest::ignore(const WebhookDelivery& d, const std::string& reason, Done& done) {
  const char* provider = providerName(d.provider);
  TLOG_INFO("webhook", "provider=%s trigger=%s delivery=%s ignored: %s", provider,
            d.trigger_id.c_str(), log::logValue(d.delivery_id, 80).c_str(),
            log::logValue(reason, 200).c_str());
  counters(d.provider).ignored.inc();
  done(WebhookAnswer{200, ignoredBody(reason), {}});
}

WebhookIngest::~WebhookIngest() {
  triggers_.setChangeListener({});
}

void WebhookIngest::handle(std::shared_ptr<WebhookDelivery> d, Done done) {
  if (!looksLikeTriggerId(d->trigger_id)) {
    return reject(*d,
                  Error::notFound("trigger_id", "no trigger with this id; check the webhook URL"),
                  "unknown_trigger", done);
  }
  if (options_.trigger_max_age.count() > 0) {
    if (auto entry = cache_.fresh(d->trigger_id, clock_.monotonic(), options_.trigger_max_age)) {
      const Trigger& t = *entry->trigger;
      // Only a trigger in its ordinary state: a disabled one, or one whose first signed delivery
      // would make signatures mandatory, is read again for every delivery.
      bool ordinary = t.enabled && (t.signing_required || t.signing_key.empty());
      if (ordinary) return process(d, *entry, std::move(done), true);
    }
  }
  lookUp(std::move(d), std::move(done));
}

void WebhookIngest::lookUp(std::shared_ptr<WebhookDelivery> d, Done done) {
  std::chrono::steady_clock::time_point asked = clock_.monotonic();
  triggers_.getRaw(d->trigger_id, [this, d, asked, done = std::move(done)](
                                      Result<std::optional<std::string>> raw) mutable {
    withRaw(d, std::move(raw), asked, std::move(done));
  });
}

void WebhookIngest::recheck(const std::shared_ptr<WebhookDelivery>& d,
                            const TriggerCache::Entry& cached, Done done,
                            std::function<void(Done)> stands) {
  std::chrono::steady_clock::time_point asked = clock_.monotonic();
  triggers_.getRaw(d->trigger_id,
                   [this, d, asked, was = cached.trigger, done = std::move(done),
                    stands = std::move(stands)](Result<std::optional<std::string>> raw) mutable {
                     if (!raw.ok() || !raw->has_value())
                       return withRaw(d, std::move(raw), asked, std::move(done));
                     auto entry = cacheTrigger(d->trigger_id, **raw, asked);
                     // The same stored text decodes to the same cached object: the answer stands.
                     if (entry.ok() && entry->trigger == was) return stands(std::move(done));
                     withEntry(d, std::move(entry), std::move(done));
                   });
}

void WebhookIngest::refuse(const std::shared_ptr<WebhookDelivery>& d,
                           const TriggerCache::Entry& entry, bool cached, Error e,
                           const char* reason, Done done) {
  if (!cached) return reject(*d, e, reason, done);
  recheck(d, entry, std::move(done),
          [this, d, e = std::move(e), reason](Done again) { reject(*d, e, reason, again); });
}

void WebhookIngest::withRaw(const std::shared_ptr<WebhookDelivery>& d,
                            Result<std::optional<std::string>> raw,
                            std::chrono::steady_clock::time_point asked, Done done) {
  if (!raw.ok()) {
    // Redis cannot be read: a trigger seen before still verifies the delivery, whose jobs
    // then go to the spool.
    if (spool_ != nullptr) {
      if (auto known = cache_.lastKnown(d->trigger_id)) return process(d, *known, std::move(done));
    }
    Error e = raw.error();
    e.message = "trigger store unavailable (" + e.message +
                "); the delivery was not accepted, redeliver it later";
    return reject(*d, e, "redis_unavailable", done);
  }
  if (!raw->has_value()) {
    cache_.forget(d->trigger_id);
    return reject(*d,
                  Error::notFound("trigger_id", "no trigger with this id; check the webhook URL"),
                  "unknown_trigger", done);
  }
  withTrigger(d, **raw, asked, std::move(done));
}

void WebhookIngest::warmCache(std::function<void(size_t)> done) {
  triggers_.allIds([this, done = std::move(done)](Result<std::vector<std::string>> ids) mutable {
    if (!ids.ok()) {
      TLOG_WARN("webhook", "reason=%s trigger cache not warmed", ids.error().message.c_str());
      if (done) done(0);
      return;
    }
    auto all = std::make_shared<std::vector<std::string>>(std::move(ids).value());
    warmBatch(all, 0, 0, std::move(done));
  });
}

// A few hundred triggers per loop turn: decoding opens their secrets, which takes a moment.
void WebhookIngest::warmBatch(std::shared_ptr<std::vector<std::string>> ids, size_t from,
                              size_t loaded, std::function<void(size_t)> done) {
  constexpr size_t kBatch = 200;
  if (from >= ids->size()) {
    warmed_ = true;
    TLOG_INFO("webhook", "triggers=%zu trigger cache warmed", loaded);
    if (done) done(loaded);
    return;
  }
  size_t end = std::min(ids->size(), from + kBatch);
  std::vector<std::string> keys;
  for (size_t i = from; i < end; ++i) keys.push_back(queue_.keys().trigger((*ids)[i]));
  triggers_.records().getMany(
      std::move(keys), [this, ids, from, end, loaded, done = std::move(done)](
                           Result<std::vector<std::optional<std::string>>> texts) mutable {
        if (!texts.ok()) {
          if (done) done(loaded);
          return;
        }
        for (size_t i = 0; i < texts->size(); ++i) {
          if (!(*texts)[i]) continue;
          if (cacheTrigger((*ids)[from + i], *(*texts)[i], std::nullopt).ok()) ++loaded;
        }
        warmBatch(ids, end, loaded, std::move(done));
      });
}

Result<TriggerCache::Entry> WebhookIngest::cacheTrigger(
    const std::string& id, const std::string& raw,
    std::optional<std::chrono::steady_clock::time_point> read_at) {
  return cache_.trigger(
      id, raw, [this](std::string_view text) { return triggers_.decode(text); }, read_at);
}

void WebhookIngest::withTrigger(const std::shared_ptr<WebhookDelivery>& d, const std::string& raw,
                                std::chrono::steady_clock::time_point read_at, Done done) {
  withEntry(d, cacheTrigger(d->trigger_id, raw, read_at), std::move(done));
}

void WebhookIngest::withEntry(const std::shared_ptr<WebhookDelivery>& d,
                              Result<TriggerCache::Entry> entry, Done done) {
  if (!entry.ok()) {
    // The detail (key ids, why a seal did not open) is for the operator's log, not the caller.
    TLOG_ERROR("webhook", "trigger=%s reason=%s stored trigger cannot be read",
               d->trigger_id.c_str(), log::logValue(entry.error().message, 300).c_str());
    return reject(*d,
                  Error::internal("the trigger cannot be read on this triggerd; its operator "
                                  "has the details in the log"),
                  "trigger_unreadable", done);
  }
  process(d, *entry, std::move(done));
}

bool WebhookIngest::verify(const WebhookDelivery& d, const Trigger& t, std::string* why) const {
  int64_t now = clock_.unixSeconds();
  // During a rotation the secret being set on the provider (pending) and, for a grace period,
  // the one it replaced verify too: a delivery signed with either is never refused.
  bool previous_valid = !t.previous_secret.empty() && now < t.previous_secret_until;
  bool pending_valid = !t.pending_secret.empty() && now < t.pending_secret_until;
  if (d.provider == Provider::kGithub) {
    if (d.github_signature.empty()) {
      *why = "missing X-Hub-Signature-256 header; set the hook's secret to the trigger's secret";
      return false;
    }
    if (verifyGithubSignature(t.secret, d.body, d.github_signature)) return true;
    if (previous_valid && verifyGithubSignature(t.previous_secret, d.body, d.github_signature))
      return true;
    if (pending_valid && verifyGithubSignature(t.pending_secret, d.body, d.github_signature))
      return true;
    *why =
        "X-Hub-Signature-256 does not match the body; the hook's secret differs from the "
        "trigger's secret";
    return false;
  }
  if (!d.has_gitlab_token) {
    *why = "missing X-Gitlab-Token header; set the hook's secret token to the trigger's secret";
    return false;
  }
  bool token_ok = verifyGitlabToken(t.secret, d.gitlab_token) ||
                  (previous_valid && verifyGitlabToken(t.previous_secret, d.gitlab_token)) ||
                  (pending_valid && verifyGitlabToken(t.pending_secret, d.gitlab_token));
  if (!token_ok) {
    *why = "X-Gitlab-Token does not match the trigger's secret";
    return false;
  }
  if (t.signing_key.empty()) return true;
  // A trigger with a signing key takes signed deliveries only: accepting the token alone would
  // let anyone who saw a token (it travels in clear in every delivery) downgrade to it. A
  // hand-made hook is held to it from its first signed delivery on.
  if (d.webhook_signature.empty() && !t.signing_required) return true;
  if (d.webhook_signature.empty()) {
    *why =
        "missing webhook-signature header: this trigger's hook has a signing token, so every "
        "delivery must be signed; set the signing token on the hook again (POST "
        ".../hook/repair)";
    return false;
  }
  switch (verifyStandardWebhook(t.signing_key, d.webhook_id, d.webhook_timestamp,
                                d.webhook_signature, d.body, clock_.unixSeconds(),
                                options_.signature_tolerance.count())) {
    case StandardWebhookCheck::kValid:
      return true;
    case StandardWebhookCheck::kMalformed:
      *why = "webhook-signature or webhook-timestamp header is malformed";
      return false;
    case StandardWebhookCheck::kStale: {
      int64_t tolerance = options_.signature_tolerance.count();
      *why = "webhook-timestamp is more than " +
             (tolerance % 60 == 0 ? std::to_string(tolerance / 60) + " minutes"
                                  : std::to_string(tolerance) + " seconds") +
             " away from triggerd's clock";
      return false;
    }
    case StandardWebhookCheck::kBadSignature:
      *why = "webhook-signature does not match the body";
      return false;
  }
  return false;
}

std::string WebhookIngest::staleReason(const PushEvent& push) const {
  if (push.pushed_at <= 0) return {};
  int64_t age = clock_.unixSeconds() - push.pushed_at;
  if (age <= options_.replay_window.count()) return {};
  return "replay: the push happened " + std::to_string(age / 3600) + " hours ago, before the " +
         std::to_string(options_.replay_window.count() / 3600) +
         "-hour delivery window; an old delivery sent again builds nothing (run the trigger by "
         "hand to rebuild)";
}

void WebhookIngest::markVerified(const Trigger& t) {
  if (t.hook_verified) return;
  // One update at a time per trigger: the deliveries that arrive before the cached trigger shows
  // the flag would otherwise each start a compare-and-set on the same record.
  if (!marking_->insert(t.id).second) return;
  // Only this one field changes, on the trigger as stored now: a concurrent PATCH, rotation or
  // disable is kept.
  int64_t now = clock_.unixSeconds();
  triggers_.update(
      t.id,
      [now](Trigger& current) {
        if (current.hook_verified) return okStatus();
        current.hook_verified = true;
        current.updated_at = now;
        return okStatus();
      },
      [id = t.id, marking = marking_](Result<Trigger> r) {
        marking->erase(id);
        if (!r.ok())
          TLOG_WARN("webhook", "trigger=%s reason=%s could not mark hook verified", id.c_str(),
                    r.error().message.c_str());
      });
}

void WebhookIngest::requireSignatures(const Trigger& t) {
  int64_t now = clock_.unixSeconds();
  triggers_.update(
      t.id,
      [now](Trigger& current) {
        if (current.signing_required || current.signing_key.empty()) return okStatus();
        current.signing_required = true;
        current.updated_at = now;
        return okStatus();
      },
      [id = t.id](Result<Trigger> r) {
        if (!r.ok())
          TLOG_WARN("webhook", "trigger=%s reason=%s could not record that deliveries are signed",
                    id.c_str(), r.error().message.c_str());
        else
          TLOG_INFO("webhook", "trigger=%s first signed delivery: unsigned ones are refused now",
                    id.c_str());
      });
}

void WebhookIngest::process(const std::shared_ptr<WebhookDelivery>& d,
                            const TriggerCache::Entry& entry, Done done, bool cached) {
  const Trigger& t = *entry.trigger;
  const char* provider = providerName(d->provider);
  if (t.provider != d->provider) {
    std::string owner = providerName(t.provider);
    return refuse(
        d, entry, cached,
        Error::notFound("trigger_id", "trigger belongs to " + owner + ", not " + provider +
                                          "; use /webhooks/" + owner + "/" + t.id),
        "wrong_provider", std::move(done));
  }
  std::string why;
  if (!verify(*d, t, &why)) {
    // With a cached trigger: a secret changed on another replica would be refused here, so the
    // trigger as stored now decides.
    return refuse(d, entry, cached, Error{401, "signature", why}, "signature", std::move(done));
  }
  if (!t.signing_required && !t.signing_key.empty() && !d->webhook_signature.empty())
    requireSignatures(t);  // verify() checked the signature: from now on every one must carry it

  if (d->event.empty()) {
    const char* header = d->provider == Provider::kGithub ? "X-GitHub-Event" : "X-Gitlab-Event";
    return reject(*d, Error{400, header, std::string("missing ") + header + " header"}, "malformed",
                  done);
  }
  if (d->delivery_id.empty()) {
    if (d->provider == Provider::kGithub) {
      return reject(*d,
                    Error{400, "X-GitHub-Delivery",
                          "missing X-GitHub-Delivery header; it identifies the delivery for "
                          "de-duplication"},
                    "malformed", done);
    }
    // GitLab before 14.8 sends no delivery id: identical bodies are the same delivery.
    d->delivery_id = "sha256-" + sha256Hex(d->body);
  }

  auto parsed = d->provider == Provider::kGithub
                    ? parseGithubDelivery(d->event, d->content_type, d->body)
                    : parseGitlabDelivery(d->event, d->content_type, d->body);
  if (!parsed.ok()) {
    const Error& e = parsed.error();
    return reject(*d, e, e.status == 415 ? "content_type" : "malformed", done);
  }
  Delivery& delivery = *parsed;
  if (delivery.kind == DeliveryKind::kPing) {
    markVerified(t);
    return ignore(*d, "ping: hook verified", done);
  }
  if (delivery.kind == DeliveryKind::kIgnored) return ignore(*d, delivery.ignored_reason, done);

  const PushEvent& push = delivery.push;
  if (!sameRepository(t, push.repository)) {
    return refuse(d, entry, cached,
                  Error{400, "repository",
                        "delivery is for repository " + push.repository.full_name +
                            " but the trigger builds " + t.repository_full_name +
                            "; put this webhook URL on the trigger's repository only"},
                  "wrong_repository", std::move(done));
  }
  if (!t.enabled) return ignore(*d, "trigger is disabled", done);
  if (hasSkipMarker(push.head.message))
    return ignore(*d, "head commit message asks to skip the build", done);
  if (!t.hook_verified) markVerified(t);
  if (std::string stale = staleReason(push); !stale.empty()) {
    metrics_.inc("triggerd_webhook_replays_total", {{"provider", provider}, {"kind", "stale"}});
    return ignore(*d, stale, done);
  }
  build(d, entry, push, std::move(done), cached);
}

void WebhookIngest::build(const std::shared_ptr<WebhookDelivery>& d,
                          const TriggerCache::Entry& entry, const PushEvent& push, Done done,
                          bool cached) {
  const Trigger& t = *entry.trigger;
  // Only now, with the signature checked, are the rules compiled (or taken from the cache).
  auto rules = cache_.rules(t.id, entry);
  if (!rules.ok()) {
    TLOG_ERROR("webhook", "trigger=%s reason=%s stored rules do not compile", t.id.c_str(),
               log::logValue(rules.error().message, 300).c_str());
    return reject(*d,
                  Error::internal("the trigger's rules cannot be used; its owner should save "
                                  "them again"),
                  "trigger_unreadable", done);
  }
  auto builds = planBuilds(**rules, push, d->received_at);
  if (builds.empty()) {
    std::string why = std::string("no build rule matches ") + refTypeName(push.ref_type) + " '" +
                      push.ref_name + "'";
    if (!cached) return ignore(*d, why, done);
    // The rules may have changed on another replica: only the stored ones may turn a push away.
    return recheck(d, entry, std::move(done),
                   [this, d, why](Done again) { ignore(*d, why, again); });
  }

  std::vector<Job> jobs = buildJobs(
      t, **rules, builds, push, JobOrigin{"push", d->delivery_id, d->received_at}, rng_, clock_);
  enqueue(d, t, push, std::move(jobs), std::move(done));
}

void WebhookIngest::answerEnqueued(const WebhookDelivery& d, const std::vector<std::string>& ids,
                                   bool spooled, Done& done) {
  // The success line of every delivery: debug, so that the default (info) log holds what needs
  // a look (ignored, refused, spooled) rather than one line per build.
  auto level = spooled ? log::Level::kInfo : log::Level::kDebug;
  if (log::enabled(level)) {
    log::write(level, "webhook", "provider=%s trigger=%s delivery=%s %s jobs=%zu",
               providerName(d.provider), d.trigger_id.c_str(),
               log::logValue(d.delivery_id, 80).c_str(), spooled ? "spooled" : "enqueued",
               ids.size());
  }
  DeliveryCounters& c = counters(d.provider);
  if (spooled) {
    c.spooled.inc();
  } else {
    c.enqueued.inc();
    c.jobs_enqueued.inc(ids.size());
  }
  std::string body = jobsBody(ids, false);
  if (spooled) body.insert(body.size() - 1, ",\"spooled\":true");
  done(WebhookAnswer{202, std::move(body), {}});
}

// Who answers first wins: Redis's acknowledgement, Redis's failure (then the spool), or, with a
// spool, the deadline (then the spool; the enqueue in flight may still land, and the replay's
// dedupe on the delivery id settles it).
struct EnqueueRace {
  bool answered = false;
  std::unique_ptr<Timer> deadline;
};

void WebhookIngest::enqueue(const std::shared_ptr<WebhookDelivery>& d, const Trigger& t,
                            const PushEvent& push, std::vector<Job> jobs, Done done) {
  const char* provider = providerName(d->provider);
  SpooledEnqueue plan{t.id, d->delivery_id, queue_.keys().pushSeen(t.id, push.ref, push.head.sha),
                      std::move(jobs)};
  // Redis is known to be down: straight to the spool, without waiting for a timeout.
  if (spool_ != nullptr && !queue_.connected()) {
    return spool(d, std::move(plan), Error::unavailable("redis is not connected"), std::move(done));
  }
  auto race = std::make_shared<EnqueueRace>();
  auto shared_done = std::make_shared<Done>(std::move(done));
  auto shared_plan = std::make_shared<SpooledEnqueue>(std::move(plan));
  if (spool_ != nullptr && loop_ != nullptr) {
    std::weak_ptr<EnqueueRace> weak_race = race;  // the enqueue callback holds it
    race->deadline = loop_->createTimer([this, d, weak_race, shared_done, shared_plan] {
      auto held = weak_race.lock();
      if (!held || held->answered) return;
      held->answered = true;
      spool(d, *shared_plan,
            Error::unavailable("redis did not acknowledge within " +
                               std::to_string(options_.spool_deadline.count()) + " ms"),
            *shared_done);
    });
    race->deadline->arm(options_.spool_deadline);
  }
  queue_.enqueue(
      shared_plan->trigger_id, shared_plan->delivery_id, shared_plan->jobs,
      [this, d, provider, race, shared_done, shared_plan](Result<EnqueueOutcome> r) mutable {
        race->deadline.reset();
        if (race->answered) return;  // the deadline spooled it already
        race->answered = true;
        Done& answer = *shared_done;
        if (!r.ok()) {
          if (spool_ != nullptr) return spool(d, *shared_plan, r.error(), answer);
          Error e = r.error();
          e.message = "job queue unavailable (" + e.message +
                      "); whether the jobs were enqueued is not known, redeliver later (a "
                      "redelivery never builds twice)";
          return reject(*d, e, "redis_unavailable", answer);
        }
        if (r->replay) {
          metrics_.inc("triggerd_webhook_replays_total",
                       {{"provider", provider}, {"kind", "same_push"}});
          return ignore(*d,
                        "replay: this push was delivered before under another delivery id and "
                        "built as " +
                            std::to_string(r->job_ids.size()) + " job(s)",
                        answer);
        }
        if (r->duplicate) {
          TLOG_INFO("webhook", "provider=%s trigger=%s delivery=%s duplicate jobs=%zu", provider,
                    d->trigger_id.c_str(), log::logValue(d->delivery_id, 80).c_str(),
                    r->job_ids.size());
          counters(d->provider).duplicate.inc();
          return answer(WebhookAnswer{200, jobsBody(r->job_ids, true), {}});
        }
        answerEnqueued(*d, r->job_ids, false, answer);
      },
      shared_plan->push_key);
}

void WebhookIngest::spool(const std::shared_ptr<WebhookDelivery>& d, SpooledEnqueue e,
                          const Error& why, Done done) {
  std::vector<std::string> ids;
  for (const auto& job : e.jobs) ids.push_back(job.id);
  TLOG_WARN("webhook", "trigger=%s delivery=%s reason=%s spooling the delivery",
            d->trigger_id.c_str(), log::logValue(d->delivery_id, 80).c_str(), why.message.c_str());
  spool_->append(encodeSpooledEnqueue(e), [this, d, ids = std::move(ids),
                                           done = std::move(done)](Status st) mutable {
    if (!st.ok()) {
      // Neither Redis nor the spool can keep it: only now is the answer 503.
      Error refused = st.error();
      refused.message = "the job queue is unavailable and the spool cannot take the delivery (" +
                        refused.message + "); redeliver later";
      return reject(*d, refused, "spool_unavailable", done);
    }
    answerEnqueued(*d, ids, true, done);
  });
}

}  // namespace triggerd
