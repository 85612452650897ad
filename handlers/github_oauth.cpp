#include "handlers/github_oauth.h"

#include <memory>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "console/assets.h"
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

const std::pair<std::string, std::string> kBackToConsole{"/console/#/sources",
                                                         "Back to the triggerd console"};

ApiReply page(int status, const std::string& title, const std::string& message,
              const std::pair<std::string, std::string>& link = kBackToConsole) {
  ApiReply r{status, oauthPage(title, message, link), consolePageHeaders()};
  r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  return r;
}

Error badHandoff() {
  return Error::notFound("handoff",
                         "unknown, expired or already used handoff code (codes last 10 minutes "
                         "and work once); start the authorization again");
}

}  // namespace

std::string oauthPage(const std::string& title, const std::string& message,
                      const std::pair<std::string, std::string>& link) {
  std::string out =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>triggerd: " +
      htmlEscape(title) +
      "</title><link rel=\"stylesheet\" href=\"/console/console.css\"></head>"
      "<body class=\"oauth-page\"><main><h1>" +
      htmlEscape(title) + "</h1><p>" + htmlEscape(message) + "</p>";
  if (!link.first.empty())
    out += "<p><a href=\"" + htmlEscape(link.first) + "\">" + htmlEscape(link.second) + "</a></p>";
  return out + "</main></body></html>\n";
}

// Turning GitHub's code into a binding: exchange it for a token, read the account and its
// scopes, check them, store the source. Shared by the callback and the handoff redemption.
class GitHubOAuth::GrantFlow : public std::enable_shared_from_this<GrantFlow> {
 public:
  using Done = std::function<void(Result<Source>)>;
  GrantFlow(GitHubOAuth& oauth, std::string user, Done done)
      : oauth_(oauth), user_(std::move(user)), api_(oauth.api()), done_(std::move(done)) {}

  void start(const std::string& code) {
    const auto& o = oauth_.sources_.options();
    auto self = shared_from_this();
    auto call = api_.exchangeCode(o.github_client_id, o.github_client_secret, code,
                                  oauth_.callbackUrl(), [self](Result<OAuthGrant> grant) {
                                    if (!grant.ok()) return self->done_(grant.error());
                                    self->grant_ = std::move(grant).value();
                                    self->readAccount();
                                  });
    if (!call.ok()) done_(call.error());
  }

 private:
  void readAccount() {
    auto self = shared_from_this();
    auto call = api_.getUser(grant_.access_token, [self](Result<GitHubUser> who) {
      if (!who.ok()) return self->done_(who.error());
      self->bind(std::move(who).value());
    });
    if (!call.ok()) done_(call.error());
  }

  void bind(GitHubUser who) {
    const auto& o = oauth_.sources_.options();
    std::vector<std::string> scopes = who.scopes_reported ? who.token.scopes : grant_.scopes;
    auto missing = missingGithubScopes(scopes, o.client.github_scopes);
    if (!missing.empty()) {
      TLOG_WARN("oauth", "user=%s login=%s missing_scopes=%s binding refused", user_.c_str(),
                who.identity.login.c_str(), joinScopes(missing).c_str());
      return done_(Error::credentialsRejected(
          "scope", "GitHub granted " +
                       (scopes.empty() ? std::string("no scopes") : joinScopes(scopes)) +
                       ", but triggerd needs " + joinScopes(missing) +
                       " to list your private repositories and manage their webhooks. Start the "
                       "authorization again and keep the requested permissions."));
    }
    source_.user = user_;
    source_.provider = Provider::kGithub;
    source_.api_url = o.github_api_url;
    source_.login = who.identity.login;
    source_.account_id = who.identity.id;
    source_.token = grant_.access_token;
    source_.scopes = scopes;
    source_.expires_at = who.token.expires_at;
    source_.bound_at = source_.checked_at = oauth_.sources_.clock().unixSeconds();
    auto self = shared_from_this();
    oauth_.sources_.store(source_, [self](Status st) {
      if (!st.ok()) return self->done_(st.error());
      TLOG_INFO("oauth", "user=%s login=%s github account bound", self->user_.c_str(),
                self->source_.login.c_str());
      self->done_(self->source_);
    });
  }

  GitHubOAuth& oauth_;
  std::string user_;
  GitHubApi api_;
  Done done_;
  OAuthGrant grant_;
  Source source_;
};

