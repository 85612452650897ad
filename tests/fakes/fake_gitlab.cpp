#include "tests/fakes/fake_gitlab.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/json.h"
#include "tests/fakes/fake_gitlab_common.h"
#include "tests/support/tls_server.h"

namespace triggerd::testing {
namespace {

std::string fakeSha(const std::string& seed) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a
  std::string out;
  for (int round = 0; out.size() < 40; ++round) {
    for (char c : seed + "#" + std::to_string(round)) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    out += buf;
  }
  return out.substr(0, 40);
}

std::string padded(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%03d", i);
  return buf;
}

std::string lastSegment(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

}  // namespace

namespace fake_gitlab {

FakeApiResponse gitlabMessage(int status, const std::string& message) {
  return jsonAnswer(status, "{\"message\":" + jsonEscape(message) + "}");
}

FakeApiResponse tokenError(int status, const std::string& error, const std::string& description,
                           const std::string& scope) {
  std::string body =
      "{\"error\":" + jsonEscape(error) + ",\"error_description\":" + jsonEscape(description);
  if (!scope.empty()) body += ",\"scope\":" + jsonEscape(scope);
  body += "}";
  FakeApiResponse r = jsonAnswer(status, std::move(body));
  r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"\", error=\"" + error +
                                               "\", error_description=\"" + description + "\""});
  return r;
}

bool hasAny(const std::vector<std::string>& have, std::initializer_list<const char*> want) {
  for (const char* w : want)
    if (std::find(have.begin(), have.end(), w) != have.end()) return true;
  return false;
}

}  // namespace fake_gitlab

using fake_gitlab::gitlabMessage;
using fake_gitlab::hasAny;
using fake_gitlab::kInsufficientScope;
using fake_gitlab::tokenError;

FakeGitLab::FakeGitLab() : FakeGitLab(Options{}) {}

FakeGitLab::FakeGitLab(Options options) : options_(std::move(options)) {
  while (!options_.relative_root.empty() && options_.relative_root.back() == '/')
    options_.relative_root.pop_back();
  FakeHttpServer::Options server_options;
  server_options.tls = options_.tls;
  server_ = std::make_unique<FakeHttpServer>(
      serveApi([this](const FakeApiRequest& r) { return handle(r); }), server_options);
  std::lock_guard lock(mu_);  // the handler reads these under mu_ on the server thread
  port_ = server_->port();
  ca_pem_ = server_->caPem();
}

FakeGitLab::~FakeGitLab() {
  server_.reset();
}  // stop the server thread before state goes

std::string FakeGitLab::serverUrl() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}
std::string FakeGitLab::serverRoot() const {
  return serverUrl() + options_.relative_root;
}
std::string FakeGitLab::caPem() const {
  return ca_pem_;
}
int FakeGitLab::port() const {
  return port_;
}

void FakeGitLab::addUser(int64_t id, const std::string& username, const std::string& name) {
  std::lock_guard lock(mu_);
  users_[username] = User{id, username, name};
}

void FakeGitLab::addToken(const std::string& token, const std::string& username,
                          const std::vector<std::string>& scopes,
                          std::optional<std::string> expires_at) {
  std::lock_guard lock(mu_);
  tokens_[token] = Token{static_cast<int64_t>(tokens_.size()) + 40, username, scopes,
                         std::move(expires_at), false};
}

void FakeGitLab::revokeToken(const std::string& token) {
  std::lock_guard lock(mu_);
  if (auto it = tokens_.find(token); it != tokens_.end()) it->second.revoked = true;
}

void FakeGitLab::addProject(FakeGitLabProject project) {
  std::lock_guard lock(mu_);
  if (project.id == 0) project.id = 100 + static_cast<int64_t>(projects_.size());
  projects_.push_back(std::move(project));
}

void FakeGitLab::addBranches(int64_t project_id, int count, const std::string& prefix) {
  std::lock_guard lock(mu_);
  for (auto& p : projects_) {
    if (p.id != project_id) continue;
    for (int i = 0; i < count; ++i) {
      std::string name = prefix + padded(i);
      p.branches.push_back({name, fakeSha(p.path_with_namespace + "/heads/" + name), false});
    }
  }
}

