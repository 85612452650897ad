#include "handlers/sources_api.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "common/encoding.h"
#include "common/log.h"
#include "providers/github_api.h"
#include "providers/gitlab_address.h"
#include "providers/gitlab_api.h"
#include "providers/scopes.h"

namespace triggerd {
namespace {

using SharedDone = std::shared_ptr<ApiDone>;

SharedDone share(ApiDone done) {
  return std::make_shared<ApiDone>(std::move(done));
}

// A provider call that could not start never runs its callback: answer its error instead.
void onStartFailure(const ApiCall& call, const SharedDone& done) {
  if (!call.ok()) (*done)(ApiReply::error(call.error()));
}

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

// Checks the fields of a JSON object body against the allowed names (typos are errors).
Status onlyFields(const rapidjson::Value& obj, std::initializer_list<const char*> allowed) {
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    bool known = false;
    for (const char* a : allowed) known |= name == a;
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      return Error::unprocessable(name, "unknown field; the fields are " + list);
    }
  }
  return okStatus();
}

Result<std::string> requiredString(const rapidjson::Value& obj, const char* name,
                                   const char* hint) {
  const auto* v = json::member(obj, name);
  if (!v) return Error::unprocessable(name, std::string("required: ") + hint);
  if (!v->IsString()) return Error::unprocessable(name, "must be a string");
  std::string s(trim(std::string_view(v->GetString(), v->GetStringLength())));
  if (s.empty()) return Error::unprocessable(name, std::string("must not be empty: ") + hint);
  return s;
}

Status validatePemCertificates(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    ++count;
    X509_free(cert);
  }
  BIO_free(bio);
  if (count == 0)
    return Error::unprocessable("ca_certificate",
                                "no PEM certificate found; paste the CA certificate(s) that "
                                "signed the GitLab server's certificate, -----BEGIN "
                                "CERTIFICATE----- included");
  return okStatus();
}

void writeRepo(json::Writer& w, const RepoSummary& r) {
  w.StartObject();
  json::kv(w, "id", r.id);
  json::kv(w, "full_name", r.full_name);
  json::key(w, "private");
  w.Bool(r.is_private);
  json::kv(w, "default_branch", r.default_branch);
  json::kv(w, "clone_url", r.clone_url);
  json::kv(w, "ssh_url", r.ssh_url);
  w.EndObject();
}

void writeRef(json::Writer& w, const RefSummary& r) {
  w.StartObject();
  json::kv(w, "name", r.name);
  json::kv(w, "sha", r.sha);
  json::key(w, "protected");
  w.Bool(r.is_protected);
  w.EndObject();
}

template <typename T, typename WriteItem>
ApiReply pageReply(const char* key, const Page<T>& p, WriteItem write) {
  return ApiReply{200,
                  jsonBody([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, key);
                    w.StartArray();
                    for (const auto& item : p.items) write(w, item);
                    w.EndArray();
                    json::key(w, "next_page");
                    if (p.next_page)
                      json::str(w, *p.next_page);
                    else
                      w.Null();
                    w.EndObject();
                  }),
                  {}};
}

Error notBound(const std::string& provider) {
  return Error{404, "provider",
               "no " + provider +
                   " account is bound for this user; bind one first (PUT "
                   ".../sources/" +
                   provider +
                   (provider == "github" ? " or POST .../sources/github/authorize)" : ")")};
}

}  // namespace

std::string oauthPage(const std::string& title, const std::string& message) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>triggerd: " +
         htmlEscape(title) +
         "</title><style>body{font-family:sans-serif;max-width:40em;margin:4em auto}</style>"
         "</head><body><h1>" +
         htmlEscape(title) + "</h1><p>" + htmlEscape(message) + "</p></body></html>\n";
}

SourcesApi::SourcesApi(SourceStore& sources, TriggerStore& triggers, RedisClient& redis, Keys keys,
                       HttpClient& http, const Clock& clock, Random& rng, SourcesOptions options)
    : sources_(sources),
      triggers_(triggers),
      redis_(redis),
      keys_(std::move(keys)),
      http_(http),
      clock_(clock),
      rng_(rng),
      options_(std::move(options)) {}

ApiReply SourcesApi::sourceReply(int status, const Source& s) const {
  return ApiReply{status,
                  jsonBody([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "source");
                    writeSourcePublic(w, s, clock_.unixSeconds(), options_.expiry_warning.count());
                    w.EndObject();
                  }),
                  {}};
}