// GET /oauth/github/callback as named steps: take the state (single use), check what the
// browser proves, then bind (session) or hand the code on (handoff), and answer the browser.
class GitHubOAuth::CallbackFlow : public std::enable_shared_from_this<CallbackFlow> {
 public:
  CallbackFlow(GitHubOAuth& oauth, std::map<std::string, std::string> query,
               std::optional<CallbackBrowser> browser, CallbackDone done)
      : oauth_(oauth),
        query_(std::move(query)),
        browser_(std::move(browser)),
        done_(std::move(done)) {}

  void start() {
    std::string state = param("state");
    if (state.empty() || state.size() > 128) {
      return answer("refused", page(400, "Authorization failed",
                                    "The request carries no valid state. Start the authorization "
                                    "again from triggerd."));
    }
    auto self = shared_from_this();
    oauth_.states_.take(state, [self](Result<std::optional<OAuthFlow>> flow) {
      if (!flow.ok()) {
        return self->answer("refused",
                            page(503, "Try again later",
                                 "triggerd cannot reach its database right now; start the "
                                 "authorization again in a minute."));
      }
      if (!flow->has_value()) {
        return self->answer("refused",
                            page(400, "Authorization expired",
                                 "This authorization link has expired or was already used (links "
                                 "last 10 minutes and work once). Start the authorization again."));
      }
      self->flow_ = std::move(**flow);
      self->granted();
    });
  }

 private:
  std::string param(const char* name) const {
    auto it = query_.find(name);
    return it == query_.end() ? std::string() : it->second;
  }

  void answer(const char* outcome, ApiReply reply) { done_(std::move(reply), outcome); }

  void granted() {
    if (std::string error = param("error"); !error.empty()) {
      std::string description = param("error_description");
      TLOG_INFO("oauth", "user=%s error=%s authorization not granted", flow_.user.c_str(),
                log::logValue(error, 60).c_str());
      return answer("refused",
                    page(400, "Authorization not granted",
                         "GitHub answered: " + (description.empty() ? error : description) +
                             ". Start the authorization again to bind your account."));
    }
    code_ = param("code");
    if (code_.empty())
      return answer("refused",
                    page(400, "Authorization failed", "GitHub sent no code; start again."));
    if (flow_.proof == OAuthFlow::Proof::kHandoff) return handOff();
    checkBrowser();
  }

  // The browser must be signed in to the console as the flow's user (in the very session that
  // started it, when the console started it). Checked before the code is exchanged: a browser
  // that proves nothing never gets a token fetched, let alone bound.
  void checkBrowser() {
    const std::string& user = flow_.user;
    std::string why;
    if (!browser_)
      why = "this browser is not signed in to triggerd";
    else if (browser_->user != user)
      why = "this browser is signed in to triggerd as " + browser_->user;
    else if (!flow_.session.empty() && browser_->session != flow_.session)
      why = "it was started in another triggerd session of " + user;
    if (!why.empty()) {
      TLOG_WARN("oauth", "user=%s browser=%s binding refused: the browser does not prove the user",
                user.c_str(), browser_ ? browser_->user.c_str() : "-");
      return answer(
          "unproven",
          page(403, "Nothing was bound",
               "This authorization was started for the triggerd user " + user + ", but " + why +
                   ". An authorization link binds only in a browser signed in to triggerd as " +
                   user + ": if you are " + user +
                   ", sign in to the triggerd console in this browser and start the "
                   "authorization again from there. If someone sent you this link, do not use "
                   "it."));
    }
    auto self = shared_from_this();
    std::make_shared<GrantFlow>(oauth_, user, [self](Result<Source> bound) {
      if (!bound.ok()) return self->fail(bound.error());
      self->bound(*bound);
    })->start(code_);
  }

  void handOff() {
    auto self = shared_from_this();
    oauth_.states_.issueHandoff(
        OAuthHandoff{flow_.user, code_}, kStateTtl, oauth_.rng_, [self](Result<std::string> id) {
          if (!id.ok()) return self->fail(id.error());
          const std::string& url = self->oauth_.sources_.options().github_oauth_handoff_url;
          std::string sep = url.find('?') == std::string::npos ? "?" : "&";
          TLOG_INFO("oauth", "user=%s code handed off for redemption", self->flow_.user.c_str());
          self->answer(
              "handed_off",
              ApiReply{302, "", {{"Location", url + sep + "provider=github&handoff=" + *id}}});
        });
  }

  void bound(const Source& s) {
    const std::string& success = oauth_.sources_.options().github_oauth_success_url;
    // Flows from triggerd's console return to it; API-started ones honour the configured page.
    if (!success.empty() && flow_.session.empty()) {
      std::string sep = success.find('?') == std::string::npos ? "?" : "&";
      return answer(
          "bound",
          ApiReply{302,
                   "",
                   {{"Location", success + sep + "provider=github&login=" + urlEncode(s.login)}}});
    }
    answer("bound", page(200, "GitHub account bound",
                         "The GitHub account " + s.login + " is now bound to the triggerd user " +
                             s.user + ". You can close this page."));
  }

