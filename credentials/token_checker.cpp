#include "credentials/token_checker.h"

#include "common/log.h"
#include "providers/provider_client.h"
#include "providers/scopes.h"

namespace triggerd {

TokenChecker::TokenChecker(EventLoop& loop, RedisClient& redis, const Keys& keys,
                           std::string lease_owner, SourceStore& sources, HttpClient& http,
                           const Clock& clock, Metrics& metrics, TokenCheckOptions options)
    : loop_(loop),
      redis_(redis),
      keys_(keys),
      owner_(std::move(lease_owner)),
      sources_(sources),
      http_(http),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      pass_lease_(redis, keys_.lease("token-check"), owner_, kPassLeaseTtl) {
  timer_ = loop_.createTimer([this] {
    periodic();
    timer_->arm(std::chrono::duration_cast<std::chrono::milliseconds>(options_.interval));
  });
  renew_timer_ = loop_.createTimer([this] { renewPassLease(); });
}

TokenChecker::~TokenChecker() = default;

void TokenChecker::start(std::chrono::milliseconds first_delay) {
  timer_->arm(first_delay);
}

void TokenChecker::stop() {
  timer_->disarm();
  if (holding_) {
    // Another process may run a pass at once instead of waiting for the lease to expire.
    holding_ = false;
    lease_lost_ = true;  // the pass in progress ends after its current source
    renew_timer_->disarm();
    pass_lease_.release();
  }
}

std::chrono::milliseconds TokenChecker::periodLeaseTtl() const {
  // Shorter than the interval, so that the timer of the process that ran the last pass finds
  // the lease free again; long enough that other processes' timers in between skip.
  auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(options_.interval);
  return std::max<std::chrono::milliseconds>(interval * 9 / 10, std::chrono::milliseconds(500));
}

void TokenChecker::periodic() {
  if (running_) return;
  std::weak_ptr<bool> alive = alive_;
  // A claim on this interval, never renewed or released: a fresh owner id each time, so that
  // nobody, this process included, takes it again before it expires. (A temporary object: its
  // callback holds only the key.)
  std::string claim = owner_ + ":" + std::to_string(++period_claims_);
  Lease(redis_, keys_.lease("token-check:period"), claim, periodLeaseTtl())
      .acquire([this, alive](Result<bool> held) {
        if (alive.expired()) return;
        if (!held.ok()) {
          TLOG_WARN("tokens", "reason=%s periodic token check skipped",
                    held.error().message.c_str());
          metrics_.inc("triggerd_token_check_passes_total", {{"outcome", "failed"}});
          return;
        }
        if (!*held) {
          TLOG_DEBUG("tokens", "another triggerd process ran this interval's token check");
          metrics_.inc("triggerd_token_check_passes_total", {{"outcome", "elsewhere"}});
          return;
        }
        runOnce();
      });
}

void TokenChecker::runOnce(std::function<void(TokenCheckSummary)> done) {
  if (done) waiters_.push_back(std::move(done));
  if (running_) return;
  running_ = true;
  lease_lost_ = false;
  summary_ = {};
  std::weak_ptr<bool> alive = alive_;
  pass_lease_.acquire([this, alive](Result<bool> held) {
    if (alive.expired()) return;
    onPassLease(std::move(held));
  });
}

void TokenChecker::onPassLease(Result<bool> held) {
  if (!held.ok()) {
    TLOG_WARN("tokens", "reason=%s token check skipped", held.error().message.c_str());
    summary_.failed = held.error();
    return finish();
  }
  if (!*held) {
    TLOG_INFO("tokens", "a token check is running in another triggerd process; not here");
    summary_.elsewhere = true;
    return finish();
  }
  holding_ = true;
  renew_timer_->arm(kPassLeaseTtl / 3);
  std::weak_ptr<bool> alive = alive_;
  sources_.all([this, alive](Result<std::vector<std::pair<std::string, Provider>>> r) {
    if (alive.expired()) return;
    if (!r.ok()) {
      TLOG_WARN("tokens", "reason=%s token check skipped", r.error().message.c_str());
      summary_.failed = r.error();
      return finish();
    }
    queue_.assign(r->begin(), r->end());
    next();
  });
}

void TokenChecker::renewPassLease() {
  if (!holding_) return;
  std::weak_ptr<bool> alive = alive_;
  pass_lease_.renew([this, alive](Result<bool> held) {
    if (alive.expired() || !holding_) return;
    if (held.ok() && !*held) {
      // Expired or taken (Redis restarted without it, or a long stall): another process may be
      // checking now, so this pass stops after the source in hand.
      TLOG_WARN("tokens", "lost the token check lease; stopping this pass");
      holding_ = false;
      lease_lost_ = true;
      return;
    }
    // A failed renewal is retried: the lease lasts three renewal periods.
    renew_timer_->arm(kPassLeaseTtl / 3);
  });
}

void TokenChecker::next() {
  if (lease_lost_) queue_.clear();
  if (queue_.empty()) return finish();
  auto [user, provider] = queue_.front();
  queue_.pop_front();
  std::weak_ptr<bool> alive = alive_;
  sources_.get(user, provider, [this, alive](Result<std::optional<Source>> r) {
    if (alive.expired()) return;
    if (!r.ok() || !r->has_value()) {
      if (!r.ok()) TLOG_WARN("tokens", "reason=%s source unreadable", r.error().message.c_str());
      return next();
    }
    checkOne(std::move(**r));
  });
}

void TokenChecker::checkOne(Source s) {
  std::shared_ptr<ProviderClient> client =
      makeProviderClient(s.endpoint(), http_, options_.client, clock_);
  std::weak_ptr<bool> alive = alive_;
  auto call =
      client->inspectToken(s.token, [this, alive, client, s](Result<AccountCheck> check) mutable {
        if (alive.expired()) return;
        if (!check.ok()) {
          // Only a refusal of the token itself changes its state; anything else (the provider is
          // down, rate limited, unreachable) leaves it as it was.
          bool refused = check.error().is(Error::Kind::kCredentialsRejected);
          if (refused) {
            s.revoked = true;
            s.revoked_reason = std::string(providerTitle(s.provider)) +
                               " refuses the token: " + check.error().message;
          }
          return record(std::move(s), refused);
        }
        if (check->scopes_reported) s.scopes = check->token.scopes;
        s.expires_at = check->token.expires_at;
        auto missing = client->missingScopes(*check);
        s.revoked = check->token.revoked || !check->token.active || !missing.empty();
        s.revoked_reason = check->token.revoked   ? "the token was revoked"
                           : !check->token.active ? "the token is no longer active"
                           : !missing.empty()
                               ? "the token lost the " + joinScopes(missing) + " scope"
                               : "";
        record(std::move(s), true);
      });
  if (!call.ok()) record(std::move(s), false);
}

void TokenChecker::record(Source s, bool reachable) {
  int64_t now = clock_.unixSeconds();
  const char* provider = providerName(s.provider);
  ++summary_.checked;
  if (!reachable) {
    ++summary_.unreachable;
    TLOG_WARN("tokens", "user=%s provider=%s provider unreachable; state unchanged", s.user.c_str(),
              provider);
  } else {
    s.checked_at = now;
  }
  SourceState st = s.state(now, options_.expiry_warning.count());
  switch (st) {
    case SourceState::kValid:
      ++summary_.valid;
      break;
    case SourceState::kExpiring:
      ++summary_.expiring;
      TLOG_WARN("tokens", "user=%s provider=%s login=%s expires_in_h=%lld token expiring soon",
                s.user.c_str(), provider, s.login.c_str(),
                static_cast<long long>((*s.expires_at - now) / 3600));
      break;
    case SourceState::kExpired:
      ++summary_.expired;
      TLOG_WARN("tokens", "user=%s provider=%s login=%s token expired", s.user.c_str(), provider,
                s.login.c_str());
      break;
    case SourceState::kRevoked:
      ++summary_.revoked;
      TLOG_WARN("tokens", "user=%s provider=%s login=%s reason=%s token revoked", s.user.c_str(),
                provider, s.login.c_str(), s.revoked_reason.c_str());
      break;
  }
  metrics_.inc(
      "triggerd_token_checks_total",
      {{"provider", provider}, {"state", reachable ? sourceStateName(st) : "unreachable"}});
  if (!reachable) return next();
  std::weak_ptr<bool> alive = alive_;
  // Only the check's fields change, and only if the binding still holds the token checked: an
  // unbind and rebind during the check must not be overwritten.
  sources_.update(
      s.user, s.provider,
      [checked = s](Source& current) -> Status {
        if (current.token != checked.token)
          return Error::conflict("token", "the source was bound again during the check");
        current.scopes = checked.scopes;
        current.expires_at = checked.expires_at;
        current.checked_at = checked.checked_at;
        current.revoked = checked.revoked;
        current.revoked_reason = checked.revoked_reason;
        return okStatus();
      },
      [this, alive](Result<Source> stored) {
        if (alive.expired()) return;
        if (!stored.ok() && !stored.error().is(Error::Kind::kNotFound) &&
            !stored.error().is(Error::Kind::kConflict))
          TLOG_WARN("tokens", "reason=%s could not record token state",
                    stored.error().message.c_str());
        next();
      });
}

void TokenChecker::finish() {
  running_ = false;
  if (holding_) {
    holding_ = false;
    renew_timer_->disarm();
    pass_lease_.release();
  }
  auto waiters = std::move(waiters_);
  waiters_.clear();
  if (summary_.elsewhere || summary_.failed) {
    metrics_.inc("triggerd_token_check_passes_total",
                 {{"outcome", summary_.elsewhere ? "elsewhere" : "failed"}});
    for (auto& w : waiters) w(summary_);
    return;
  }
  metrics_.inc("triggerd_token_check_passes_total", {{"outcome", "completed"}});
  metrics_.set("triggerd_tokens_expiring", {}, summary_.expiring);
  for (auto [state, n] :
       {std::pair{"valid", summary_.valid}, std::pair{"expiring", summary_.expiring},
        std::pair{"expired", summary_.expired}, std::pair{"revoked", summary_.revoked}})
    metrics_.set("triggerd_sources", {{"state", state}}, n);
  TLOG_INFO("tokens", "checked=%d valid=%d expiring=%d expired=%d revoked=%d unreachable=%d",
            summary_.checked, summary_.valid, summary_.expiring, summary_.expired, summary_.revoked,
            summary_.unreachable);
  for (auto& w : waiters) w(summary_);
}

}  // namespace triggerd
