#include "credentials/token_checker.h"

#include "common/log.h"
#include "providers/provider_client.h"
#include "providers/scopes.h"

namespace triggerd {

TokenChecker::TokenChecker(EventLoop& loop, SourceStore& sources, HttpClient& http,
                           const Clock& clock, Metrics& metrics, TokenCheckOptions options)
    : loop_(loop),
      sources_(sources),
      http_(http),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)) {
  timer_ = loop_.createTimer([this] {
    runOnce();
    timer_->arm(std::chrono::duration_cast<std::chrono::milliseconds>(options_.interval));
  });
}

void TokenChecker::start(std::chrono::milliseconds first_delay) {
  timer_->arm(first_delay);
}

void TokenChecker::runOnce(std::function<void(TokenCheckSummary)> done) {
  if (done) waiters_.push_back(std::move(done));
  if (running_) return;
  running_ = true;
  summary_ = {};
  std::weak_ptr<bool> alive = alive_;
  sources_.all([this, alive](Result<std::vector<std::pair<std::string, Provider>>> r) {
    if (alive.expired()) return;
    if (!r.ok()) {
      TLOG_WARN("tokens", "reason=%s token check skipped", r.error().message.c_str());
      return finish();
    }
    queue_.assign(r->begin(), r->end());
    next();
  });
}

void TokenChecker::next() {
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
  metrics_.set("triggerd_tokens_expiring", {}, summary_.expiring);
  for (auto [state, n] :
       {std::pair{"valid", summary_.valid}, std::pair{"expiring", summary_.expiring},
        std::pair{"expired", summary_.expired}, std::pair{"revoked", summary_.revoked}})
    metrics_.set("triggerd_sources", {{"state", state}}, n);
  TLOG_INFO("tokens", "checked=%d valid=%d expiring=%d expired=%d revoked=%d unreachable=%d",
            summary_.checked, summary_.valid, summary_.expiring, summary_.expired, summary_.revoked,
            summary_.unreachable);
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& w : waiters) w(summary_);
}

}  // namespace triggerd