void SourcesApi::list(const std::string& user, ApiDone done) {
  sources_.list(user, [this, done = std::move(done)](Result<std::vector<Source>> r) {
    if (!r.ok()) return done(ApiReply::error(r.error()));
    done(ApiReply{200,
                  jsonBody([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "sources");
                    w.StartArray();
                    for (const auto& s : *r)
                      writeSourcePublic(w, s, clock_.unixSeconds(),
                                        options_.expiry_warning.count());
                    w.EndArray();
                    w.EndObject();
                  }),
                  {}});
  });
}

void SourcesApi::store(Source source, ApiDone done) {
  sources_.create(source, [this, source, done = std::move(done)](Status st) {
    if (!st.ok()) return done(ApiReply::error(st.error()));
    TLOG_INFO("sources", "user=%s provider=%s login=%s api=%s bound", source.user.c_str(),
              source.provider.c_str(), log::logValue(source.login).c_str(),
              log::logValue(source.api_url).c_str());
    done(sourceReply(201, source));
  });
}

void SourcesApi::bindGitlab(const std::string& user, std::string_view body, ApiDone done_in) {
  auto done = share(std::move(done_in));
  auto doc = json::parse(body);
  if (!doc.ok()) return (*done)(ApiReply::error(doc.error()));
  if (!doc->IsObject())
    return (*done)(ApiReply::error(Error::badRequest("body", "the body must be a JSON object")));
  if (auto st = onlyFields(*doc, {"service_address", "private_token", "ca_certificate"}); !st.ok())
    return (*done)(ApiReply::error(st.error()));
  auto address = requiredString(*doc, "service_address",
                                "the GitLab server address, e.g. https://gitlab.example.com");
  if (!address.ok()) return (*done)(ApiReply::error(address.error()));
  auto token = requiredString(*doc, "private_token", "a personal access token with the api scope");
  if (!token.ok()) return (*done)(ApiReply::error(token.error()));
  std::optional<std::string> ca;
  if (const auto* c = json::member(*doc, "ca_certificate"); c && !c->IsNull()) {
    if (!c->IsString())
      return (*done)(
          ApiReply::error(Error::unprocessable("ca_certificate", "must be a PEM string")));
    ca = std::string(c->GetString(), c->GetStringLength());
    if (auto st = validatePemCertificates(*ca); !st.ok())
      return (*done)(ApiReply::error(st.error()));
  }
  auto root = normalizeGitlabAddress(*address);
  if (!root.ok()) return (*done)(ApiReply::error(root.error()));

  auto api =
      std::make_shared<GitLabApi>(http_, options_.client.gitlab(*root, ca.value_or(""), clock_));
  std::string tok = *token;

  // Refuse a second binding before any network call; create() guards the race again.
  sources_.get(
      user, "gitlab", [this, user, api, tok, ca, done](Result<std::optional<Source>> existing) {
        if (!existing.ok()) return (*done)(ApiReply::error(existing.error()));
        if (existing->has_value())
          return (*done)(ApiReply::error(
              Error{409, "provider",
                    "a gitlab account (" + (**existing).login + " on " + (**existing).api_url +
                        ") is already bound for this user; unbind it first (DELETE "
                        ".../sources/gitlab)"}));
        onStartFailure(
            api->probe(tok,
                       [this, user, api, tok, ca, done](Result<GitLabServerInfo> p) {
                         if (!p.ok()) return (*done)(ApiReply::error(p.error()));
                         onStartFailure(
                             api->tokenSelf(
                                 tok,
                                 [this, user, api, tok, ca, done](Result<TokenInfo> info) {
                                   if (!info.ok()) return (*done)(ApiReply::error(info.error()));
                                   if (auto st = checkGitlabTokenForBinding(*info, {"api"},
                                                                            clock_.unixSeconds());
                                       !st.ok())
                                     return (*done)(ApiReply::error(st.error()));
                                   TokenInfo token_info = *info;
                                   onStartFailure(
                                       api->getUser(
                                           tok,
                                           [this, user, api, tok, ca, token_info,
                                            done](Result<AccountIdentity> who) {
                                             if (!who.ok())
                                               return (*done)(ApiReply::error(who.error()));
                                             Source s;
                                             s.user = user;
                                             s.provider = "gitlab";
                                             s.api_url = api->serverRoot();
                                             s.login = who->login;
                                             s.account_id = who->id;
                                             s.token = tok;
                                             s.scopes = token_info.scopes;
                                             s.expires_at = token_info.expires_at;
                                             s.bound_at = s.checked_at = clock_.unixSeconds();
                                             s.ca_pem = ca.value_or("");
                                             store(std::move(s),
                                                   [done](ApiReply r) { (*done)(std::move(r)); });
                                           }),
                                       done);
                                 }),
                             done);
                       }),
            done);
      });
}

