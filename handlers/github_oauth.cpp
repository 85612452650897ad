#include "handlers/github_oauth.h"

#include <memory>

#include "common/encoding.h"
#include "common/log.h"
#include "providers/github_api.h"
#include "providers/scopes.h"

namespace triggerd {
namespace {

std::string htmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

ApiReply page(int status, const std::string& title, const std::string& message) {
  return ApiReply{status,
                  oauthPage(title, message),
                  {{"Content-Type", "text/html; charset=utf-8"},
                   {"Cache-Control", "no-store"},
                   {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"}}};
}

}  // namespace

std::string oauthPage(const std::string& title, const std::string& message) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>triggerd: " +
         htmlEscape(title) +
         "</title><style>body{font-family:sans-serif;max-width:40em;margin:4em auto}</style>"
         "</head><body><h1>" +
         htmlEscape(title) + "</h1><p>" + htmlEscape(message) + "</p></body></html>\n";
}

// GET /oauth/github/callback as named steps: take the state (single use), exchange the code,
// read the account and its scopes, bind, answer the browser.
class GitHubOAuth::CallbackFlow : public std::enable_shared_from_this<CallbackFlow> {
 public:
  CallbackFlow(GitHubOAuth& oauth, std::map<std::string, std::string> query, ApiDone done)
      : oauth_(oauth), query_(std::move(query)), api_(oauth.api()), done_(std::move(done)) {}

  void start() {
    std::string state = param("state");
    if (state.empty() || state.size() > 128) {
      return done_(page(400, "Authorization failed",
                        "The request carries no valid state. Start the authorization again "
                        "from triggerd."));
    }
    auto self = shared_from_this();
    oauth_.states_.take(state, [self](Result<std::optional<OAuthFlow>> flow) {
      if (!flow.ok()) {
        return self->done_(page(503, "Try again later",
                                "triggerd cannot reach its database right now; start the "
                                "authorization again in a minute."));
      }
      if (!flow->has_value()) {
        return self->done_(page(400, "Authorization expired",
                                "This authorization link has expired or was already used (links "
                                "last 10 minutes and work once). Start the authorization again."));
      }
      self->user_ = (*flow)->user;
      self->exchange();
    });
  }

 private:
  std::string param(const char* name) const {
    auto it = query_.find(name);
    return it == query_.end() ? std::string() : it->second;
  }

  void exchange() {
    if (std::string error = param("error"); !error.empty()) {
      std::string description = param("error_description");
      TLOG_INFO("oauth", "user=%s error=%s authorization not granted", user_.c_str(),
                log::logValue(error, 60).c_str());
      return done_(page(400, "Authorization not granted",
                        "GitHub answered: " + (description.empty() ? error : description) +
                            ". Start the authorization again to bind your account."));
    }
    std::string code = param("code");
    if (code.empty())
      return done_(page(400, "Authorization failed", "GitHub sent no code; start again."));
    const auto& o = oauth_.sources_.options();
    auto self = shared_from_this();
    auto call = api_.exchangeCode(o.github_client_id, o.github_client_secret, code,
                                  oauth_.callbackUrl(), [self](Result<OAuthGrant> grant) {
                                    if (!grant.ok()) return self->fail(grant.error());
                                    self->grant_ = std::move(grant).value();
                                    self->readAccount();
                                  });
    if (!call.ok()) fail(call.error());
  }

  void readAccount() {
    auto self = shared_from_this();
    auto call = api_.getUser(grant_.access_token, [self](Result<GitHubUser> who) {
      if (!who.ok()) return self->fail(who.error());
      self->bind(std::move(who).value());
    });
    if (!call.ok()) fail(call.error());
  }

  void bind(GitHubUser who) {
    const auto& o = oauth_.sources_.options();
    std::vector<std::string> scopes = who.scopes_reported ? who.token.scopes : grant_.scopes;
    auto missing = missingGithubScopes(scopes, o.client.github_scopes);
    if (!missing.empty()) {
      TLOG_WARN("oauth", "user=%s login=%s missing_scopes=%s binding refused", user_.c_str(),
                who.identity.login.c_str(), joinScopes(missing).c_str());
      return done_(page(403, "Missing permissions",
                        "GitHub granted " +
                            (scopes.empty() ? std::string("no scopes") : joinScopes(scopes)) +
                            ", but triggerd needs " + joinScopes(missing) +
                            " to list your private repositories and manage their webhooks. "
                            "Start the authorization again and keep the requested permissions."));
    }
    Source s;
    s.user = user_;
    s.provider = Provider::kGithub;
    s.api_url = o.github_api_url;
    s.login = who.identity.login;
    s.account_id = who.identity.id;
    s.token = grant_.access_token;
    s.scopes = scopes;
    s.expires_at = who.token.expires_at;
    s.bound_at = s.checked_at = oauth_.sources_.clock().unixSeconds();
    auto self = shared_from_this();
    oauth_.sources_.store(s, [self, login = s.login](Status st) {
      if (!st.ok()) {
        int status = st.error().is(Error::Kind::kConflict) ? 409 : 503;
        return self->done_(page(status, "Not bound", st.error().message));
      }
      self->bound(login);
    });
  }

  void bound(const std::string& login) {
    TLOG_INFO("oauth", "user=%s login=%s github account bound", user_.c_str(), login.c_str());
    const std::string& success = oauth_.sources_.options().github_oauth_success_url;
    if (!success.empty()) {
      std::string sep = success.find('?') == std::string::npos ? "?" : "&";
      return done_(ApiReply{
          302, "", {{"Location", success + sep + "provider=github&login=" + urlEncode(login)}}});
    }
    done_(page(200, "GitHub account bound",
               "triggerd can now use the GitHub account " + login + ". You can close this page."));
  }

  void fail(const Error& e) {
    int status = e.status >= 500 ? 502 : 400;
    done_(page(status, "Authorization failed", e.message));
  }

  GitHubOAuth& oauth_;
  std::map<std::string, std::string> query_;
  GitHubApi api_;
  ApiDone done_;
  std::string user_;
  OAuthGrant grant_;
};

GitHubOAuth::GitHubOAuth(SourcesApi& sources, OAuthStateStore& states, HttpClient& http,
                         Random& rng)
    : sources_(sources), states_(states), http_(http), rng_(rng) {}

GitHubApi GitHubOAuth::api() const {
  const auto& o = sources_.options();
  return GitHubApi(http_, o.client.github(o.github_api_url, o.github_oauth_url, sources_.clock()));
}

std::string GitHubOAuth::callbackUrl() const {
  return sources_.options().public_base_url + "/oauth/github/callback";
}

void GitHubOAuth::authorize(const std::string& user, ApiDone done) {
  if (sources_.options().github_client_id.empty()) {
    return done(ApiReply::error(Error::unprocessable(
        "github.client_id",
        "the GitHub OAuth app is not configured on this triggerd (github.client_id and "
        "github.client_secret_file); bind a token with PUT .../sources/github instead")));
  }
  sources_.refuseIfBound(
      user, Provider::kGithub, [this, user, done = std::move(done)](Status free) {
        if (!free.ok()) return done(ApiReply::error(free.error()));
        states_.issue(OAuthFlow{user}, kStateTtl, rng_, [this, done](Result<std::string> state) {
          if (!state.ok()) return done(ApiReply::error(state.error()));
          const auto& o = sources_.options();
          std::string url =
              api().authorizeUrl(o.github_client_id, callbackUrl(), o.client.github_scopes, *state);
          done(ApiReply{200,
                        json::build([&](json::Writer& w) {
                          w.StartObject();
                          json::kv(w, "authorize_url", url);
                          json::key(w, "expires_in");
                          w.Int64(kStateTtl.count());
                          w.EndObject();
                        }),
                        {}});
        });
      });
}

void GitHubOAuth::callback(const std::map<std::string, std::string>& query, ApiDone done) {
  std::make_shared<CallbackFlow>(*this, query, std::move(done))->start();
}

}  // namespace triggerd
