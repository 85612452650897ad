#include "hooks/hook_work.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/log.h"
#include "hooks/hook_spec.h"
#include "hooks/missed_pushes.h"

namespace triggerd {
namespace {

std::string rfc3339(int64_t unix_seconds) {
  return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

// How long a rotation's new secret verifies before it is stored as the secret: enough for the
// provider call, short enough that an interrupted rotation leaves nothing behind for long.
constexpr int64_t kPendingSecretSeconds = 3600;

}  // namespace

void HookWork::start(const HookEnv& env, const HookOptions& options, Trigger trigger, Source source,
                     HookMode mode, Done done) {
  std::make_shared<HookWork>(env, options, std::move(trigger), std::move(source), mode,
                             std::move(done))
      ->begin();
}

HookWork::HookWork(const HookEnv& env, const HookOptions& options, Trigger trigger, Source source,
                   HookMode mode, Done done)
    : env_(env),
      options_(options),
      trigger_(std::move(trigger)),
      source_(std::move(source)),
      mode_(mode),
      done_(std::move(done)) {
  client_ = makeProviderClient(source_.endpoint(), *env_.http, options_.client, *env_.clock);
  url_ = webhookUrl(options_.public_base_url, trigger_);
  report_.hook_id = trigger_.hook_id;
  report_.active = trigger_.hook_active;
}

std::string HookWork::repo() const {
  return providerRepository(trigger_);
}

HookSpec HookWork::spec() const {
  return hookSpecFor(trigger_, options_.public_base_url,
                     new_secret_.empty() ? trigger_.secret : new_secret_);
}

void HookWork::begin() {
  if (mode_ == HookMode::kRotate) return prepareRotation();
  if (mode_ == HookMode::kCheck) return list();
  lock();
}

void HookWork::prepareRotation() {
  new_secret_ = newSecret(*env_.rng);
  int64_t until = env_.clock->unixSeconds() + kPendingSecretSeconds;
  auto self = shared_from_this();
  // The provider may sign with the new secret as soon as it has it: it verifies from now on.
  env_.triggers->update(
      trigger_.id,
      [secret = new_secret_, until](Trigger& t) {
        t.pending_secret = secret;
        t.pending_secret_until = until;
        return okStatus();
      },
      [self](Result<Trigger> t) {
        if (!t.ok()) return self->fail(t.error());
        self->trigger_ = std::move(t).value();
        self->lock();
      });
}

void HookWork::lock() {
  // Named by the repository as the trigger names it, which never changes (the API may address
  // a GitLab project by its id once the install has learnt it).
  const std::string& repository = trigger_.repository_full_name.empty()
                                      ? trigger_.repository_id
                                      : trigger_.repository_full_name;
  std::string name = "hooks:" + sha256Hex(std::string(providerName(trigger_.provider)) + "|" +
                                          source_.api_url + "|" + toLower(repository))
                                    .substr(0, 32);
  // An owner of its own: two pieces of work in one process must exclude each other too.
  std::string owner = env_.lease_owner + ":" + hexEncode(env_.rng->bytes(4));
  lease_ = std::make_unique<HeldLease>(*env_.loop, *env_.redis, env_.keys.lease(name),
                                       std::move(owner), options_.lease_ttl);
  auto self = shared_from_this();
  lease_->acquire(options_.lease_wait, [self](Result<bool> held) {
    if (!held.ok()) return self->fail(held.error());
    if (!*held) {
      return self->fail(Error::unavailable("another request is changing the hooks of " +
                                           self->repo() + "; try again shortly"));
    }
    self->refresh();
  });
}

void HookWork::refresh() {
  // Whoever held the lease before may have changed the trigger (its hook id, how far failed
  // deliveries were recovered): work from the trigger as it is now.
  auto self = shared_from_this();
  env_.triggers->get(trigger_.id, [self](Result<std::optional<Trigger>> t) {
    if (!t.ok()) return self->fail(t.error());
    if (!t->has_value())
      return self->fail(Error::notFound("id", "trigger " + self->trigger_.id + " was deleted"));
    self->trigger_ = std::move(**t);
    self->list();
  });
}

void HookWork::list(bool after_conflict) {
  auto self = shared_from_this();
  auto call = client_->listHooks(
      source_.token, repo(), [self, after_conflict](Result<std::vector<RemoteHook>> hooks) {
        if (!hooks.ok()) return self->fail(hooks.error());
        auto ours = hooksOf(*hooks, self->trigger_, self->url_);
        if (self->mode_ == HookMode::kRemove) return self->removeHooks(std::move(ours), {});
        if (ours.empty()) {
          if (!self->changes()) {
            self->report_.problems.push_back("the repository has no hook with the URL " +
                                             self->url_);
            self->report_.active = false;
            return self->finish();
          }
          if (after_conflict) {
            return self->fail(Error{502, "hook",
                                    "the provider says the hook exists but does not list it; "
                                    "try again"});
          }
          return self->create(!self->trigger_.hook_id.empty());
        }
        RemoteHook keep = ours.front();
        std::vector<RemoteHook> extras(ours.begin() + 1, ours.end());
        if (!extras.empty()) {
          if (self->changes()) return self->removeHooks(std::move(extras), std::move(keep));
          self->report_.problems.push_back(std::to_string(extras.size()) +
                                           " more hooks with the same URL (duplicates)");
        }
        self->examine(std::move(keep));
      });
  if (!call.ok()) fail(call.error());
}

void HookWork::removeHooks(std::vector<RemoteHook> hooks, std::optional<RemoteHook> keep) {
  if (hooks.empty()) {
    if (keep) return examine(std::move(*keep));
    if (report_.removed == 0) report_.actions.push_back("no hook to remove: it was gone already");
    return finish();
  }
  RemoteHook next = hooks.back();
  hooks.pop_back();
  auto self = shared_from_this();
  auto call = client_->deleteHook(
      source_.token, repo(), next.id,
      [self, next, rest = std::move(hooks), keep = std::move(keep)](Status st) mutable {
        if (!st.ok()) return self->fail(st.error());
        ++self->report_.removed;
        self->report_.actions.push_back((keep ? "removed duplicate hook " : "removed hook ") +
                                        next.id);
        self->removeHooks(std::move(rest), std::move(keep));
      });
  if (!call.ok()) fail(call.error());
}

void HookWork::create(bool deleted_before) {
  auto self = shared_from_this();
  auto call = client_->createHook(
      source_.token, repo(), spec(), [self, deleted_before](Result<RemoteHook> hook) {
        if (!hook.ok()) {
          // GitHub says a hook with this URL exists: another writer got in first. Use it.
          if (hook.error().is(Error::Kind::kConflict)) return self->list(true);
          return self->fail(hook.error());
        }
        self->report_.created = true;
        self->report_.actions.push_back(
            deleted_before ? "created hook " + hook->id + " (hook " + self->trigger_.hook_id +
                                 " had been deleted from the repository)"
                           : "created hook " + hook->id);
        self->written(std::move(hook).value(), true);
      });
  if (!call.ok()) fail(call.error());
}

void HookWork::examine(RemoteHook hook) {
  auto drift = hookDrift(hook, trigger_, url_);
  std::string disabled = hookDisabled(hook);
  if (!changes()) {
    for (auto& d : drift) report_.problems.push_back(d);
    if (!disabled.empty()) {
      report_.problems.push_back("disabled: " + disabled);
      report_.was_disabled = disabled;
    }
    hook_ = std::move(hook);
    have_hook_ = true;
    return recover();
  }
  if (!drift.empty() || mode_ == HookMode::kInstall || mode_ == HookMode::kRotate)
    return update(std::move(hook), std::move(drift));
  if (!disabled.empty()) return reactivate(std::move(hook));
  hook_ = std::move(hook);
  have_hook_ = true;
  recover();
}

void HookWork::update(RemoteHook hook, std::vector<std::string> drift) {
  auto self = shared_from_this();
  auto call = client_->updateHook(
      source_.token, repo(), hook.id, spec(),
      [self, drift = std::move(drift), before = hook](Result<RemoteHook> updated) {
        if (!updated.ok()) {
          // Deleted between the list and the update: make it again.
          if (updated.error().is(Error::Kind::kNotFound) && updated.error().field == "hook")
            return self->create(true);
          return self->fail(updated.error());
        }
        const std::string& id = updated->id;
        if (!drift.empty()) {
          self->drift_fixed_ = true;
          self->report_.actions.push_back("updated hook " + id + ": " + joinSentences(drift) +
                                          " (the secret sent again)");
        } else if (self->mode_ == HookMode::kRotate) {
          self->report_.actions.push_back("set the new secret on hook " + id);
        } else {
          self->report_.actions.push_back("sent hook " + id + " again, its secret included");
        }
        // The update leaves a hook the provider disabled after failures disabled (GitLab).
        if (!updated->active) return self->reactivate(std::move(updated).value());
        if (!before.active) {
          self->report_.was_disabled = hookDisabled(before);
          self->report_.actions.push_back("re-enabled hook " + id + ": " +
                                          self->report_.was_disabled);
        }
        self->written(std::move(updated).value(), false);
      });
  if (!call.ok()) fail(call.error());
}

void HookWork::reactivate(RemoteHook hook) {
  std::string reason = hookDisabled(hook);
  auto self = shared_from_this();
  auto call = client_->reactivateHook(
      source_.token, repo(), hook.id, spec(), [self, hook, reason](Status st) mutable {
        if (!st.ok()) return self->fail(st.error());
        self->report_.was_disabled = reason;
        self->report_.actions.push_back("re-enabled hook " + hook.id + ": " + reason);
        hook.active = true;
        hook.disabled_reason.clear();
        self->written(std::move(hook), false);
      });
  if (!call.ok()) fail(call.error());
}

void HookWork::written(RemoteHook hook, bool created) {
  // A provider that keeps no signing token for the hook (a GitLab without the feature) sends
  // unsigned deliveries: a key that demands signatures would refuse them all.
  if (!trigger_.signing_key.empty() && hook.signing_token_set != true) {
    signing_refused_ = true;
    report_.actions.push_back(
        "the provider keeps no signing token for this hook: deliveries are verified by the "
        "secret token alone");
  }
  hook_ = std::move(hook);
  have_hook_ = true;
  if (created) return finish();  // a new hook has no failed deliveries
  recover();
}

void HookWork::recover() {
  int64_t now = env_.clock->unixSeconds();
  int64_t since =
      trigger_.deliveries_checked_at > 0 ? trigger_.deliveries_checked_at : trigger_.created_at;
  since = std::max(since, now - static_cast<int64_t>(options_.recover_window.count()));
  listed_at_ = now;
  auto self = shared_from_this();
  auto call = client_->listDeliveries(
      source_.token, repo(), hook_.id, since, [self, since](Result<DeliveryLog> log) {
        if (!log.ok()) {
          self->report_.problems.push_back("could not read the hook's deliveries: " +
                                           log.error().message);
          return self->finish();
        }
        if (!log->available) {
          self->report_.actions.push_back(log->note +
                                          "; compared branch and tag heads with the "
                                          "builds instead");
          return self->findMissed();
        }
        // A delivery that never succeeded is sent again once, from its latest attempt.
        std::set<std::string> succeeded;
        std::map<std::string, HookDelivery> latest;
        for (const auto& d : log->deliveries) {
          if (d.succeeded) succeeded.insert(d.guid);
          auto [it, inserted] = latest.emplace(d.guid, d);
          if (!inserted && d.delivered_at > it->second.delivered_at) it->second = d;
        }
        for (auto& [guid, d] : latest)
          if (!succeeded.count(guid)) self->to_redeliver_.push_back(d);
        std::sort(self->to_redeliver_.begin(), self->to_redeliver_.end(),
                  [](const auto& a, const auto& b) { return a.delivered_at < b.delivered_at; });
        self->report_.failed_deliveries = static_cast<int>(self->to_redeliver_.size());
        if (!self->changes()) {
          if (!self->to_redeliver_.empty()) {
            self->report_.problems.push_back(std::to_string(self->to_redeliver_.size()) +
                                             " deliveries failed since " + rfc3339(since) +
                                             " and were not redelivered");
          }
          return self->finish();
        }
        size_t cap = static_cast<size_t>(std::max(self->options_.max_redeliveries, 0));
        if (self->to_redeliver_.size() > cap) {
          self->report_.problems.push_back(std::to_string(self->to_redeliver_.size() - cap) +
                                           " more failed deliveries wait for the next repair");
          self->to_redeliver_.resize(cap);
          self->more_to_redeliver_ = true;  // the next repair starts from the same point
        }
        self->redeliverNext();
      });
  if (!call.ok()) {
    report_.problems.push_back("could not read the hook's deliveries: " + call.error().message);
    finish();
  }
}

void HookWork::redeliverNext() {
  if (next_redelivery_ >= to_redeliver_.size()) {
    if (report_.redelivered > 0) {
      report_.actions.push_back("redelivered " + std::to_string(report_.redelivered) +
                                " failed deliveries");
      if (env_.metrics) {
        env_.metrics->inc("triggerd_hook_redeliveries_total",
                          {{"provider", providerName(trigger_.provider)}},
                          static_cast<uint64_t>(report_.redelivered));
      }
    }
    // Done up to the listing unless a redelivery could not be asked for, or more are left:
    // then the next repair looks from the same point again.
    recovered_ =
        !more_to_redeliver_ && static_cast<size_t>(report_.redelivered) == to_redeliver_.size();
    return finish();
  }
  const HookDelivery& d = to_redeliver_[next_redelivery_++];
  auto self = shared_from_this();
  auto call =
      client_->redeliver(source_.token, repo(), hook_.id, d, [self, guid = d.guid](Status st) {
        if (st.ok()) {
          ++self->report_.redelivered;
        } else {
          self->report_.problems.push_back("could not redeliver " + guid + ": " +
                                           st.error().message);
        }
        self->redeliverNext();
      });
  if (!call.ok()) {
    report_.problems.push_back("could not redeliver " + d.guid + ": " + call.error().message);
    redeliverNext();
  }
}

void HookWork::findMissed() {
  int64_t now = env_.clock->unixSeconds();
  int64_t not_before =
      std::max(trigger_.created_at, now - static_cast<int64_t>(options_.recover_window.count()));
  auto self = shared_from_this();
  findMissedPushes(client_, *env_.redis, env_.keys, trigger_, source_.token, not_before,
                   [self](Result<std::vector<std::string>> missed) {
                     if (!missed.ok()) {
                       self->report_.problems.push_back("could not compare heads with builds: " +
                                                        missed.error().message);
                       return self->finish();
                     }
                     self->missed_checked_ = true;
                     self->report_.missed_pushes = std::move(missed).value();
                     if (!self->report_.missed_pushes.empty()) {
                       self->report_.problems.push_back(
                           std::to_string(self->report_.missed_pushes.size()) +
                           " branch or tag heads were pushed but never built (see "
                           "missed_pushes; resend them from GitLab's webhook events page or push "
                           "again)");
                     }
                     self->finish();
                   });
}

void HookWork::finish() {
  if (lease_) lease_->release();
  if (have_hook_) {
    report_.hook_id = hook_.id;
    report_.active = hook_.active;
  }
  // Repaired: something was wrong and is fixed (a first install or a plain re-send is not that).
  bool fixed = report_.removed > 0 || report_.redelivered > 0 || !report_.was_disabled.empty() ||
               drift_fixed_ || (report_.created && !trigger_.hook_id.empty());
  if (!report_.problems.empty())
    report_.outcome = HookReport::Outcome::kProblems;
  else if (fixed && mode_ != HookMode::kRemove)
    report_.outcome = HookReport::Outcome::kRepaired;
  else
    report_.outcome = HookReport::Outcome::kOk;
  record();
}

void HookWork::fail(const Error& e) {
  if (lease_) lease_->release();
  report_.error = e;
  report_.outcome = HookReport::Outcome::kFailed;
  record();
}

void HookWork::record() {
  if (mode_ == HookMode::kRemove) return report();
  int64_t now = env_.clock->unixSeconds();
  int64_t grace = options_.secret_rotation_grace.count();
  auto self = shared_from_this();
  env_.triggers->update(
      trigger_.id,
      [self, now, grace](Trigger& t) -> Status {
        const HookReport& r = self->report_;
        t.hook_checked_at = now;
        if (r.error) {
          t.hook_error = r.error->message;
          // An interrupted rotation leaves the old secret in force.
          if (!self->new_secret_.empty() && t.pending_secret == self->new_secret_) {
            t.pending_secret.clear();
            t.pending_secret_until = 0;
          }
          return okStatus();
        }
        if (self->have_hook_) {
          t.hook_id = self->hook_.id;
          t.hook_active = self->hook_.active;
          if (t.repository_id.empty()) t.repository_id = self->hook_.project_id;
          // The provider signs deliveries with the token triggerd set: unsigned ones are forged.
          if (self->changes() && !t.signing_key.empty() && self->hook_.signing_token_set == true)
            t.signing_required = true;
        } else if (!self->changes()) {
          t.hook_active = false;  // checked: not there
        }
        t.hook_error = joinSentences(r.problems);
        if (self->changes() && !r.actions.empty()) t.hook_note = joinSentences(r.actions);
        if (self->recovered_) t.deliveries_checked_at = self->listed_at_;
        if (self->missed_checked_) t.missed_pushes = r.missed_pushes;
        if (self->signing_refused_) t.signing_key.clear();
        if (!self->new_secret_.empty() && t.pending_secret == self->new_secret_) {
          t.previous_secret = t.secret;
          t.previous_secret_until = now + grace;
          t.secret = self->new_secret_;
          t.pending_secret.clear();
          t.pending_secret_until = 0;
          t.updated_at = now;
        }
        return okStatus();
      },
      [self](Result<Trigger> stored) {
        if (!stored.ok() && !stored.error().is(Error::Kind::kNotFound)) {
          TLOG_WARN("hooks", "trigger=%s reason=%s could not record the hook's state",
                    self->trigger_.id.c_str(), stored.error().message.c_str());
          if (self->mode_ == HookMode::kRotate && !self->report_.error) {
            self->report_.outcome = HookReport::Outcome::kFailed;
            self->report_.error = Error::unavailable(
                "the provider has the new secret but triggerd could not store it (" +
                stored.error().message + "); rotate again");
          }
        }
        if (stored.ok()) self->trigger_ = std::move(stored).value();
        self->report();
      });
}

void HookWork::report() {
  const char* outcome = hookOutcomeName(report_.outcome);
  if (env_.metrics) {
    env_.metrics->inc("triggerd_hook_operations_total",
                      {{"action", hookModeName(mode_)}, {"outcome", outcome}});
  }
  if (report_.error) {
    TLOG_WARN("hooks", "trigger=%s repository=%s action=%s status=%d failed: %s",
              trigger_.id.c_str(), log::logValue(repo()).c_str(), hookModeName(mode_),
              report_.error->status, log::logValue(report_.error->message, 300).c_str());
  } else {
    TLOG_INFO("hooks", "trigger=%s repository=%s action=%s outcome=%s hook=%s %s",
              trigger_.id.c_str(), log::logValue(repo()).c_str(), hookModeName(mode_), outcome,
              report_.hook_id.c_str(),
              log::logValue(joinSentences(report_.actions) +
                                (report_.problems.empty() ? "" : " | problems: ") +
                                joinSentences(report_.problems),
                            400)
                  .c_str());
  }
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(report_));
}

}  // namespace triggerd
