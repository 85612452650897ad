#include "providers/gitlab_api.h"

#include <algorithm>
#include <utility>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "providers/gitlab_address.h"
#include "providers/gitlab_common.h"
#include "providers/pagination.h"
#include "providers/scopes.h"

namespace triggerd {
namespace {

namespace ph = provider_http;

constexpr const char* kTokenField = "private_token";
constexpr const char* kAddressField = "service_address";
constexpr const char* kPerPage = "per_page=100";
constexpr size_t kMaxProjectPath = 1024;

using gitlab::answeredWith;
using gitlab::Context;
using gitlab::gitlabError;
using gitlab::isGitlabApiAnswer;
using gitlab::nextOf;
using gitlab::okJson;
using gitlab::stringOf;

Result<GitLabServerInfo> parseProbe(const Context& ctx, Result<HttpResponse> result) {
  constexpr std::string_view kRequest = "GET /api/v4/version";
  if (!result.ok()) {
    return Error::unprocessable(kAddressField,
                                "cannot reach " + ctx.root + ": " + result.error().message +
                                    "; check the address and that triggerd may reach it; for a "
                                    "server with a certificate from a private CA, send its "
                                    "ca_certificate");
  }
  const HttpResponse& r = *result;
  if (auto wait = ph::rateLimitedFor(r, ph::clockOr(ctx.clock).unixSeconds())) {
    return Error::unavailable("GitLab at " + ctx.root + " rate limited triggerd; retry after " +
                              std::to_string(*wait) + " s");
  }
  if (r.status >= 500) {
    return Error{
        502, "",
        "GitLab at " + ctx.root + " answered " + std::to_string(r.status) + "; try again later"};
  }
  if (r.status >= 300 && r.status < 400) {
    auto location = r.header("location");
    return notGitlabRootError(ctx.root, std::string(kRequest) + " redirected to " +
                                            log::logValue(location ? *location : "nowhere", 100));
  }
  if (!isGitlabApiAnswer(r)) return notGitlabRootError(ctx.root, answeredWith(r, kRequest));
  GitLabServerInfo info;
  if (r.status == 401 || r.status == 403)
    return info;  // GitLab answered; the token is checked next
  auto doc = json::parse(r.body);
  if (r.status != 200 || !doc.ok() || !json::getString(*doc, "version")) {
    return notGitlabRootError(ctx.root, answeredWith(r, kRequest));
  }
  info.version = stringOf(*doc, "version");
  info.revision = stringOf(*doc, "revision");
  info.token_accepted = true;
  return info;
}

Result<TokenInfo> parseTokenSelf(const Context& ctx, Result<HttpResponse> result) {
  constexpr std::string_view kRequest = "GET /api/v4/personal_access_tokens/self";
  constexpr std::string_view kWhat = "reading the token";
  if (result.ok() && result->status == 404 && isGitlabApiAnswer(*result)) {
    return Error::unprocessable(kAddressField,
                                "GitLab at " + ctx.root +
                                    " has no /api/v4/personal_access_tokens/self, which GitLab "
                                    "15.5 added; triggerd needs GitLab 15.5 or later");
  }
  auto doc = okJson(result, ctx, kRequest, kWhat);
  if (!doc.ok()) return doc.error();
  if (!doc->IsObject()) return notGitlabRootError(ctx.root, "the token answer is not an object");
  TokenInfo info;
  if (const auto* scopes = json::member(*doc, "scopes"); scopes && scopes->IsArray()) {
    for (const auto& s : scopes->GetArray())
      if (s.IsString()) info.scopes.push_back(toLower({s.GetString(), s.GetStringLength()}));
  }
  std::sort(info.scopes.begin(), info.scopes.end());
  info.scopes.erase(std::unique(info.scopes.begin(), info.scopes.end()), info.scopes.end());
  info.active = json::getBool(*doc, "active").value_or(true);
  info.revoked = json::getBool(*doc, "revoked").value_or(false);
  if (auto expires = json::getString(*doc, "expires_at")) {
    std::chrono::system_clock::time_point t;
    if (parseIso8601(*expires, &t)) {
      info.expires_at =
          std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    } else {
      TLOG_WARN("gitlab", "root=%s unreadable token expires_at=%s", ctx.root.c_str(),
                log::logValue(*expires, 40).c_str());
    }
  }
  return info;
}

Result<AccountIdentity> parseUser(const Context& ctx, Result<HttpResponse> result) {
  auto doc = okJson(result, ctx, "GET /api/v4/user", "reading the user");
  if (!doc.ok()) return doc.error();
  AccountIdentity id;
  id.id = json::getIdString(*doc, "id").value_or("");
  id.login = stringOf(*doc, "username");
  id.name = stringOf(*doc, "name");
  if (id.id.empty() || id.login.empty()) {
    return Error{502, "", "GitLab's answer to GET /api/v4/user has no id or username"};
  }
  return id;
}

Result<Page<RepoSummary>> parseProjects(const Context& ctx, Result<HttpResponse> result) {
  auto doc = okJson(result, ctx, "GET /api/v4/projects", "listing projects");
  if (!doc.ok()) return doc.error();
  if (!doc->IsArray()) return Error{502, "", "GitLab's project list is not a list"};
  Page<RepoSummary> page;
  for (const auto& item : doc->GetArray()) {
    RepoSummary repo;
    repo.id = json::getIdString(item, "id").value_or("");
    repo.full_name = stringOf(item, "path_with_namespace");
    if (repo.id.empty() || repo.full_name.empty()) continue;
    repo.clone_url = stringOf(item, "http_url_to_repo");
    repo.ssh_url = stringOf(item, "ssh_url_to_repo");
    repo.default_branch = stringOf(item, "default_branch");
    // Unknown visibility counts as private: a runner then asks for clone credentials.
    repo.is_private = json::getString(item, "visibility").value_or("private") != "public";
    page.items.push_back(std::move(repo));
  }
  page.next_page = nextOf(*result);
  return page;
}

Result<Page<RefSummary>> parseRefs(const Context& ctx, const std::string& project, const char* kind,
                                   Result<HttpResponse> result) {
  std::string what = std::string("listing ") + kind + " of " + project;
  std::string request = std::string("GET /api/v4/projects/:id/repository/") + kind;
  auto doc = okJson(result, ctx, request, what,
                    "GitLab has no project " + project + " that this account can see");
  if (!doc.ok()) return doc.error();
  if (!doc->IsArray())
    return Error{502, "", "GitLab's " + std::string(kind) + " list is not a list"};
  Page<RefSummary> page;
  for (const auto& item : doc->GetArray()) {
    RefSummary ref;
    ref.name = stringOf(item, "name");
    if (ref.name.empty()) continue;
    if (const auto* commit = json::member(item, "commit")) {
      ref.sha = stringOf(*commit, "id");
      auto when = json::getString(*commit, "committed_date");
      if (!when) when = json::getString(*commit, "created_at");
      std::chrono::system_clock::time_point t;
      if (when && parseIso8601(*when, &t)) {
        ref.committed_at =
            std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
      }
    }
    ref.is_protected = json::getBool(item, "protected").value_or(false);
    page.items.push_back(std::move(ref));
  }
  page.next_page = nextOf(*result);
  return page;
}

std::string formatDate(int64_t unix_seconds) {
  std::string s =
      formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
  return s.substr(0, 10);
}

}  // namespace

GitLabApi::GitLabApi(HttpClient& http, Options options)
    : http_(http), options_(std::move(options)) {
  while (!options_.server_root.empty() && options_.server_root.back() == '/')
    options_.server_root.pop_back();
}

HttpRequest GitLabApi::apiRequest(std::string path_and_query, std::string_view token) const {
  HttpRequest req;
  req.method = "GET";
  req.url = options_.server_root + "/api/v4" + path_and_query;
  req.headers = {{"Accept", "application/json"},
                 {"User-Agent", options_.user_agent},
                 {"PRIVATE-TOKEN", std::string(token)}};
  req.ca_pem = options_.ca_pem;
  req.cleartext_needs_allowed_network = !options_.allow_plain_http;
  req.connect_timeout = options_.connect_timeout;
  req.total_timeout = options_.total_timeout;
  req.rate_limit_patience = options_.rate_limit_patience;
  return req;
}

ApiCall GitLabApi::probe(std::string_view token, ProbeCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  Context ctx{options_.server_root, options_.clock};
  return http_.send(apiRequest("/version", token),
                    [ctx = std::move(ctx), cb = std::move(cb)](Result<HttpResponse> r) {
                      cb(parseProbe(ctx, std::move(r)));
                    });
}

ApiCall GitLabApi::tokenSelf(std::string_view token, TokenCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  Context ctx{options_.server_root, options_.clock};
  return http_.send(apiRequest("/personal_access_tokens/self", token),
                    [ctx = std::move(ctx), cb = std::move(cb)](Result<HttpResponse> r) {
                      cb(parseTokenSelf(ctx, std::move(r)));
                    });
}

ApiCall GitLabApi::getUser(std::string_view token, UserCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  Context ctx{options_.server_root, options_.clock};
  return http_.send(apiRequest("/user", token),
                    [ctx = std::move(ctx), cb = std::move(cb)](Result<HttpResponse> r) {
                      cb(parseUser(ctx, std::move(r)));
                    });
}

ApiCall GitLabApi::listProjects(std::string_view token, std::string_view page_token,
                                ProjectsCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto page = pageTokenQuery(page_token);
  if (!page.ok()) return page.error();
  // min_access_level=40: Maintainer, the least role that may manage project hooks.
  std::string path = std::string("/projects?membership=true&min_access_level=40&simple=true&") +
                     kPerPage + "&order_by=path&sort=asc";
  path = ph::appendQuery(std::move(path), *page);
  Context ctx{options_.server_root, options_.clock};
  return http_.send(apiRequest(std::move(path), token),
                    [ctx = std::move(ctx), cb = std::move(cb)](Result<HttpResponse> r) {
                      cb(parseProjects(ctx, std::move(r)));
                    });
}

ApiCall GitLabApi::listBranches(std::string_view token, std::string_view project,
                                std::string_view page_token, RefsCallback cb) {
  return listRefs(token, project, page_token, "branches", std::move(cb));
}

ApiCall GitLabApi::listTags(std::string_view token, std::string_view project,
                            std::string_view page_token, RefsCallback cb) {
  return listRefs(token, project, page_token, "tags", std::move(cb));
}

ApiCall GitLabApi::listRefs(std::string_view token, std::string_view project,
                            std::string_view page_token, const char* kind, RefsCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  auto page = pageTokenQuery(page_token);
  if (!page.ok()) return page.error();
  std::string path = "/projects/" + *segment + "/repository/" + kind + "?" + kPerPage;
  path = ph::appendQuery(std::move(path), *page);
  Context ctx{options_.server_root, options_.clock};
  return http_.send(apiRequest(std::move(path), token),
                    [ctx = std::move(ctx), name = std::string(project), kind, cb = std::move(cb)](
                        Result<HttpResponse> r) { cb(parseRefs(ctx, name, kind, std::move(r))); });
}

Result<std::string> gitlabProjectSegment(std::string_view id_or_path, const std::string& field) {
  auto bad = [&](const std::string& why) {
    return Error::unprocessable(field, "\"" + log::logValue(id_or_path, 80) +
                                           "\" is not a GitLab project: " + why +
                                           "; use the project id or group/project");
  };
  if (id_or_path.empty()) return bad("empty");
  if (id_or_path.size() > kMaxProjectPath) return bad("too long");
  if (std::all_of(id_or_path.begin(), id_or_path.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    if (id_or_path.size() > 18) return bad("id too large");
    return std::string(id_or_path);
  }
  size_t start = 0;
  int segments = 0;
  while (start <= id_or_path.size()) {
    size_t slash = id_or_path.find('/', start);
    if (slash == std::string_view::npos) slash = id_or_path.size();
    std::string_view seg = id_or_path.substr(start, slash - start);
    if (seg.empty()) return bad("empty path segment");
    if (seg == "." || seg == "..") return bad("'.' or '..' in the path");
    for (char c : seg) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.';
      if (!ok) return bad("only letters, digits, '-', '_', '.' and '/' allowed");
    }
    ++segments;
    start = slash + 1;
  }
  if (segments < 2) return bad("a path needs a namespace");
  return urlEncode(id_or_path);  // '/' → %2F, as GitLab's :id expects
}

Status checkGitlabTokenForBinding(const TokenInfo& token, const std::vector<std::string>& required,
                                  int64_t now_unix) {
  if (token.revoked) {
    return Error::credentialsRejected(kTokenField,
                                      "the GitLab token was revoked; create a new personal access "
                                      "token with the api scope");
  }
  if (!token.active || (token.expires_at && *token.expires_at <= now_unix)) {
    std::string when = token.expires_at ? " on " + formatDate(*token.expires_at) : "";
    return Error::credentialsRejected(kTokenField, "the GitLab token expired" + when +
                                                       "; create a new personal access token with "
                                                       "the api scope");
  }
  auto missing = missingGitlabScopes(token.scopes, required);
  if (!missing.empty()) {
    std::string has = token.scopes.empty() ? "none" : joinScopes(token.scopes);
    return Error::credentialsRejected(kTokenField,
                                      "the GitLab token lacks the scope " + joinScopes(missing) +
                                          " (it has: " + has +
                                          "); triggerd needs api to install hooks and post commit "
                                          "statuses; create a token with the api scope");
  }
  return okStatus();
}

}  // namespace triggerd
