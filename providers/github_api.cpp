#include "providers/github_api.h"

#include <utility>

#include "common/encoding.h"
#include "common/json.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "providers/github_common.h"
#include "providers/pagination.h"
#include "providers/provider_http.h"
#include "providers/scopes.h"

namespace triggerd {

namespace {

using github::Context;
using github::githubError;
using github::idOf;
using github::jsonBody;
using github::nextOf;
using github::stringOf;
using github::unreadable;

namespace ph = provider_http;

constexpr const char* kPerPage = "per_page=100";

std::string stripTrailingSlashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Result<GitHubUser> parseUser(const Context& ctx, Result<HttpResponse> result) {
  constexpr std::string_view kWhat = "reading the user (GET /user)";
  if (!result.ok()) return ph::transportError(result.error(), "GitHub", ctx.api_base_url);
  const HttpResponse& r = *result;
  if (r.status != 200) return githubError(r, ctx, kWhat);
  auto doc = jsonBody(r, kWhat);
  if (!doc.ok()) return doc.error();
  GitHubUser user;
  user.identity.id = idOf(*doc);
  user.identity.login = stringOf(*doc, "login");
  user.identity.name = stringOf(*doc, "name");
  if (user.identity.id.empty() || user.identity.login.empty())
    return unreadable(r, kWhat, "no id or login");
  if (auto scopes = r.header("x-oauth-scopes")) {
    user.scopes_reported = true;
    user.token.scopes = parseScopeList(*scopes);
  }
  if (auto expiry = r.header("github-authentication-token-expiration")) {
    user.token.expires_at = parseGithubTokenExpiration(*expiry);
  }
  return user;
}

Result<Page<RepoSummary>> parseRepos(const Context& ctx, Result<HttpResponse> result) {
  constexpr std::string_view kWhat = "listing repositories (GET /user/repos)";
  if (!result.ok()) return ph::transportError(result.error(), "GitHub", ctx.api_base_url);
  const HttpResponse& r = *result;
  if (r.status != 200) return githubError(r, ctx, kWhat);
  auto doc = jsonBody(r, kWhat);
  if (!doc.ok()) return doc.error();
  if (!doc->IsArray()) return unreadable(r, kWhat, "not a list");
  Page<RepoSummary> page;
  for (const auto& item : doc->GetArray()) {
    const auto* permissions = json::member(item, "permissions");
    // Only administrators may add hooks; the rest are of no use to a trigger.
    if (!permissions || !json::getBool(*permissions, "admin").value_or(false)) continue;
    RepoSummary repo;
    repo.id = idOf(item);
    repo.full_name = stringOf(item, "full_name");
    if (repo.id.empty() || repo.full_name.empty()) continue;
    repo.clone_url = stringOf(item, "clone_url");
    repo.ssh_url = stringOf(item, "ssh_url");
    repo.default_branch = stringOf(item, "default_branch");
    repo.is_private = json::getBool(item, "private").value_or(true);
    page.items.push_back(std::move(repo));
  }
  page.next_page = nextOf(r);
  return page;
}

Result<Page<RefSummary>> parseRefs(const Context& ctx, std::string_view full_name, const char* kind,
                                   Result<HttpResponse> result) {
  std::string what = std::string("listing ") + kind + " of " + std::string(full_name);
  if (!result.ok()) return ph::transportError(result.error(), "GitHub", ctx.api_base_url);
  const HttpResponse& r = *result;
  if (r.status != 200) {
    return githubError(
        r, ctx, what,
        "GitHub has no repository " + std::string(full_name) + " that this account can see");
  }
  auto doc = jsonBody(r, what);
  if (!doc.ok()) return doc.error();
  if (!doc->IsArray()) return unreadable(r, what, "not a list");
  Page<RefSummary> page;
  for (const auto& item : doc->GetArray()) {
    RefSummary ref;
    ref.name = stringOf(item, "name");
    if (ref.name.empty()) continue;
    if (const auto* commit = json::member(item, "commit")) ref.sha = stringOf(*commit, "sha");
    ref.is_protected = json::getBool(item, "protected").value_or(false);
    page.items.push_back(std::move(ref));
  }
  page.next_page = nextOf(r);
  return page;
}

Result<OAuthGrant> parseGrant(const Context& ctx, std::string_view redirect_uri,
                              Result<HttpResponse> result) {
  constexpr std::string_view kWhat = "exchanging the authorization code";
  if (!result.ok()) return ph::transportError(result.error(), "GitHub", ctx.oauth_base_url);
  const HttpResponse& r = *result;
  if (auto wait = ph::rateLimitedFor(r, ph::clockOr(ctx.clock).unixSeconds())) {
    return Error::unavailable("GitHub rate limited triggerd while " + std::string(kWhat) +
                              "; retry after " + std::to_string(*wait) + " s");
  }
  auto doc = json::parse(r.body);
  if (!ph::isJson(r) || !doc.ok() || !doc->IsObject()) {
    if (r.status >= 500) {
      return Error{502, "",
                   "GitHub answered " + std::to_string(r.status) + " while " + std::string(kWhat) +
                       "; try again later"};
    }
    auto type = r.header("content-type");
    return Error{502, "",
                 "GitHub's token endpoint answered HTTP " + std::to_string(r.status) +
                     " without JSON (Content-Type " + log::logValue(type ? *type : "none", 60) +
                     "); check github.oauth_url"};
  }
  // GitHub reports exchange failures in the body, typically with status 200.
  if (auto error = json::getString(*doc, "error")) {
    if (*error == "bad_verification_code") {
      return Error::badRequest("code",
                               "the authorization code is invalid or expired (codes last 10 "
                               "minutes); start the authorization again");
    }
    if (*error == "incorrect_client_credentials") {
      return Error{500, "github.client_id",
                   "GitHub rejected triggerd's OAuth client credentials; check github.client_id "
                   "and the secret in github.client_secret_file against the GitHub OAuth App"};
    }
    if (*error == "redirect_uri_mismatch") {
      return Error{500, "server.public_base_url",
                   "GitHub refused the callback URL " + log::logValue(redirect_uri) +
                       ": it must match the GitHub OAuth App's authorization callback URL; fix "
                       "server.public_base_url or the OAuth App settings"};
    }
    if (*error == "unverified_user_email") {
      return Error::unprocessable("code",
                                  "the GitHub account has no verified primary email; verify it "
                                  "on GitHub and start the authorization again");
    }
    return Error{502, "", "GitHub refused the code exchange: " + ph::answerMessage(r.body)};
  }
  if (r.status != 200) return githubError(r, ctx, kWhat);
  OAuthGrant grant;
  grant.access_token = stringOf(*doc, "access_token");
  grant.token_type = stringOf(*doc, "token_type");
  grant.scopes = parseScopeList(json::getString(*doc, "scope").value_or(""));
  if (grant.access_token.empty()) {
    return Error{502, "", "GitHub's code exchange answer has no access_token"};
  }
  return grant;
}

// The commit of a GitHub commit object ({sha, commit: {message, author: {name, email, date}}}).
Result<CommitSummary> parseCommitObject(const rapidjson::Value& v) {
  CommitSummary c;
  c.sha = stringOf(v, "sha");
  const auto* commit = json::member(v, "commit");
  if (c.sha.empty() || !commit || !commit->IsObject())
    return Error{502, "", "GitHub's commit has no sha or commit"};
  c.message = stringOf(*commit, "message");
  if (const auto* author = json::member(*commit, "author"); author && author->IsObject()) {
    std::string name = stringOf(*author, "name");
    std::string email = stringOf(*author, "email");
    c.author = email.empty() ? name : name + " <" + email + ">";
    c.timestamp = stringOf(*author, "date");
  }
  return c;
}

Result<RepoSummary> parseRepo(const Context& ctx, std::string_view full_name,
                              Result<HttpResponse> result) {
  std::string what = "reading repository " + std::string(full_name);
  if (!result.ok()) return ph::transportError(result.error(), "GitHub", ctx.api_base_url);
  const HttpResponse& r = *result;
  if (r.status != 200) {
    return githubError(
        r, ctx, what,
        "GitHub has no repository " + std::string(full_name) + " that this account can see");
  }
  auto doc = jsonBody(r, what);
  if (!doc.ok()) return doc.error();
  RepoSummary repo;
  repo.id = idOf(*doc);
  repo.full_name = stringOf(*doc, "full_name");
  if (repo.id.empty() || repo.full_name.empty()) return unreadable(r, what, "no id or full_name");
  repo.clone_url = stringOf(*doc, "clone_url");
  repo.ssh_url = stringOf(*doc, "ssh_url");
  repo.default_branch = stringOf(*doc, "default_branch");
  repo.is_private = json::getBool(*doc, "private").value_or(true);
  return repo;
}

// A commit from GET .../branches/{branch} ({commit: <commit object>}) or GET .../commits/{ref}
// (the commit object itself). Missing refs: 404 (branches, unknown repositories) or 422 "No
// commit found for SHA" (commits).
Result<CommitSummary> parseCommitAnswer(const Context& ctx, const std::string& what,
                                        const std::string& field, const std::string& missing,
                                        bool nested, Result<HttpResponse> result) {
  if (!result.ok()) return ph::transportError(result.error(), "GitHub", ctx.api_base_url);
  const HttpResponse& r = *result;
  if (r.status == 404 || r.status == 422) return Error::notFound(field, missing);
  if (r.status != 200) return githubError(r, ctx, what);
  auto doc = jsonBody(r, what);
  if (!doc.ok()) return doc.error();
  const rapidjson::Value* commit = nested ? json::member(*doc, "commit") : &doc.value();
  if (!commit || !commit->IsObject()) return unreadable(r, what, "no commit");
  return parseCommitObject(*commit);
}

}  // namespace

GitHubApi::GitHubApi(HttpClient& http, Options options)
    : http_(http), options_(std::move(options)) {
  options_.api_base_url = stripTrailingSlashes(options_.api_base_url);
  options_.oauth_base_url = stripTrailingSlashes(options_.oauth_base_url);
}

HttpRequest GitHubApi::apiRequest(std::string url, std::string_view token) const {
  HttpRequest req;
  req.method = "GET";
  req.url = std::move(url);
  req.headers = {{"Accept", "application/vnd.github+json"},
                 {"X-GitHub-Api-Version", "2022-11-28"},
                 {"User-Agent", options_.user_agent},
                 {"Authorization", "Bearer " + std::string(token)}};
  req.ca_pem = options_.ca_pem;
  req.connect_timeout = options_.connect_timeout;
  req.total_timeout = options_.total_timeout;
  req.rate_limit_patience = options_.rate_limit_patience;
  return req;
}

std::string GitHubApi::authorizeUrl(std::string_view client_id, std::string_view redirect_uri,
                                    const std::vector<std::string>& scopes,
                                    std::string_view state) const {
  std::string scope;
  for (const auto& s : scopes) {
    if (!scope.empty()) scope += ' ';
    scope += s;
  }
  std::string url = options_.oauth_base_url +
                    "/login/oauth/authorize?client_id=" + urlEncode(client_id) +
                    "&redirect_uri=" + urlEncode(redirect_uri);
  if (!scope.empty()) url += "&scope=" + urlEncode(scope);
  url += "&state=" + urlEncode(state);
  return url;
}

ApiCall GitHubApi::exchangeCode(std::string_view client_id, std::string_view client_secret,
                                std::string_view code, std::string_view redirect_uri,
                                GrantCallback cb) {
  if (code.empty() || code.size() > 256) {
    return Error::badRequest("code",
                             "the authorization code is missing or malformed; start the "
                             "authorization again");
  }
  if (client_id.empty() || client_secret.empty()) {
    return Error{500, "github.client_id",
                 "GitHub OAuth is not configured; set github.client_id and "
                 "github.client_secret_file"};
  }
  HttpRequest req;
  req.method = "POST";
  req.url = options_.oauth_base_url + "/login/oauth/access_token";
  req.headers = {{"Accept", "application/json"},
                 {"Content-Type", "application/x-www-form-urlencoded"},
                 {"User-Agent", options_.user_agent}};
  req.body = "client_id=" + urlEncode(client_id) + "&client_secret=" + urlEncode(client_secret) +
             "&code=" + urlEncode(code) + "&redirect_uri=" + urlEncode(redirect_uri);
  req.ca_pem = options_.ca_pem;
  req.connect_timeout = options_.connect_timeout;
  req.total_timeout = options_.total_timeout;
  Context ctx{options_.api_base_url, options_.oauth_base_url, options_.clock};
  return http_.send(std::move(req), [ctx = std::move(ctx), redirect = std::string(redirect_uri),
                                     cb = std::move(cb)](Result<HttpResponse> r) {
    cb(parseGrant(ctx, redirect, std::move(r)));
  });
}

ApiCall GitHubApi::getUser(std::string_view token, UserCallback cb) {
  if (auto st = ph::checkToken(token, "token", "GitHub"); !st) return st.error();
  Context ctx{options_.api_base_url, options_.oauth_base_url, options_.clock};
  return http_.send(apiRequest(options_.api_base_url + "/user", token),
                    [ctx = std::move(ctx), cb = std::move(cb)](Result<HttpResponse> r) {
                      cb(parseUser(ctx, std::move(r)));
                    });
}

ApiCall GitHubApi::listRepos(std::string_view token, std::string_view page_token,
                             ReposCallback cb) {
  if (auto st = ph::checkToken(token, "token", "GitHub"); !st) return st.error();
  auto page = pageTokenQuery(page_token);
  if (!page.ok()) return page.error();
  std::string url = options_.api_base_url + "/user/repos?" + kPerPage + "&sort=full_name";
  url = ph::appendQuery(std::move(url), *page);
  Context ctx{options_.api_base_url, options_.oauth_base_url, options_.clock};
  return http_.send(apiRequest(std::move(url), token),
                    [ctx = std::move(ctx), cb = std::move(cb)](Result<HttpResponse> r) {
                      cb(parseRepos(ctx, std::move(r)));
                    });
}

ApiCall GitHubApi::listBranches(std::string_view token, std::string_view full_name,
                                std::string_view page_token, RefsCallback cb) {
  return listRefs(token, full_name, page_token, "branches", std::move(cb));
}

ApiCall GitHubApi::listTags(std::string_view token, std::string_view full_name,
                            std::string_view page_token, RefsCallback cb) {
  return listRefs(token, full_name, page_token, "tags", std::move(cb));
}

ApiCall GitHubApi::listRefs(std::string_view token, std::string_view full_name,
                            std::string_view page_token, const char* kind, RefsCallback cb) {
  if (auto st = ph::checkToken(token, "token", "GitHub"); !st) return st.error();
  if (auto st = validateGithubFullName(full_name); !st) return st.error();
  auto page = pageTokenQuery(page_token);
  if (!page.ok()) return page.error();
  // Validation leaves only URL-safe characters; encoding is a second line of defence.
  std::string url =
      options_.api_base_url + github::repoPath(full_name) + "/" + kind + "?" + kPerPage;
  url = ph::appendQuery(std::move(url), *page);
  Context ctx{options_.api_base_url, options_.oauth_base_url, options_.clock};
  return http_.send(apiRequest(std::move(url), token),
                    [ctx = std::move(ctx), name = std::string(full_name), kind, cb = std::move(cb)](
                        Result<HttpResponse> r) { cb(parseRefs(ctx, name, kind, std::move(r))); });
}

std::string GitHubApi::repoUrl(std::string_view full_name) const {
  size_t slash = full_name.find('/');
  return options_.api_base_url + "/repos/" + urlEncode(full_name.substr(0, slash)) + "/" +
         urlEncode(full_name.substr(slash + 1));
}

ApiCall GitHubApi::getRepo(std::string_view token, std::string_view full_name, RepoCallback cb) {
  if (auto st = ph::checkToken(token, "token", "GitHub"); !st) return st.error();
  if (auto st = validateGithubFullName(full_name); !st) return st.error();
  Context ctx{options_.api_base_url, options_.oauth_base_url, options_.clock};
  return http_.send(apiRequest(repoUrl(full_name), token),
                    [ctx = std::move(ctx), name = std::string(full_name), cb = std::move(cb)](
                        Result<HttpResponse> r) { cb(parseRepo(ctx, name, std::move(r))); });
}

ApiCall GitHubApi::getBranch(std::string_view token, std::string_view full_name,
                             std::string_view branch, CommitCallback cb) {
  if (auto st = ph::checkToken(token, "token", "GitHub"); !st) return st.error();
  if (auto st = validateGithubFullName(full_name); !st) return st.error();
  if (auto st = ph::checkRefName(branch, "ref"); !st) return st.error();
  Context ctx{options_.api_base_url, options_.oauth_base_url, options_.clock};
  std::string what = "reading branch " + std::string(branch) + " of " + std::string(full_name);
  std::string missing = "GitHub has no branch '" + std::string(branch) + "' in " +
                        std::string(full_name) + " (or the account cannot see the repository)";
  return http_.send(
      apiRequest(repoUrl(full_name) + "/branches/" + ph::refPath(branch), token),
      [ctx = std::move(ctx), what, missing, cb = std::move(cb)](Result<HttpResponse> r) {
        cb(parseCommitAnswer(ctx, what, "ref", missing, true, std::move(r)));
      });
}

ApiCall GitHubApi::getCommit(std::string_view token, std::string_view full_name,
                             std::string_view ref, const std::string& field, CommitCallback cb) {
  if (auto st = ph::checkToken(token, "token", "GitHub"); !st) return st.error();
  if (auto st = validateGithubFullName(full_name); !st) return st.error();
  if (auto st = ph::checkRefName(ref, field); !st) return st.error();
  Context ctx{options_.api_base_url, options_.oauth_base_url, options_.clock};
  std::string what = "reading commit " + std::string(ref) + " of " + std::string(full_name);
  std::string missing = "GitHub has no " +
                        (ref.rfind("tags/", 0) == 0 ? "tag '" + std::string(ref.substr(5)) + "'"
                                                    : "commit " + std::string(ref)) +
                        " in " + std::string(full_name) +
                        " (or the account cannot see the repository)";
  return http_.send(
      apiRequest(repoUrl(full_name) + "/commits/" + ph::refPath(ref), token),
      [ctx = std::move(ctx), what, field, missing, cb = std::move(cb)](Result<HttpResponse> r) {
        cb(parseCommitAnswer(ctx, what, field, missing, false, std::move(r)));
      });
}

ApiCall GitHubApi::createStatus(std::string_view token, std::string_view full_name,
                                std::string_view sha, std::string_view state,
                                std::string_view description, std::string_view context,
                                std::string_view target_url, DoneCallback cb) {
  if (auto st = ph::checkToken(token, "token", "GitHub"); !st) return st.error();
  if (auto st = validateGithubFullName(full_name); !st) return st.error();
  if (auto st = ph::checkSha(sha, "sha"); !st) return st.error();
  HttpRequest req = apiRequest(repoUrl(full_name) + "/statuses/" + std::string(sha), token);
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "state", state);
    json::kv(w, "context", context);
    json::kv(w, "description", clipUtf8(description, kMaxStatusDescription));
    if (!target_url.empty()) json::kv(w, "target_url", target_url);
    w.EndObject();
  });
  Context ctx{options_.api_base_url, options_.oauth_base_url, options_.clock};
  std::string what = "setting a commit status on " + std::string(full_name);
  return http_.send(
      std::move(req), [ctx = std::move(ctx), what, cb = std::move(cb)](Result<HttpResponse> r) {
        if (!r.ok()) return cb(ph::transportError(r.error(), "GitHub", ctx.api_base_url));
        if (r->status == 201 || r->status == 200) return cb(okStatus());
        // 422: an unknown commit, or the 1000 statuses per commit and context used up. Final.
        if (r->status == 422)
          return cb(Error::unprocessable(
              "sha", "GitHub refused the commit status: " + ph::answerMessage(r->body)));
        cb(githubError(*r, ctx, what,
                       "GitHub has no repository or commit there that this account can see"));
      });
}