void FakeGitLab::addTags(int64_t project_id, int count, const std::string& prefix) {
  std::lock_guard lock(mu_);
  for (auto& p : projects_) {
    if (p.id != project_id) continue;
    for (int i = 0; i < count; ++i) {
      std::string name = prefix + padded(i);
      p.tags.push_back({name, fakeSha(p.path_with_namespace + "/tags/" + name), false});
    }
  }
}

void FakeGitLab::setRateLimited(bool on, int64_t retry_after_seconds) {
  std::lock_guard lock(mu_);
  rate_limited_ = on;
  retry_after_ = retry_after_seconds;
}

void FakeGitLab::setNow(int64_t unix_seconds) {
  std::lock_guard lock(mu_);
  now_ = unix_seconds;
}

int64_t FakeGitLab::now() const {
  return now_ ? *now_ : static_cast<int64_t>(std::time(nullptr));
}

std::vector<FakeApiRequest> FakeGitLab::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeGitLab::clearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

FakeApiResponse FakeGitLab::handle(const FakeApiRequest& request) {
  std::unique_lock lock(mu_);
  requests_.push_back(request);
  budget_headers_.clear();
  FakeApiResponse answer = handleLocked(request);
  if (pending_test_) {
    // A hook test is sent while the request waits, without holding the lock.
    PendingTest test = std::move(*pending_test_);
    pending_test_.reset();
    lock.unlock();
    DeliveryOutcome outcome = DeliverySender::sendNow(test.delivery);
    lock.lock();
    answer = finishTest(test, outcome);
  }
  for (auto& h : budget_headers_) answer.headers.push_back(h);
  return answer;
}

