#include "credentials/token_checker.h"

#include "common/log.h"
#include "providers/github_api.h"
#include "providers/gitlab_api.h"
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
  sources_.all([this, alive](Result<std::vector<std::pair<std::string, std::string>>> r) {
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
  std::weak_ptr<bool> alive = alive_;
  auto finished = [this, alive](Source updated, bool reachable) {
    if (alive.expired()) return;
    record(std::move(updated), reachable);
  };
  if (s.provider == "github") {
    // The OAuth base is not used by a token check.
    GitHubApi api(http_, options_.client.github(s.api_url, "", clock_));
    auto call = api.getUser(s.token, [s, finished, this](Result<GitHubUser> who) mutable {
      if (!who.ok()) {
        bool refused = who.error().status == 422;  // GitHub rejected the token (401)
        if (refused) {
          s.revoked = true;
          s.revoked_reason = "GitHub refuses the token: " + who.error().message;
        }
        return finished(std::move(s), refused);
      }
      if (who->scopes_reported) s.scopes = who->token.scopes;
      if (who->token.expires_at) s.expires_at = who->token.expires_at;
      auto missing = missingGithubScopes(s.scopes, options_.github_scopes);
      s.revoked = who->scopes_reported && !missing.empty();
      s.revoked_reason = s.revoked ? "the token lost the " + joinScopes(missing) + " scope" : "";
      finished(std::move(s), true);
    });
    if (!call.ok()) finished(std::move(s), false);
    return;
  }
  GitLabApi api(http_, options_.client.gitlab(s.api_url, s.ca_pem, clock_));
  auto call = api.tokenSelf(s.token, [s, finished](Result<TokenInfo> info) mutable {
    if (!info.ok()) {
      bool refused = info.error().status == 422;  // 401: expired or revoked
      if (refused) {
        s.revoked = true;
        s.revoked_reason = "GitLab refuses the token: " + info.error().message;
      }
      return finished(std::move(s), refused);
    }
    s.scopes = info->scopes;
    s.expires_at = info->expires_at;
    auto missing = missingGitlabScopes(s.scopes, {"api"});
    s.revoked = info->revoked || !info->active || !missing.empty();
    s.revoked_reason = info->revoked      ? "the token was revoked"
                       : !info->active    ? "the token is no longer active"
                       : !missing.empty() ? "the token lost the api scope"
                                          : "";
    finished(std::move(s), true);
  });
  if (!call.ok()) finished(std::move(s), false);
}

void TokenChecker::record(Source s, bool reachable) {
  int64_t now = clock_.unixSeconds();
  ++summary_.checked;
  if (!reachable) {
    ++summary_.unreachable;
    TLOG_WARN("tokens", "user=%s provider=%s provider unreachable; state unchanged", s.user.c_str(),
              s.provider.c_str());
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
                s.user.c_str(), s.provider.c_str(), s.login.c_str(),
                static_cast<long long>((*s.expires_at - now) / 3600));
      break;
    case SourceState::kExpired:
      ++summary_.expired;
      TLOG_WARN("tokens", "user=%s provider=%s login=%s token expired", s.user.c_str(),
                s.provider.c_str(), s.login.c_str());
      break;
    case SourceState::kRevoked:
      ++summary_.revoked;
      TLOG_WARN("tokens", "user=%s provider=%s login=%s reason=%s token revoked", s.user.c_str(),
                s.provider.c_str(), s.login.c_str(), s.revoked_reason.c_str());
      break;
  }
  metrics_.inc(
      "triggerd_token_checks_total",
      {{"provider", s.provider}, {"state", reachable ? sourceStateName(st) : "unreachable"}});
  if (!reachable) return next();
  std::weak_ptr<bool> alive = alive_;
  sources_.put(s, [this, alive](Status put) {
    if (alive.expired()) return;
    if (!put.ok() && put.error().status != 404)
      TLOG_WARN("tokens", "reason=%s could not record token state", put.error().message.c_str());
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