Status validateGithubFullName(std::string_view full_name, const std::string& field) {
  auto bad = [&](const std::string& why) {
    return Error::unprocessable(field, "\"" + log::logValue(full_name, 80) +
                                           "\" is not a GitHub repository name: " + why +
                                           "; use owner/name");
  };
  size_t slash = full_name.find('/');
  if (slash == std::string_view::npos) return bad("no slash");
  if (full_name.find('/', slash + 1) != std::string_view::npos) return bad("more than one slash");
  std::string_view owner = full_name.substr(0, slash);
  std::string_view name = full_name.substr(slash + 1);
  if (owner.empty() || name.empty()) return bad("empty owner or name");
  if (owner.size() > 39 || name.size() > 100) return bad("too long");
  auto valid = [](std::string_view part) {
    for (char c : part) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.';
      if (!ok) return false;
    }
    return true;
  };
  if (!valid(owner) || !valid(name)) return bad("only letters, digits, '-', '_' and '.' allowed");
  if (owner == "." || owner == ".." || name == "." || name == "..") return bad("'.' or '..'");
  return okStatus();
}

Status checkGithubTokenForBinding(const GitHubUser& user,
                                  const std::vector<std::string>& required) {
  if (!user.scopes_reported) return okStatus();
  auto missing = missingGithubScopes(user.token.scopes, required);
  if (missing.empty()) return okStatus();
  std::string has = user.token.scopes.empty() ? "none" : joinScopes(user.token.scopes);
  return Error::credentialsRejected(
      "token", "the GitHub token lacks the scope " + joinScopes(missing) + " (it has: " + has +
                   "); triggerd needs repo to list repositories, install hooks and post "
                   "statuses; authorize again or create a token with that scope");
}

std::optional<int64_t> parseGithubTokenExpiration(std::string_view value) {
  // "2026-12-31 23:59:59 UTC", or with a numeric zone "2026-12-31 23:59:59 -0700".
  std::string_view v = trim(value);
  if (v.size() < 19) return std::nullopt;
  std::string iso(v.substr(0, 10));
  iso += 'T';
  iso += v.substr(11, 8);
  std::string_view zone = trim(v.substr(19));
  if (zone.empty() || zone == "UTC" || zone == "GMT" || zone == "Z") {
    iso += 'Z';
  } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
    iso += std::string(zone.substr(0, 3)) + ":" + std::string(zone.substr(3));
  } else {
    return std::nullopt;
  }
  std::chrono::system_clock::time_point t;
  if (!parseIso8601(iso, &t)) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace triggerd