bool FakeGitLab::expired(const Token& token) const {
  if (!token.expires_at) return false;
  std::chrono::system_clock::time_point t;
  if (!parseIso8601(*token.expires_at, &t)) return false;
  // GitLab: the token expires at 00:00 UTC on its expires_at date.
  return now() >= std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

FakeApiResponse FakeGitLab::handleLocked(const FakeApiRequest& request) {
  std::string path = request.rawPath();
  const std::string& root = options_.relative_root;
  if (path.compare(0, root.size(), root) != 0 ||
      (path.size() > root.size() && path[root.size()] != '/')) {
    return htmlAnswer(404, "The page could not be found (404)");
  }
  auto segments = pathSegments(path.substr(root.size()));
  if (!segments || segments->size() < 2 || (*segments)[0] != "api" || (*segments)[1] != "v4") {
    // GitLab's web UI: sign-in pages, project pages, or its HTML 404.
    return htmlAnswer(404, "The page could not be found (404)");
  }
  return api(request, std::vector<std::string>(segments->begin() + 2, segments->end()));
}

FakeApiResponse FakeGitLab::api(const FakeApiRequest& request,
                                const std::vector<std::string>& route) {
  if (rate_limited_) {
    // Rack::Attack's throttle answer: plain text, with the limit headers.
    FakeApiResponse r{429, {{"Content-Type", "text/plain"}}, "Retry later\n"};
    r.headers.push_back({"Retry-After", std::to_string(retry_after_)});
    r.headers.push_back({"RateLimit-Name", "throttle_authenticated_api"});
    r.headers.push_back({"RateLimit-Limit", "2000"});
    r.headers.push_back({"RateLimit-Observed", "2001"});
    r.headers.push_back({"RateLimit-Remaining", "0"});
    r.headers.push_back({"RateLimit-Reset", std::to_string(now() + retry_after_)});
    return r;
  }

  std::string value = request.header("private-token");
  if (value.empty()) {
    std::string auth = request.header("authorization");
    if (auth.compare(0, 7, "Bearer ") == 0) value = auth.substr(7);
  }
  auto token_it = tokens_.find(value);
  if (value.empty() || token_it == tokens_.end() ||
      users_.find(token_it->second.username) == users_.end()) {
    return gitlabMessage(401, "401 Unauthorized");
  }
  const Token& token = token_it->second;
  bool is_self = route == std::vector<std::string>{"personal_access_tokens", "self"};
  bool lenient = is_self && options_.self_reports_inactive_tokens && options_.has_token_self;
  if (!lenient && token.revoked) {
    return tokenError(401, "invalid_token",
                      "Token was revoked. You have to re-authorize from the user.");
  }
  if (!lenient && expired(token)) {
    return tokenError(401, "invalid_token",
                      "Token is expired. You can either do re-authorization or token refresh.");
  }
  const User& user = users_.at(token.username);
  if (auto spent = spendBudget(user)) return *spent;
  if (fail_count_ > 0) {
    --fail_count_;
    return gitlabMessage(fail_status_, std::to_string(fail_status_) + " Internal Server Error");
  }
  if (auto answer = hookApi(token, user, request, route)) return *answer;
  bool list_refs = route.size() == 4 && route[0] == "projects" && route[2] == "repository" &&
                   (route[3] == "branches" || route[3] == "tags");
  if (route.size() >= 2 && route[0] == "projects" && !list_refs)
    return projectRoutes(token, user, request, route);

  if (request.method != "GET") return jsonAnswer(404, "{\"error\":\"404 Not Found\"}");

  if (route == std::vector<std::string>{"version"}) {
    if (!hasAny(token.scopes, {"api", "read_api", "read_user"}))
      return tokenError(403, "insufficient_scope", kInsufficientScope, "api read_api read_user");
    return jsonAnswer(200, "{\"version\":" + jsonEscape(options_.version) +
                               ",\"revision\":\"6c4f7e1b2a9\",\"kas\":{\"enabled\":false,"
                               "\"externalUrl\":null,\"externalK8sProxyUrl\":null,"
                               "\"version\":null},\"enterprise\":true}");
  }
  if (is_self) {
    if (!options_.has_token_self) return jsonAnswer(404, "{\"error\":\"404 Not Found\"}");
    std::string scopes = "[";
    for (size_t i = 0; i < token.scopes.size(); ++i)
      scopes += (i ? "," : "") + jsonEscape(token.scopes[i]);
    scopes += "]";
    bool active = !token.revoked && !expired(token);
    return jsonAnswer(
        200, "{\"id\":" + std::to_string(token.id) +
                 ",\"name\":\"triggerd\",\"revoked\":" + (token.revoked ? "true" : "false") +
                 ",\"created_at\":\"2026-01-10T09:00:00.000Z\",\"description\":null,\"scopes\":" +
                 scopes + ",\"user_id\":" + std::to_string(user.id) +
                 ",\"last_used_at\":\"2026-11-25T09:59:00.000Z\",\"active\":" +
                 (active ? "true" : "false") + ",\"expires_at\":" +
                 (token.expires_at ? jsonEscape(*token.expires_at) : std::string("null")) + "}");
  }
  if (route == std::vector<std::string>{"user"}) {
    if (!hasAny(token.scopes, {"api", "read_api", "read_user"}))
      return tokenError(403, "insufficient_scope", kInsufficientScope, "api read_api read_user");
    return jsonAnswer(200, "{\"id\":" + std::to_string(user.id) + ",\"username\":" +
                               jsonEscape(user.username) + ",\"name\":" + jsonEscape(user.name) +
                               ",\"state\":\"active\",\"locked\":false,\"avatar_url\":null,"
                               "\"web_url\":" +
                               jsonEscape(serverRoot() + "/" + user.username) +
                               ",\"created_at\":\"2020-01-01T00:00:00.000Z\",\"bio\":\"\","
                               "\"public_email\":null,\"bot\":false}");
  }
  bool projects_route = route == std::vector<std::string>{"projects"};
  bool refs_route = route.size() == 4 && route[0] == "projects" && route[2] == "repository" &&
                    (route[3] == "branches" || route[3] == "tags");
  if (projects_route || refs_route) {
    if (!hasAny(token.scopes, {"api", "read_api"}))
      return tokenError(403, "insufficient_scope", kInsufficientScope, "api read_api");
    if (projects_route) return projects(user, request);
    const FakeGitLabProject* p = findProject(route[1]);
    if (p && (p->visibility != "private" || p->members.count(user.username)))
      return refs(request, *p, route[3] == "tags");
    return gitlabMessage(404, "404 Project Not Found");
  }
  return jsonAnswer(404, "{\"error\":\"404 Not Found\"}");
}

FakeApiResponse FakeGitLab::projects(const User& user, const FakeApiRequest& request) {
  bool membership = request.query("membership").value_or("") == "true";
  int min_level = std::atoi(request.query("min_access_level").value_or("0").c_str());
  bool simple = request.query("simple").value_or("") == "true";
  bool keyset = request.query("pagination").value_or("") == "keyset";

  std::vector<const FakeGitLabProject*> list;
  for (const auto& p : projects_) {
    auto member = p.members.find(user.username);
    int level = member == p.members.end() ? 0 : member->second;
    if (membership && level == 0) continue;
    if (min_level > 0 && level < min_level) continue;
    if (level == 0 && p.visibility == "private") continue;
    list.push_back(&p);
  }
  std::string order_by = request.query("order_by").value_or(keyset ? "id" : "created_at");
  bool desc = request.query("sort").value_or(keyset ? "asc" : "desc") == "desc";
  std::sort(list.begin(), list.end(), [&](const auto* a, const auto* b) {
    if (order_by == "path") {
      std::string pa = lastSegment(a->path_with_namespace),
                  pb = lastSegment(b->path_with_namespace);
      if (pa != pb) return desc ? pa > pb : pa < pb;
    }
    return desc ? a->id > b->id : a->id < b->id;
  });

  size_t begin = 0, end = 0;
  PageSlice slice;
  if (keyset) {
    // Keyset: ?pagination=keyset&order_by=id&sort=asc&id_after=N; only Link rel="next".
    int64_t after = std::atoll(request.query("id_after").value_or("0").c_str());
    int per_page = std::clamp(std::atoi(request.query("per_page").value_or("20").c_str()), 1, 100);
    while (begin < list.size() && list[begin]->id <= after) ++begin;
    end = std::min(list.size(), begin + static_cast<size_t>(per_page));
  } else {
    slice = slicePage(list.size(), request, 20);
    begin = slice.begin;
    end = slice.end;
  }

  std::string body = "[";
  for (size_t i = begin; i < end; ++i) {
    const FakeGitLabProject& p = *list[i];
    std::string path = lastSegment(p.path_with_namespace);
    std::string ns = p.path_with_namespace.substr(0, p.path_with_namespace.rfind('/'));
    std::string web = serverRoot() + "/" + p.path_with_namespace;
    std::string host = serverUrl().substr(serverUrl().find("://") + 3);
    host = host.substr(0, host.find(':'));
    if (i > begin) body += ",";
    body +=
        "{\"id\":" + std::to_string(p.id) + ",\"description\":null,\"name\":" + jsonEscape(path) +
        ",\"name_with_namespace\":" + jsonEscape(p.path_with_namespace) +
        ",\"path\":" + jsonEscape(path) +
        ",\"path_with_namespace\":" + jsonEscape(p.path_with_namespace) +
        ",\"created_at\":\"2025-03-01T12:00:00.000Z\",\"default_branch\":" +
        jsonEscape(p.default_branch) + ",\"tag_list\":[],\"topics\":[]" +
        ",\"ssh_url_to_repo\":" + jsonEscape("git@" + host + ":" + p.path_with_namespace + ".git") +
        ",\"http_url_to_repo\":" + jsonEscape(web + ".git") + ",\"web_url\":" + jsonEscape(web) +
        ",\"readme_url\":null,\"forks_count\":0,\"avatar_url\":null,\"star_count\":0" +
        ",\"last_activity_at\":\"2026-11-20T08:00:00.000Z\",\"namespace\":{\"path\":" +
        jsonEscape(ns) + ",\"full_path\":" + jsonEscape(ns) + ",\"kind\":\"group\"}";
    if (!simple) body += ",\"visibility\":" + jsonEscape(p.visibility) + ",\"archived\":false";
    body += "}";
  }
  body += "]";
  FakeApiResponse response = jsonAnswer(200, std::move(body));
  if (keyset) {
    if (end < list.size()) {
      std::string next =
          withQueryParam(request.target, "id_after", std::to_string(list[end - 1]->id));
      response.headers.push_back({"Link", linkHeader({{serverUrl() + next, "next"}})});
    }
  } else {
    paginate(response, request, slice, list.size());
  }
  return response;
}

FakeApiResponse FakeGitLab::refs(const FakeApiRequest& request, const FakeGitLabProject& project,
                                 bool tags) {
  std::vector<FakeGitLabRef> list = tags ? project.tags : project.branches;
  if (!tags) {
    std::sort(list.begin(), list.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
  }
  PageSlice slice = slicePage(list.size(), request, 20);
  std::string body = "[";
  for (size_t i = slice.begin; i < slice.end; ++i) {
    const FakeGitLabRef& ref = list[i];
    std::string when = ref.committed_at == 0 ? std::string("2026-11-20T08:00:00.000+00:00")
                                             : formatRfc3339(std::chrono::system_clock::time_point(
                                                   std::chrono::seconds(ref.committed_at)));
    std::string commit = "{\"id\":" + jsonEscape(ref.sha) +
                         ",\"short_id\":" + jsonEscape(ref.sha.substr(0, 8)) +
                         ",\"title\":\"Update README\",\"message\":\"Update README\\n\","
                         "\"created_at\":" +
                         jsonEscape(when) + ",\"committed_date\":" + jsonEscape(when) + "}";
    if (i > slice.begin) body += ",";
    if (tags) {
      body += "{\"name\":" + jsonEscape(ref.name) +
              ",\"message\":\"\",\"target\":" + jsonEscape(ref.sha) + ",\"commit\":" + commit +
              ",\"release\":null,\"protected\":" + (ref.is_protected ? "true" : "false") +
              ",\"created_at\":null}";
    } else {
      body += "{\"name\":" + jsonEscape(ref.name) + ",\"commit\":" + commit +
              ",\"merged\":false,\"protected\":" + (ref.is_protected ? "true" : "false") +
              ",\"developers_can_push\":false,\"developers_can_merge\":false,\"can_push\":true,"
              "\"default\":" +
              (ref.name == project.default_branch ? "true" : "false") + ",\"web_url\":" +
              jsonEscape(serverRoot() + "/" + project.path_with_namespace + "/-/tree/" + ref.name) +
              "}";
    }
  }
  body += "]";
  FakeApiResponse response = jsonAnswer(200, std::move(body));
  paginate(response, request, slice, list.size());
  return response;
}

void FakeGitLab::addCommit(int64_t project_id, FakeGitLabCommit commit, const std::string& branch,
                           const std::string& tag) {
  std::lock_guard lock(mu_);
  for (auto& p : projects_) {
    if (p.id != project_id) continue;
    auto point = [&](std::vector<FakeGitLabRef>& refs, const std::string& name) {
      if (name.empty()) return;
      for (auto& r : refs)
        if (r.name == name) return void(r.sha = commit.sha);
      refs.push_back({name, commit.sha, false});
    };
    point(p.branches, branch);
    point(p.tags, tag);
    p.commits.push_back(commit);
  }
}

void FakeGitLab::failRequests(int count, int status) {
  std::lock_guard lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
}

std::vector<FakeGitLabStatus> FakeGitLab::statuses() const {
  std::lock_guard lock(mu_);
  return statuses_;
}

std::vector<FakeGitLabDeployToken> FakeGitLab::deployTokens() const {
  std::lock_guard lock(mu_);
  return deploy_tokens_;
}

std::string FakeGitLab::projectJson(const FakeGitLabProject& p, bool simple) const {
  std::string path = lastSegment(p.path_with_namespace);
  std::string web = serverRoot() + "/" + p.path_with_namespace;
  std::string host = serverUrl().substr(serverUrl().find("://") + 3);
  host = host.substr(0, host.find(':'));
  std::string body =
      "{\"id\":" + std::to_string(p.id) + ",\"name\":" + jsonEscape(path) +
      ",\"path\":" + jsonEscape(path) +
      ",\"path_with_namespace\":" + jsonEscape(p.path_with_namespace) +
      ",\"default_branch\":" + jsonEscape(p.default_branch) +
      ",\"ssh_url_to_repo\":" + jsonEscape("git@" + host + ":" + p.path_with_namespace + ".git") +
      ",\"http_url_to_repo\":" + jsonEscape(web + ".git") + ",\"web_url\":" + jsonEscape(web);
  if (!simple) body += ",\"visibility\":" + jsonEscape(p.visibility) + ",\"archived\":false";
  return body + "}";
}

std::string FakeGitLab::commitJson(const FakeGitLabProject& p, const std::string& sha) const {
  FakeGitLabCommit c{sha, "Commit " + sha.substr(0, 8)};
  for (const auto& known : p.commits)
    if (known.sha == sha) c = known;
  std::string title = c.message.substr(0, c.message.find('\n'));
  return "{\"id\":" + jsonEscape(c.sha) + ",\"short_id\":" + jsonEscape(c.sha.substr(0, 8)) +
         ",\"title\":" + jsonEscape(title) + ",\"message\":" + jsonEscape(c.message) +
         ",\"author_name\":" + jsonEscape(c.author_name) +
         ",\"author_email\":" + jsonEscape(c.author_email) +
         ",\"authored_date\":" + jsonEscape(c.date) +
         ",\"committer_name\":" + jsonEscape(c.author_name) +
         ",\"committer_email\":" + jsonEscape(c.author_email) +
         ",\"committed_date\":" + jsonEscape(c.date) + ",\"parent_ids\":[],\"web_url\":" +
         jsonEscape(serverRoot() + "/" + p.path_with_namespace + "/-/commit/" + c.sha) + "}";
}

// /projects/:id[/repository/{branches,tags}/:name|/repository/commits/:sha|/statuses/:sha|
// /deploy_tokens[/:id]]. A name with '/' arrives as one segment (%2F).
FakeApiResponse FakeGitLab::projectRoutes(const Token& token, const User& user,
                                          const FakeApiRequest& request,
                                          const std::vector<std::string>& route) {
  bool write = request.method != "GET";
  if (!hasAny(token.scopes, write ? std::initializer_list<const char*>{"api"}
                                  : std::initializer_list<const char*>{"api", "read_api"}))
    return tokenError(403, "insufficient_scope", kInsufficientScope,
                      write ? "api" : "api read_api");
  const std::string& id = route[1];
  bool numeric =
      !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
  FakeGitLabProject* project = nullptr;
  for (auto& p : projects_) {
    bool match = numeric ? std::to_string(p.id) == id : equalsIgnoreCase(p.path_with_namespace, id);
    if (match) project = &p;
  }
  auto member =
      project ? project->members.find(user.username) : std::map<std::string, int>::iterator();
  int level = project && member != project->members.end() ? member->second : 0;
  if (!project || (project->visibility == "private" && level == 0))
    return gitlabMessage(404, "404 Project Not Found");
  FakeGitLabProject& p = *project;
  auto findRef = [](const std::vector<FakeGitLabRef>& refs, const std::string& name) {
    for (const auto& r : refs)
      if (r.name == name) return &r;
    return static_cast<const FakeGitLabRef*>(nullptr);
  };
  auto knows = [&](const std::string& sha) {
    for (const auto& c : p.commits)
      if (c.sha == sha) return true;
    for (const auto* refs : {&p.branches, &p.tags})
      for (const auto& r : *refs)
        if (r.sha == sha) return true;
    return false;
  };

  if (request.method == "GET" && route.size() == 2) return jsonAnswer(200, projectJson(p, false));
  if (request.method == "GET" && route.size() == 5 && route[2] == "repository") {
    const std::string& name = route[4];
    if (route[3] == "branches") {
      const auto* b = findRef(p.branches, name);
      if (!b) return gitlabMessage(404, "404 Branch Not Found");
      return jsonAnswer(
          200, "{\"name\":" + jsonEscape(b->name) + ",\"commit\":" + commitJson(p, b->sha) +
                   ",\"merged\":false,\"protected\":" + (b->is_protected ? "true" : "false") +
                   ",\"default\":" + (b->name == p.default_branch ? "true" : "false") + "}");
    }
    if (route[3] == "tags") {
      const auto* t = findRef(p.tags, name);
      if (!t) return gitlabMessage(404, "404 Tag Not Found");
      return jsonAnswer(200, "{\"name\":" + jsonEscape(t->name) + ",\"message\":\"\",\"target\":" +
                                 jsonEscape(t->sha) + ",\"commit\":" + commitJson(p, t->sha) +
                                 ",\"release\":null,\"protected\":false}");
    }
    if (route[3] == "commits") {
      std::string sha;
      for (const auto& c : p.commits)
        if (c.sha.rfind(name, 0) == 0) sha = c.sha;
      for (const auto* refs : {&p.branches, &p.tags})
        for (const auto& r : *refs)
          if (r.sha.rfind(name, 0) == 0) sha = r.sha;
      if (sha.empty() || name.size() < 7) return gitlabMessage(404, "404 Commit Not Found");
      return jsonAnswer(200, commitJson(p, sha));
    }
  }
  if (request.method == "POST" && route.size() == 4 && route[2] == "statuses") {
    if (level < 30) return gitlabMessage(403, "403 Forbidden");
    auto body = json::parse(request.body);
    if (!body.ok() || !body->IsObject()) return gitlabMessage(400, "400 Bad request");
    FakeGitLabStatus st{p.id,
                        route[3],
                        std::string(json::getString(*body, "state").value_or("")),
                        std::string(json::getString(*body, "name").value_or("default")),
                        std::string(json::getString(*body, "ref").value_or(p.default_branch)),
                        std::string(json::getString(*body, "description").value_or("")),
                        std::string(json::getString(*body, "target_url").value_or(""))};
    static const std::vector<std::string> kStates{"pending", "running",  "success",
                                                  "failed",  "canceled", "skipped"};
    if (std::find(kStates.begin(), kStates.end(), st.state) == kStates.end())
      return jsonAnswer(400, "{\"error\":\"state does not have a valid value\"}");
    if (st.description.size() > 255 || st.target_url.size() > 255)
      return gitlabMessage(400, "400 Bad request - description is too long");
    if (!knows(st.sha)) return gitlabMessage(404, "404 References for commit Not Found");
    // GitLab moves a status through a state machine: the same state again is no transition.
    for (auto it = statuses_.rbegin(); it != statuses_.rend(); ++it) {
      if (it->project_id != p.id || it->sha != st.sha || it->name != st.name || it->ref != st.ref)
        continue;
      if (it->state == st.state)
        return jsonAnswer(400, "{\"message\":\"Cannot transition status via :" + st.state +
                                   " from :" + st.state +
                                   " (Reason(s): Status cannot transition "
                                   "via \\\"" +
                                   st.state + "\\\")\"}");
      break;
    }
    statuses_.push_back(st);
    return jsonAnswer(
        201, "{\"id\":" + std::to_string(statuses_.size()) + ",\"sha\":" + jsonEscape(st.sha) +
                 ",\"ref\":" + jsonEscape(st.ref) + ",\"status\":" + jsonEscape(st.state) +
                 ",\"name\":" + jsonEscape(st.name) +
                 ",\"description\":" + jsonEscape(st.description) + ",\"allow_failure\":false}");
  }
  if (route.size() >= 3 && route[2] == "deploy_tokens") {
    if (level < 40) return gitlabMessage(403, "403 Forbidden");
    if (request.method == "POST" && route.size() == 3) {
      auto body = json::parse(request.body);
      if (!body.ok() || !body->IsObject()) return gitlabMessage(400, "400 Bad request");
      FakeGitLabDeployToken t;
      t.id = static_cast<int64_t>(deploy_tokens_.size()) + 1;
      t.project_id = p.id;
      t.name = std::string(json::getString(*body, "name").value_or(""));
      t.username = "gitlab+deploy-token-" + std::to_string(t.id);
      t.token = "gldt-fake" + std::to_string(1000000 + t.id) + "abcdefghij";
      t.expires_at = std::string(json::getString(*body, "expires_at").value_or(""));
      if (const auto* scopes = json::member(*body, "scopes"); scopes && scopes->IsArray())
        for (const auto& sc : scopes->GetArray())
          if (sc.IsString()) t.scopes.emplace_back(sc.GetString());
      if (t.name.empty() || t.scopes.empty())
        return jsonAnswer(400, "{\"error\":\"name, scopes is missing\"}");
      deploy_tokens_.push_back(t);
      std::string scopes = "[";
      for (size_t i = 0; i < t.scopes.size(); ++i)
        scopes += (i ? "," : "") + jsonEscape(t.scopes[i]);
      return jsonAnswer(
          201, "{\"id\":" + std::to_string(t.id) + ",\"name\":" + jsonEscape(t.name) +
                   ",\"username\":" + jsonEscape(t.username) +
                   ",\"expires_at\":" + (t.expires_at.empty() ? "null" : jsonEscape(t.expires_at)) +
                   ",\"token\":" + jsonEscape(t.token) +
                   ",\"revoked\":false,\"expired\":false,\"scopes\":" + scopes + "]}");
    }
    if (request.method == "DELETE" && route.size() == 4) {
      for (auto& t : deploy_tokens_) {
        if (t.project_id != p.id || std::to_string(t.id) != route[3] || t.revoked) continue;
        t.revoked = true;
        return FakeApiResponse{204, {}, ""};
      }
      return gitlabMessage(404, "404 Token Not Found");
    }
  }
  return jsonAnswer(404, "{\"error\":\"404 Not Found\"}");
}

// GitLab's offset pagination headers: Link (prev, next, first, last) and the x-* set.
void FakeGitLab::paginate(FakeApiResponse& response, const FakeApiRequest& request,
                          const PageSlice& slice, size_t total) {
  auto url = [&](int page) {
    std::string target = withQueryParam(request.target, "page", std::to_string(page));
    target = withQueryParam(target, "per_page", std::to_string(slice.per_page));
    return serverUrl() + target;
  };
  std::vector<std::pair<std::string, std::string>> links;
  if (slice.page > 1) links.push_back({url(slice.page - 1), "prev"});
  if (slice.page < slice.total_pages) links.push_back({url(slice.page + 1), "next"});
  links.push_back({url(1), "first"});
  if (!options_.omit_totals) links.push_back({url(slice.total_pages), "last"});
  response.headers.push_back({"Link", linkHeader(links)});
  response.headers.push_back(
      {"x-next-page", slice.page < slice.total_pages ? std::to_string(slice.page + 1) : ""});
  response.headers.push_back({"x-page", std::to_string(slice.page)});
  response.headers.push_back({"x-per-page", std::to_string(slice.per_page)});
  response.headers.push_back({"x-prev-page", slice.page > 1 ? std::to_string(slice.page - 1) : ""});
  if (!options_.omit_totals) {
    response.headers.push_back({"x-total", std::to_string(total)});
    response.headers.push_back({"x-total-pages", std::to_string(slice.total_pages)});
  }
}

}  // namespace triggerd::testing