void SourcesApi::bindGithubToken(const std::string& user, std::string_view body, ApiDone done_in) {
  auto done = share(std::move(done_in));
  auto doc = json::parse(body);
  if (!doc.ok()) return (*done)(ApiReply::error(doc.error()));
  if (!doc->IsObject())
    return (*done)(ApiReply::error(Error::badRequest("body", "the body must be a JSON object")));
  if (auto st = onlyFields(*doc, {"token"}); !st.ok()) return (*done)(ApiReply::error(st.error()));
  auto token = requiredString(*doc, "token",
                              "a GitHub token with the repo scope (or use POST "
                              ".../sources/github/authorize for the OAuth flow)");
  if (!token.ok()) return (*done)(ApiReply::error(token.error()));
  std::string tok = *token;
  sources_.get(user, "github", [this, user, tok, done](Result<std::optional<Source>> existing) {
    if (!existing.ok()) return (*done)(ApiReply::error(existing.error()));
    if (existing->has_value())
      return (*done)(
          ApiReply::error(Error{409, "provider",
                                "a github account (" + (**existing).login +
                                    ") is already bound for this user; unbind it first (DELETE "
                                    ".../sources/github)"}));
    GitHubApi api(http_, githubOptions());
    onStartFailure(
        api.getUser(tok,
                    [this, user, tok, done](Result<GitHubUser> who) {
                      if (!who.ok()) return (*done)(ApiReply::error(who.error()));
                      if (auto st = checkGithubTokenForBinding(*who, options_.github_scopes);
                          !st.ok())
                        return (*done)(ApiReply::error(st.error()));
                      Source s;
                      s.user = user;
                      s.provider = "github";
                      s.api_url = options_.github_api_url;
                      s.login = who->identity.login;
                      s.account_id = who->identity.id;
                      s.token = tok;
                      s.scopes = who->token.scopes;
                      s.expires_at = who->token.expires_at;
                      s.bound_at = s.checked_at = clock_.unixSeconds();
                      store(std::move(s), [done](ApiReply r) { (*done)(std::move(r)); });
                    }),
        done);
  });
}

