#include "providers/gitlab_api.h"

#include <algorithm>
#include <utility>

#include "common/encoding.h"
#include "common/json.h"
#include "common/json_fields.h"
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

// A GitLab commit ({id, message, author_name, author_email, authored_date}).
Result<CommitSummary> parseGitlabCommit(const rapidjson::Value& v) {
  CommitSummary c;
  c.sha = stringOf(v, "id");
  if (c.sha.empty()) return Error{502, "", "GitLab's commit has no id"};
  c.message = stringOf(v, "message");
  std::string name = stringOf(v, "author_name");
  std::string email = stringOf(v, "author_email");
  c.author = email.empty() ? name : name + " <" + email + ">";
  c.timestamp = stringOf(v, "authored_date");
  if (c.timestamp.empty()) c.timestamp = stringOf(v, "committed_date");
  return c;
}

// A branch, tag or commit answer. GitLab says which is missing: "404 Project Not Found" means
// the project, "404 Branch Not Found" / "404 Tag Not Found" / "404 Commit Not Found" the ref.
Result<CommitSummary> parseCommitAnswer(const Context& ctx, const std::string& request,
                                        const std::string& what, const std::string& field,
                                        const std::string& project, const std::string& missing,
                                        bool nested, Result<HttpResponse> result) {
  if (result.ok() && result->status == 404 && isGitlabApiAnswer(*result) &&
      ph::answerMessage(result->body).find("Project") == std::string::npos)
    return Error::notFound(field, missing);
  auto doc = okJson(result, ctx, request, what,
                    "GitLab has no project " + project + " that this account can see");
  if (!doc.ok()) return doc.error();
  const rapidjson::Value* commit = nested ? json::member(*doc, "commit") : &doc.value();
  if (!commit || !commit->IsObject())
    return Error{502, "", "GitLab's answer to " + request + " has no commit"};
  return parseGitlabCommit(*commit);
}

std::string isoTime(int64_t unix_seconds) {
  return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
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

ApiCall GitLabApi::getProject(std::string_view token, std::string_view project,
                              ProjectCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  Context ctx{options_.server_root, options_.clock};
  return http_.send(
      apiRequest("/projects/" + *segment, token),
      [ctx = std::move(ctx), name = std::string(project),
       cb = std::move(cb)](Result<HttpResponse> r) {
        auto doc = okJson(r, ctx, "GET /api/v4/projects/:id", "reading project " + name,
                          "GitLab has no project " + name + " that this account can see");
        if (!doc.ok()) return cb(doc.error());
        RepoSummary repo;
        repo.id = json::getIdString(*doc, "id").value_or("");
        repo.full_name = stringOf(*doc, "path_with_namespace");
        if (repo.id.empty() || repo.full_name.empty())
          return cb(Error{502, "", "GitLab's project " + name + " has no id or path"});
        repo.clone_url = stringOf(*doc, "http_url_to_repo");
        repo.ssh_url = stringOf(*doc, "ssh_url_to_repo");
        repo.default_branch = stringOf(*doc, "default_branch");
        repo.is_private = json::getString(*doc, "visibility").value_or("private") != "public";
        cb(std::move(repo));
      });
}

ApiCall GitLabApi::getRef(std::string_view token, std::string_view project, std::string_view name,
                          const char* kind, CommitCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  if (auto st = ph::checkRefName(name, "ref"); !st) return st.error();
  Context ctx{options_.server_root, options_.clock};
  bool branch = std::string_view(kind) == "branches";
  std::string what = std::string("reading ") + (branch ? "branch " : "tag ") + std::string(name) +
                     " of " + std::string(project);
  std::string missing = std::string("GitLab has no ") + (branch ? "branch '" : "tag '") +
                        std::string(name) + "' in " + std::string(project);
  std::string request = std::string("GET /api/v4/projects/:id/repository/") + kind + "/:name";
  // Names are one path segment: '/' travels as %2F.
  return http_.send(
      apiRequest("/projects/" + *segment + "/repository/" + kind + "/" + urlEncode(name), token),
      [ctx = std::move(ctx), request, what, missing, p = std::string(project),
       cb = std::move(cb)](Result<HttpResponse> r) {
        cb(parseCommitAnswer(ctx, request, what, "ref", p, missing, true, std::move(r)));
      });
}

ApiCall GitLabApi::getBranch(std::string_view token, std::string_view project,
                             std::string_view branch, CommitCallback cb) {
  return getRef(token, project, branch, "branches", std::move(cb));
}

ApiCall GitLabApi::getTag(std::string_view token, std::string_view project, std::string_view tag,
                          CommitCallback cb) {
  return getRef(token, project, tag, "tags", std::move(cb));
}

ApiCall GitLabApi::getCommit(std::string_view token, std::string_view project, std::string_view sha,
                             CommitCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  if (auto st = ph::checkSha(sha, "sha"); !st) return st.error();
  Context ctx{options_.server_root, options_.clock};
  std::string missing = "GitLab has no commit " + std::string(sha) + " in " + std::string(project);
  return http_.send(
      apiRequest("/projects/" + *segment + "/repository/commits/" + std::string(sha), token),
      [ctx = std::move(ctx), missing, p = std::string(project),
       cb = std::move(cb)](Result<HttpResponse> r) {
        cb(parseCommitAnswer(ctx, "GET /api/v4/projects/:id/repository/commits/:sha",
                             "reading a commit of " + p, "sha", p, missing, false, std::move(r)));
      });
}

ApiCall GitLabApi::postStatus(std::string_view token, std::string_view project,
                              std::string_view sha, std::string_view state, std::string_view name,
                              std::string_view ref, std::string_view description,
                              std::string_view target_url, DoneCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  if (auto st = ph::checkSha(sha, "sha"); !st) return st.error();
  HttpRequest req = apiRequest("/projects/" + *segment + "/statuses/" + std::string(sha), token);
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "state", state);
    json::kv(w, "name", clipUtf8(name, 255));
    if (!ref.empty()) json::kv(w, "ref", clipUtf8(ref, 255));
    json::kv(w, "description", clipUtf8(description, kMaxStatusDescription));
    // GitLab refuses a target_url over 255 characters: better none than no status.
    if (!target_url.empty() && target_url.size() <= 255) json::kv(w, "target_url", target_url);
    w.EndObject();
  });
  Context ctx{options_.server_root, options_.clock};
  std::string what = "setting a commit status on project " + std::string(project);
  return http_.send(std::move(req), [ctx = std::move(ctx), what, p = std::string(project),
                                     cb = std::move(cb)](Result<HttpResponse> r) {
    if (!r.ok()) return cb(ph::transportError(r.error(), "GitLab", ctx.root));
    if (r->status == 201 || r->status == 200) return cb(okStatus());
    if (r->status == 400 && isGitlabApiAnswer(*r) &&
        ph::answerMessage(r->body).find("Cannot transition status") != std::string::npos)
      return cb(okStatus());
    cb(gitlabError(*r, ctx, "POST /api/v4/projects/:id/statuses/:sha", what,
                   "GitLab has no project " + p + " or commit there that this account can see"));
  });
}