  void fail(const Error& e) {
    if (e.is(Error::Kind::kConflict)) return answer("refused", page(409, "Not bound", e.message));
    if (e.is(Error::Kind::kCredentialsRejected) && e.field == "scope")
      return answer("refused", page(403, "Missing permissions", e.message));
    int status = e.status >= 500 ? 502 : 400;
    answer("refused", page(status, "Authorization failed", e.message));
  }

  GitHubOAuth& oauth_;
  std::map<std::string, std::string> query_;
  std::optional<CallbackBrowser> browser_;
  CallbackDone done_;
  OAuthFlow flow_;
  std::string code_;
};

// POST .../sources/github/complete as named steps: take the handoff (single use), check it
// belongs to the caller's user, bind.
class GitHubOAuth::CompleteFlow : public std::enable_shared_from_this<CompleteFlow> {
 public:
  CompleteFlow(GitHubOAuth& oauth, std::string user, ApiDone done)
      : oauth_(oauth), user_(std::move(user)), done_(std::move(done)) {}

  void start(const std::string& handoff) {
    auto self = shared_from_this();
    oauth_.states_.takeHandoff(handoff, [self](Result<std::optional<OAuthHandoff>> h) {
      if (!h.ok()) return self->fail(h.error());
      if (!h->has_value()) return self->fail(badHandoff());
      if ((*h)->user != self->user_) {
        TLOG_WARN("oauth", "user=%s flow_user=%s handoff refused: another user's flow",
                  self->user_.c_str(), (*h)->user.c_str());
        return self->fail(Error(Error::Kind::kForbidden, "handoff",
                                "this authorization was started for another triggerd user; "
                                "nothing was bound. Start the authorization again as yourself"));
      }
      self->bind((*h)->code);
    });
  }

 private:
  void bind(const std::string& code) {
    auto self = shared_from_this();
    std::make_shared<GrantFlow>(oauth_, user_, [self](Result<Source> bound) {
      if (!bound.ok()) return self->fail(bound.error());
      self->done_(self->oauth_.sources_.sourceReply(201, *bound));
    })->start(code);
  }

  void fail(const Error& e) { done_(ApiReply::error(e)); }

  GitHubOAuth& oauth_;
  std::string user_;
  ApiDone done_;
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

void GitHubOAuth::authorize(const std::string& user, const Principal& caller, ApiDone done) {
  const auto& options = sources_.options();
  if (options.github_client_id.empty()) {
    return done(ApiReply::error(Error::unprocessable(
        "github.client_id",
        "the GitHub OAuth app is not configured on this triggerd (github.client_id and "
        "github.client_secret_file); bind a token with PUT .../sources/github instead")));
  }
  OAuthFlow flow{user, OAuthFlow::Proof::kSession, caller.session};
  if (caller.session.empty() && !options.github_oauth_handoff_url.empty())
    flow.proof = OAuthFlow::Proof::kHandoff;
  sources_.refuseIfBound(
      user, Provider::kGithub, [this, flow, done = std::move(done)](Status free) {
        if (!free.ok()) return done(ApiReply::error(free.error()));
        states_.issue(flow, kStateTtl, rng_, [this, flow, done](Result<std::string> state) {
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
                          json::kv(
                              w, "completion",
                              flow.proof == OAuthFlow::Proof::kHandoff ? "handoff" : "session");
                          w.EndObject();
                        }),
                        {}});
        });
      });
}

void GitHubOAuth::callback(const std::map<std::string, std::string>& query,
                           std::optional<CallbackBrowser> browser, CallbackDone done) {
  std::make_shared<CallbackFlow>(*this, query, std::move(browser), std::move(done))->start();
}

void GitHubOAuth::complete(const std::string& user, std::string_view body, ApiDone done) {
  static constexpr std::string_view kFields[] = {"handoff"};
  auto doc = parseObjectBody(body, kFields);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  auto handoff = requiredString(*doc, "handoff", "the handoff code the OAuth callback passed on");
  if (!handoff.ok()) return done(ApiReply::error(handoff.error()));
  if (handoff->size() > 128) return done(ApiReply::error(badHandoff()));
  std::make_shared<CompleteFlow>(*this, user, std::move(done))->start(*handoff);
}

}  // namespace triggerd