void SourcesApi::authorizeGithub(const std::string& user, ApiDone done) {
  if (options_.github_client_id.empty()) {
    return done(ApiReply::error(Error::unprocessable(
        "github.client_id",
        "the GitHub OAuth app is not configured on this triggerd (github.client_id and "
        "github.client_secret_file); bind a token with PUT .../sources/github instead")));
  }
  sources_.get(
      user, "github", [this, user, done = std::move(done)](Result<std::optional<Source>> existing) {
        if (!existing.ok()) return done(ApiReply::error(existing.error()));
        if (existing->has_value())
          return done(
              ApiReply::error(Error{409, "provider",
                                    "a github account (" + (**existing).login +
                                        ") is already bound for this user; unbind it first (DELETE "
                                        ".../sources/github)"}));
        std::string state = hexEncode(rng_.bytes(32));
        redis_.command(
            {"SET", keys_.oauthState(state), user, "EX", std::to_string(kStateTtl.count()), "NX"},
            [this, state, done](Result<RedisValue> r) {
              if (!r.ok()) return done(ApiReply::error(r.error()));
              if (r->isError()) return done(ApiReply::error(Error::unavailable(r->str)));
              GitHubApi api(http_, githubOptions());
              std::string url = api.authorizeUrl(options_.github_client_id, callbackUrl(),
                                                 options_.github_scopes, state);
              done(ApiReply{200,
                            jsonBody([&](json::Writer& w) {
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

void SourcesApi::githubCallback(const std::map<std::string, std::string>& query, ApiDone done_in) {
  auto done = share(std::move(done_in));
  auto get = [&](const char* k) {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  };
  std::string state = get("state"), code = get("code"), error = get("error");
  if (state.empty() || state.size() > 128) {
    return (*done)(page(400, "Authorization failed",
                        "The request carries no valid state. Start the authorization again "
                        "from triggerd."));
  }
  redis_.command({"GETDEL", keys_.oauthState(state)}, [this, code, error,
                                                       description = get("error_description"),
                                                       done](Result<RedisValue> r) {
    if (!r.ok()) {
      return (*done)(page(503, "Try again later",
                          "triggerd cannot reach its database right now; start the "
                          "authorization again in a minute."));
    }
    if (r->isError() || r->isNil()) {
      return (*done)(page(400, "Authorization expired",
                          "This authorization link has expired or was already used (links "
                          "last 10 minutes and work once). Start the authorization again."));
    }
    std::string user = r->str;
    if (!error.empty()) {
      TLOG_INFO("oauth", "user=%s error=%s authorization not granted", user.c_str(),
                log::logValue(error, 60).c_str());
      return (*done)(page(400, "Authorization not granted",
                          "GitHub answered: " + (description.empty() ? error : description) +
                              ". Start the authorization again to bind your account."));
    }
    if (code.empty())
      return (*done)(page(400, "Authorization failed", "GitHub sent no code; start again."));

    auto api = std::make_shared<GitHubApi>(http_, githubOptions());
    auto failPage = [done](const Error& e) {
      int status = e.status >= 500 ? 502 : 400;
      (*done)(page(status, "Authorization failed", e.message));
    };
    auto call = api->exchangeCode(
        options_.github_client_id, options_.github_client_secret, code, callbackUrl(),
        [this, api, user, done, failPage](Result<OAuthGrant> grant) {
          if (!grant.ok()) return failPage(grant.error());
          std::string token = grant->access_token;
          std::vector<std::string> granted = grant->scopes;
          auto call2 = api->getUser(token, [this, user, token, granted, done,
                                            failPage](Result<GitHubUser> who) {
            if (!who.ok()) return failPage(who.error());
            std::vector<std::string> scopes = who->scopes_reported ? who->token.scopes : granted;
            auto missing = missingGithubScopes(scopes, options_.github_scopes);
            if (!missing.empty()) {
              TLOG_WARN("oauth", "user=%s login=%s missing_scopes=%s binding refused", user.c_str(),
                        who->identity.login.c_str(), joinScopes(missing).c_str());
              return (*done)(
                  page(403, "Missing permissions",
                       "GitHub granted " +
                           (scopes.empty() ? std::string("no scopes") : joinScopes(scopes)) +
                           ", but triggerd needs " + joinScopes(missing) +
                           " to list your private repositories and manage their webhooks. Start "
                           "the authorization again and keep the requested permissions."));
            }
            Source s;
            s.user = user;
            s.provider = "github";
            s.api_url = options_.github_api_url;
            s.login = who->identity.login;
            s.account_id = who->identity.id;
            s.token = token;
            s.scopes = scopes;
            s.expires_at = who->token.expires_at;
            s.bound_at = s.checked_at = clock_.unixSeconds();
            sources_.create(s, [this, s, done](Status st) {
              if (!st.ok()) {
                return (*done)(
                    page(st.error().status == 409 ? 409 : 503, "Not bound", st.error().message));
              }
              TLOG_INFO("oauth", "user=%s login=%s github account bound", s.user.c_str(),
                        s.login.c_str());
              if (!options_.github_oauth_success_url.empty()) {
                std::string sep =
                    options_.github_oauth_success_url.find('?') == std::string::npos ? "?" : "&";
                return (*done)(
                    ApiReply{302,
                             "",
                             {{"Location", options_.github_oauth_success_url + sep +
                                               "provider=github&login=" + urlEncode(s.login)}}});
              }
              (*done)(page(200, "GitHub account bound",
                           "triggerd can now use the GitHub account " + s.login +
                               ". You can close this page."));
            });
          });
          if (!call2.ok()) failPage(call2.error());
        });
    if (!call.ok()) failPage(call.error());
  });
}

void SourcesApi::unbind(const std::string& user, const std::string& provider, ApiDone done_in) {
  auto done = share(std::move(done_in));
  if (provider != "github" && provider != "gitlab")
    return (*done)(ApiReply::error(
        Error{404, "provider", "unknown provider '" + provider + "'; use github or gitlab"}));
  sources_.remove(user, provider, [this, user, provider, done](Status st) {
    if (!st.ok()) return (*done)(ApiReply::error(st.error()));
    TLOG_INFO("sources", "user=%s provider=%s unbound", user.c_str(), provider.c_str());
    // Triggers on the unbound account can no longer be served: disable them (kept, so
    // re-binding and re-enabling restores them).
    triggers_.list(user, [this, provider, done](Result<std::vector<Trigger>> r) {
      auto reply = [provider, done](int disabled, const std::string& note) {
        (*done)(ApiReply{200,
                         jsonBody([&](json::Writer& w) {
                           w.StartObject();
                           json::kv(w, "unbound", provider);
                           json::key(w, "triggers_disabled");
                           w.Int(disabled);
                           json::key(w, "hooks_removed");
                           w.Int(0);
                           if (!note.empty()) json::kv(w, "note", note);
                           w.EndObject();
                         }),
                         {}});
      };
      if (!r.ok())
        return reply(0, "could not disable the account's triggers: " + r.error().message);
      auto pending = std::make_shared<int>(0);
      auto disabled = std::make_shared<int>(0);
      std::vector<Trigger> to_disable;
      for (auto& t : *r)
        if (t.provider == provider && t.enabled) to_disable.push_back(t);
      if (to_disable.empty()) return reply(0, "");
      *pending = static_cast<int>(to_disable.size());
      for (auto& t : to_disable) {
        t.enabled = false;
        t.updated_at = clock_.unixSeconds();
        triggers_.put(t, [pending, disabled, reply](Status s) {
          if (s.ok()) ++*disabled;
          if (--*pending == 0)
            reply(*disabled,
                  "webhooks added by hand stay in the repositories' settings; "
                  "remove them there");
        });
      }
    });
  });
}

void SourcesApi::loadBound(const std::string& user, const std::string& provider,
                           std::function<void(Result<Source>)> cb) {
  if (provider != "github" && provider != "gitlab")
    return cb(Error{404, "provider", "unknown provider '" + provider + "'; use github or gitlab"});
  sources_.get(user, provider, [provider, cb = std::move(cb)](Result<std::optional<Source>> r) {
    if (!r.ok()) return cb(r.error());
    if (!r->has_value()) return cb(notBound(provider));
    cb(std::move(**r));
  });
}

void SourcesApi::browse(const std::string& user, const std::string& provider,
                        const std::string& kind, const std::string& repo,
                        const std::string& page_token, ApiDone done_in) {
  auto done = share(std::move(done_in));
  if (page_token.size() > 256)
    return (*done)(ApiReply::error(Error::badRequest("page", "page token too long")));
  loadBound(user, provider, [this, kind, repo, page_token, done](Result<Source> src) {
    if (!src.ok()) return (*done)(ApiReply::error(src.error()));
    const Source& s = *src;
    auto repos = [done](Result<Page<RepoSummary>> p) {
      if (!p.ok()) return (*done)(ApiReply::error(p.error()));
      (*done)(pageReply("repositories", *p, writeRepo));
    };
    auto refs = [done, kind](Result<Page<RefSummary>> p) {
      if (!p.ok()) return (*done)(ApiReply::error(p.error()));
      (*done)(pageReply(kind == "tags" ? "tags" : "branches", *p, writeRef));
    };
    if (s.provider == "github") {
      GitHubApi api(http_, options_.client.github(s.api_url, options_.github_oauth_url, clock_));
      if (kind == "repos") return onStartFailure(api.listRepos(s.token, page_token, repos), done);
      if (kind == "tags")
        return onStartFailure(api.listTags(s.token, repo, page_token, refs), done);
      return onStartFailure(api.listBranches(s.token, repo, page_token, refs), done);
    }
    GitLabApi api(http_, options_.client.gitlab(s.api_url, s.ca_pem, clock_));
    if (kind == "repos") return onStartFailure(api.listProjects(s.token, page_token, repos), done);
    if (kind == "tags") return onStartFailure(api.listTags(s.token, repo, page_token, refs), done);
    onStartFailure(api.listBranches(s.token, repo, page_token, refs), done);
  });
}

}  // namespace triggerd