ApiCall GitLabApi::createDeployToken(std::string_view token, std::string_view project,
                                     std::string_view name, int64_t expires_at,
                                     DeployTokenCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  HttpRequest req = apiRequest("/projects/" + *segment + "/deploy_tokens", token);
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "name", name);
    json::key(w, "scopes");
    w.StartArray();
    json::str(w, "read_repository");
    w.EndArray();
    json::kv(w, "expires_at", isoTime(expires_at));
    w.EndObject();
  });
  Context ctx{options_.server_root, options_.clock};
  return http_.send(std::move(req), [ctx = std::move(ctx), p = std::string(project), expires_at,
                                     cb = std::move(cb)](Result<HttpResponse> r) {
    constexpr std::string_view kRequest = "POST /api/v4/projects/:id/deploy_tokens";
    if (!r.ok()) return cb(ph::transportError(r.error(), "GitLab", ctx.root));
    if (r->status != 201 && r->status != 200)
      return cb(gitlabError(*r, ctx, kRequest, "creating a deploy token for project " + p,
                            "GitLab has no project " + p + " that this account can see"));
    if (!isGitlabApiAnswer(*r)) return cb(notGitlabRootError(ctx.root, answeredWith(*r, kRequest)));
    auto doc = json::parse(r->body);
    CloneCredential c;
    c.id = json::getIdString(*doc, "id").value_or("");
    c.username = stringOf(*doc, "username");
    c.password = stringOf(*doc, "token");
    c.expires_at = expires_at;
    if (c.id.empty() || c.username.empty() || c.password.empty())
      return cb(Error{502, "", "GitLab's new deploy token has no id, username or token"});
    cb(std::move(c));
  });
}

ApiCall GitLabApi::deleteDeployToken(std::string_view token, std::string_view project,
                                     std::string_view token_id, DoneCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  if (token_id.empty() || token_id.size() > 18 ||
      token_id.find_first_not_of("0123456789") != std::string_view::npos)
    return Error::unprocessable("credential", "a GitLab deploy token id is a number");
  HttpRequest req =
      apiRequest("/projects/" + *segment + "/deploy_tokens/" + std::string(token_id), token);
  req.method = "DELETE";
  Context ctx{options_.server_root, options_.clock};
  return http_.send(std::move(req), [ctx = std::move(ctx), p = std::string(project),
                                     cb = std::move(cb)](Result<HttpResponse> r) {
    if (!r.ok()) return cb(ph::transportError(r.error(), "GitLab", ctx.root));
    if (r->status == 204 || r->status == 200 || (r->status == 404 && isGitlabApiAnswer(*r)))
      return cb(okStatus());
    cb(gitlabError(*r, ctx, "DELETE /api/v4/projects/:id/deploy_tokens/:id",
                   "deleting a deploy token of project " + p));
  });
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
