#include "tests/fakes/fake_github.h"

#include <thread>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/encoding.h"
#include "common/json.h"
#include "providers/scopes.h"
#include "tests/fakes/fake_github_common.h"
#include "tests/support/tls_server.h"

namespace triggerd::testing {
namespace {

constexpr int kRateLimit = 5000;

// 40 hex chars derived from a name: stable, distinct SHAs for generated refs.
std::string fakeSha(const std::string& seed) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  std::string out;
  for (int round = 0; out.size() < 40; ++round) {
    for (char c : seed + std::to_string(round)) {
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

std::string scopesHeader(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

namespace fake_github {

int64_t nowUnix() {
  return static_cast<int64_t>(std::time(nullptr));
}

FakeApiResponse githubMessage(int status, const std::string& message, const std::string& docs) {
  return jsonAnswer(status, "{\"message\":" + jsonEscape(message) +
                                ",\"documentation_url\":" + jsonEscape(docs) + ",\"status\":\"" +
                                std::to_string(status) + "\"}");
}

int permissionRank(const std::string& p) {
  if (p == "admin") return 5;
  if (p == "maintain") return 4;
  if (p == "push") return 3;
  if (p == "triage") return 2;
  if (p == "pull") return 1;
  return 0;
}

}  // namespace fake_github

using fake_github::githubMessage;
using fake_github::nowUnix;
using fake_github::permissionRank;

FakeGitHub::FakeGitHub() : FakeGitHub(Options{}) {}

FakeGitHub::FakeGitHub(Options options) : options_(std::move(options)) {
  while (!options_.api_prefix.empty() && options_.api_prefix.back() == '/')
    options_.api_prefix.pop_back();
  FakeHttpServer::Options server_options;
  server_options.tls = options_.tls;
  server_ = std::make_unique<FakeHttpServer>(
      serveApi([this](const FakeApiRequest& r) { return handle(r); }), server_options);
  std::lock_guard lock(mu_);  // the handler reads these under mu_ on the server thread
  port_ = server_->port();
  ca_pem_ = server_->caPem();
}

FakeGitHub::~FakeGitHub() {
  server_.reset();
}  // stop the server thread before state goes

std::string FakeGitHub::serverUrl() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}
std::string FakeGitHub::apiBaseUrl() const {
  return serverUrl() + options_.api_prefix;
}
std::string FakeGitHub::oauthBaseUrl() const {
  return serverUrl();
}
std::string FakeGitHub::caPem() const {
  return ca_pem_;
}
int FakeGitHub::port() const {
  return port_;
}

void FakeGitHub::addUser(int64_t id, const std::string& login, const std::string& name) {
  std::lock_guard lock(mu_);
  users_[login] = User{id, login, name};
}

void FakeGitHub::addToken(const std::string& token, const std::string& login,
                          const std::vector<std::string>& scopes,
                          std::optional<std::string> expiration) {
  std::lock_guard lock(mu_);
  tokens_[token] = Token{login, scopes, std::move(expiration), false};
}

void FakeGitHub::revokeToken(const std::string& token) {
  std::lock_guard lock(mu_);
  if (auto it = tokens_.find(token); it != tokens_.end()) it->second.revoked = true;
}

void FakeGitHub::addRepo(FakeGitHubRepo repo) {
  std::lock_guard lock(mu_);
  if (repo.id == 0) repo.id = 1296269 + static_cast<int64_t>(repos_.size());
  repos_.push_back(std::move(repo));
}

void FakeGitHub::addBranches(const std::string& full_name, int count, const std::string& prefix) {
  std::lock_guard lock(mu_);
  for (auto& repo : repos_) {
    if (repo.fullName() != full_name) continue;
    for (int i = 0; i < count; ++i) {
      std::string name = prefix + padded(i);
      repo.branches.push_back({name, fakeSha(full_name + "/heads/" + name), false});
    }
  }
}

void FakeGitHub::addTags(const std::string& full_name, int count, const std::string& prefix) {
  std::lock_guard lock(mu_);
  for (auto& repo : repos_) {
    if (repo.fullName() != full_name) continue;
    for (int i = 0; i < count; ++i) {
      std::string name = prefix + padded(i);
      repo.tags.push_back({name, fakeSha(full_name + "/tags/" + name), false});
    }
  }
}

void FakeGitHub::setRateLimit(RateLimit mode, int64_t seconds) {
  std::lock_guard lock(mu_);
  rate_limit_ = mode;
  rate_limit_seconds_ = seconds;
}

void FakeGitHub::setDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  delay_ = delay;
}

std::string FakeGitHub::issueCode(const std::string& login, const std::vector<std::string>& scopes,
                                  const std::string& redirect_uri) {
  std::lock_guard lock(mu_);
  std::string code = "fakecode" + std::to_string(next_code_++) + "a1b2c3";
  codes_[code] = Code{login, scopes, redirect_uri, false, false};
  return code;
}

void FakeGitHub::expireCode(const std::string& code) {
  std::lock_guard lock(mu_);
  if (auto it = codes_.find(code); it != codes_.end()) it->second.expired = true;
}

void FakeGitHub::setBrowserLogin(const std::string& login) {
  std::lock_guard lock(mu_);
  browser_login_ = login;
}

std::vector<std::string> FakeGitHub::issuedTokens() const {
  std::lock_guard lock(mu_);
  return issued_tokens_;
}

std::vector<FakeApiRequest> FakeGitHub::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeGitHub::clearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

FakeApiResponse FakeGitHub::handle(const FakeApiRequest& request) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu_);
    delay = delay_;
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  std::lock_guard lock(mu_);
  requests_.push_back(request);
  return handleLocked(request);
}

FakeApiResponse FakeGitHub::handleLocked(const FakeApiRequest& request) {
  std::string path = request.rawPath();
  if (path == "/login/oauth/authorize") return authorizePage(request);
  if (path == "/login/oauth/access_token") {
    if (request.method != "POST") return htmlAnswer(404, "Not Found");
    return oauthToken(request);
  }
  const std::string& prefix = options_.api_prefix;
  if (path.compare(0, prefix.size(), prefix) != 0 ||
      (path.size() > prefix.size() && path[prefix.size()] != '/')) {
    return htmlAnswer(404, "Page not found");  // the web UI, not the API
  }
  return api(request, path.substr(prefix.size()));
}

// POST /login/oauth/access_token: GitHub answers 200 for failures too, with an `error` field,
// in JSON when asked (Accept: application/json) and form-encoded otherwise.
FakeApiResponse FakeGitHub::oauthToken(const FakeApiRequest& request) {
  bool wants_json = request.header("accept").find("application/json") != std::string::npos;
  auto form = parseForm(request.body).value_or(std::vector<std::pair<std::string, std::string>>{});
  auto field = [&](const char* name) {
    for (const auto& [k, v] : form)
      if (k == name) return v;
    return std::string();
  };
  auto answer = [&](std::vector<std::pair<std::string, std::string>> fields) {
    FakeApiResponse r;
    r.status = 200;
    if (wants_json) {
      r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
      r.body = "{";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) r.body += ",";
        r.body += jsonEscape(fields[i].first) + ":" + jsonEscape(fields[i].second);
      }
      r.body += "}";
    } else {
      r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) r.body += "&";
        r.body += fields[i].first + "=" + urlEncode(fields[i].second);
      }
    }
    return r;
  };
  auto error = [&](const std::string& code, const std::string& description,
                   const std::string& anchor) {
    return answer({{"error", code},
                   {"error_description", description},
                   {"error_uri",
                    "https://docs.github.com/apps/managing-oauth-apps/"
                    "troubleshooting-oauth-app-access-token-request-errors/#" +
                        anchor}});
  };

  if (field("client_id") != options_.client_id ||
      field("client_secret") != options_.client_secret) {
    return error("incorrect_client_credentials",
                 "The client_id and/or client_secret passed are incorrect.",
                 "incorrect-client-credentials");
  }
  auto it = codes_.find(field("code"));
  if (it == codes_.end() || it->second.used || it->second.expired) {
    return error("bad_verification_code", "The code passed is incorrect or expired.",
                 "bad-verification-code");
  }
  Code& code = it->second;
  if (!code.redirect_uri.empty() && field("redirect_uri") != code.redirect_uri) {
    return error("redirect_uri_mismatch",
                 "The redirect_uri MUST match the registered callback URL for this application.",
                 "redirect-uri-mismatch2");
  }
  code.used = true;
  // gho_ plus 36 characters, the shape of a GitHub OAuth token.
  std::string serial = std::to_string(issued_tokens_.size() + 1);
  std::string token = "gho_fake" + std::string(32 - serial.size(), '0') + serial;
  tokens_[token] = Token{code.login, code.scopes, std::nullopt, false};
  issued_tokens_.push_back(token);
  std::string scope;  // the exchange reports scopes comma-separated, no spaces
  for (const auto& s : code.scopes) scope += (scope.empty() ? "" : ",") + s;
  return answer({{"access_token", token}, {"token_type", "bearer"}, {"scope", scope}});
}

// GitHub's Authorize page: GET shows the app and the scopes it asks for, with Authorize and
// Cancel buttons posting back here; the POST redirects to redirect_uri with a code (or an
// error) and the state, as github.com does.
FakeApiResponse FakeGitHub::authorizePage(const FakeApiRequest& request) {
  auto form =
      request.method == "POST"
          ? parseForm(request.body).value_or(std::vector<std::pair<std::string, std::string>>{})
          : std::vector<std::pair<std::string, std::string>>{};
  auto param = [&](const char* name) {
    for (const auto& [k, v] : form)
      if (k == name) return v;
    return request.query(name).value_or("");
  };
  std::string client_id = param("client_id"), redirect = param("redirect_uri");
  std::string state = param("state"), scope = param("scope");
  if (client_id != options_.client_id || redirect.empty()) return htmlAnswer(404, "Not Found");
  if (request.method == "POST") {
    FakeApiResponse r;
    r.status = 302;
    std::string sep = redirect.find('?') == std::string::npos ? "?" : "&";
    if (param("authorize") != "1") {
      r.headers = {{"Location", redirect + sep + "error=access_denied&error_description=" +
                                    urlEncode("The user has denied your application access.") +
                                    "&state=" + urlEncode(state)}};
      return r;
    }
    std::vector<std::string> scopes;
    for (size_t at = 0; at <= scope.size();) {
      size_t next = scope.find_first_of(", ", at);
      if (next == std::string::npos) next = scope.size();
      if (next > at) scopes.push_back(scope.substr(at, next - at));
      at = next + 1;
    }
    std::string code = "fakecode" + std::to_string(next_code_++) + "a1b2c3";
    codes_[code] = Code{browser_login_, scopes, redirect, false, false};
    r.headers = {{"Location", redirect + sep + "code=" + code + "&state=" + urlEncode(state)}};
    return r;
  }
  auto hidden = [](const std::string& name, const std::string& value) {
    std::string escaped;
    for (char c : value)
      escaped += c == '"' ? std::string("&quot;") : c == '<' ? "&lt;" : std::string(1, c);
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + escaped + "\">";
  };
  FakeApiResponse r;
  r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  r.body =
      "<!doctype html><html><head><title>Authorize application</title>"
      "<style>body{font-family:sans-serif;background:#f6f8fa;margin:0}main{max-width:28em;"
      "margin:3em auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1.5em}"
      "button{font-size:1em;padding:.5em 1em;margin-right:.5em}.ok{background:#1f883d;color:#fff;"
      "border:0;border-radius:6px}</style></head><body><main>"
      "<h1>Authorize " +
      client_id + "</h1><p>Signed in as <b>" + browser_login_ +
      "</b>.</p><p>This application will be able to read and write all public and private "
      "repository data (scope: <code>" +
      scope +
      "</code>).</p>"
      "<form method=\"post\" action=\"/login/oauth/authorize\">" +
      hidden("client_id", client_id) + hidden("redirect_uri", redirect) + hidden("state", state) +
      hidden("scope", scope) +
      "<button class=\"ok\" name=\"authorize\" value=\"1\">Authorize</button>"
      "<button name=\"authorize\" value=\"0\">Cancel</button></form></main></body></html>";
  return r;
}

FakeApiResponse FakeGitHub::rateLimited() const {
  FakeApiResponse r;
  if (rate_limit_ == RateLimit::kPrimary) {
    r = githubMessage(403, "API rate limit exceeded for user ID 1.",
                      "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api");
    r.headers.push_back({"x-ratelimit-limit", std::to_string(kRateLimit)});
    r.headers.push_back({"x-ratelimit-remaining", "0"});
    r.headers.push_back({"x-ratelimit-used", std::to_string(kRateLimit)});
    r.headers.push_back({"x-ratelimit-reset", std::to_string(nowUnix() + rate_limit_seconds_)});
    r.headers.push_back({"x-ratelimit-resource", "core"});
  } else {
    r = githubMessage(429,
                      "You have exceeded a secondary rate limit. Please wait a few minutes "
                      "before you try again.",
                      "https://docs.github.com/rest/overview/"
                      "rate-limits-for-the-rest-api#about-secondary-rate-limits");
    r.headers.push_back({"Retry-After", std::to_string(rate_limit_seconds_)});
  }
  return r;
}

FakeApiResponse FakeGitHub::api(const FakeApiRequest& request, const std::string& path) {
  // GitHub refuses requests without a User-Agent before anything else.
  if (request.header("user-agent").empty()) {
    return FakeApiResponse{403,
                           {{"Content-Type", "text/plain; charset=utf-8"}},
                           "Request forbidden by administrative rules. Please make sure your "
                           "request has a User-Agent header "
                           "(https://docs.github.com/en/rest/overview/"
                           "resources-in-the-rest-api#user-agent-required). Check "
                           "https://developer.github.com for other possible causes.\n"};
  }
  if (rate_limit_ != RateLimit::kNone) return rateLimited();

  std::string auth = request.header("authorization");
  std::string token_value;
  for (std::string_view scheme : {"Bearer ", "bearer ", "token "}) {
    if (auth.compare(0, scheme.size(), scheme) == 0) token_value = auth.substr(scheme.size());
  }
  auto token_it = tokens_.find(token_value);
  if (auth.empty()) {
    return githubMessage(401, "Requires authentication",
                         "https://docs.github.com/rest/users/users#get-the-authenticated-user");
  }
  if (token_it == tokens_.end() || token_it->second.revoked ||
      users_.find(token_it->second.login) == users_.end()) {
    return githubMessage(401, "Bad credentials");
  }
  const Token& token = token_it->second;
  if (auto spent = spendBudget(token)) return *spent;
  ++calls_;
  if (fail_count_ > 0) {
    --fail_count_;
    return githubMessage(fail_status_, fail_status_ >= 500 ? "Server Error" : "Failed");
  }

  auto segments = pathSegments(path).value_or(std::vector<std::string>{});
  FakeApiResponse response;
  std::string accepted;
  if (auto answer = repoApi(token, request, segments)) {
    response = std::move(*answer);
    accepted = "admin:repo_hook, read:repo_hook, repo, write:repo_hook";
  } else if (request.method == "GET" && segments == std::vector<std::string>{"user"}) {
    response = user(token, request);
  } else if (request.method == "GET" && segments == std::vector<std::string>{"user", "repos"}) {
    response = repos(token, request);
    accepted = "repo";
  } else if (request.method == "GET" && segments.size() == 4 && segments[0] == "repos" &&
             (segments[3] == "branches" || segments[3] == "tags")) {
    accepted = "repo";
    const FakeGitHubRepo* found = nullptr;
    for (const auto& repo : repos_) {
      // GitHub matches owner and name case-insensitively.
      if (equalsIgnoreCase(repo.owner, segments[1]) && equalsIgnoreCase(repo.name, segments[2]))
        found = &repo;
    }
    if (!found || !canRead(token, *found)) {
      response =
          githubMessage(404, "Not Found",
                        segments[3] == "branches"
                            ? "https://docs.github.com/rest/branches/branches#list-branches"
                            : "https://docs.github.com/rest/repos/repos#list-repository-tags");
    } else {
      response = refs(token, request, *found, segments[3] == "tags");
    }
  } else if (segments.size() >= 3 && segments[0] == "repos") {
    response = repoRoutes(token, request, segments, &accepted);
  } else {
    response = githubMessage(404, "Not Found");
  }
  addStandardHeaders(response, token, accepted);
  return response;
}

void FakeGitHub::addStandardHeaders(FakeApiResponse& response, const Token& token,
                                    const std::string& accepted) {
  response.headers.push_back({"X-OAuth-Scopes", scopesHeader(token.scopes)});
  response.headers.push_back({"X-Accepted-OAuth-Scopes", accepted});
  response.headers.push_back({"X-GitHub-Media-Type", "github.v3; format=json"});
  response.headers.push_back({"X-GitHub-Api-Version-Selected", "2022-11-28"});
  int64_t limit = kRateLimit, used = calls_, reset = nowUnix() + 3600;
  if (budget_.on()) {
    FakeRateBudget::Count c = budget_.count(token.login, nowUnix());
    limit = c.limit;
    used = c.used;
    reset = c.reset;
  }
  response.headers.push_back({"x-ratelimit-limit", std::to_string(limit)});
  response.headers.push_back(
      {"x-ratelimit-remaining", std::to_string(std::max<int64_t>(limit - used, 0))});
  response.headers.push_back({"x-ratelimit-used", std::to_string(used)});
  response.headers.push_back({"x-ratelimit-reset", std::to_string(reset)});
  response.headers.push_back({"x-ratelimit-resource", "core"});
  if (token.expiration)
    response.headers.push_back({"github-authentication-token-expiration", *token.expiration});
}

FakeApiResponse FakeGitHub::user(const Token& token, const FakeApiRequest&) {
  const User& u = users_.at(token.login);
  return jsonAnswer(
      200, "{\"login\":" + jsonEscape(u.login) + ",\"id\":" + std::to_string(u.id) +
               ",\"node_id\":\"MDQ6VXNlcj" + std::to_string(u.id) +
               "\",\"avatar_url\":\"https://avatars.githubusercontent.com/u/" +
               std::to_string(u.id) +
               "?v=4\",\"html_url\":" + jsonEscape("https://github.com/" + u.login) +
               ",\"type\":\"User\",\"site_admin\":false,\"name\":" +
               (u.name.empty() ? std::string("null") : jsonEscape(u.name)) +
               ",\"company\":null,\"blog\":\"\",\"location\":null,\"email\":null,"
               "\"public_repos\":2,\"followers\":0,\"following\":0,"
               "\"created_at\":\"2011-01-25T18:44:36Z\",\"updated_at\":\"2026-01-01T00:00:00Z\"}");
}

bool FakeGitHub::canRead(const Token& token, const FakeGitHubRepo& repo) const {
  if (!repo.is_private) return true;
  // Private repositories need the repo scope and an explicit permission.
  if (!githubScopeSatisfied(token.scopes, "repo")) return false;
  return repo.permissions.count(token.login) != 0;
}

FakeApiResponse FakeGitHub::repos(const Token& token, const FakeApiRequest& request) {
  // /user/repos lists repositories the user has explicit permission on (owner, collaborator,
  // organisation member), sorted by full name by default.
  std::vector<const FakeGitHubRepo*> visible;
  for (const auto& repo : repos_) {
    if (repo.permissions.count(token.login) && canRead(token, repo)) visible.push_back(&repo);
  }
  std::sort(visible.begin(), visible.end(), [](const auto* a, const auto* b) {
    return toLower(a->fullName()) < toLower(b->fullName());
  });
  PageSlice slice = slicePage(visible.size(), request, 30);
  std::string body = "[";
  for (size_t i = slice.begin; i < slice.end; ++i) {
    const FakeGitHubRepo& repo = *visible[i];
    int rank = permissionRank(repo.permissions.at(token.login));
    auto flag = [&](int need) { return rank >= need ? "true" : "false"; };
    std::string html = "https://github.com/" + repo.fullName();
    if (i > slice.begin) body += ",";
    body += "{\"id\":" + std::to_string(repo.id) + ",\"node_id\":\"R_kgDO" +
            std::to_string(repo.id) + "\",\"name\":" + jsonEscape(repo.name) +
            ",\"full_name\":" + jsonEscape(repo.fullName()) +
            ",\"private\":" + (repo.is_private ? "true" : "false") +
            ",\"owner\":{\"login\":" + jsonEscape(repo.owner) +
            ",\"type\":\"User\"},\"html_url\":" + jsonEscape(html) +
            ",\"clone_url\":" + jsonEscape(html + ".git") +
            ",\"ssh_url\":" + jsonEscape("git@github.com:" + repo.fullName() + ".git") +
            ",\"default_branch\":" + jsonEscape(repo.default_branch) +
            ",\"visibility\":" + jsonEscape(repo.is_private ? "private" : "public") +
            ",\"permissions\":{\"admin\":" + flag(5) + ",\"maintain\":" + flag(4) +
            ",\"push\":" + flag(3) + ",\"triage\":" + flag(2) + ",\"pull\":" + flag(1) + "}}";
  }
  body += "]";
  FakeApiResponse response = jsonAnswer(200, std::move(body));
  paginate(response, request, slice);
  return response;
}

FakeApiResponse FakeGitHub::refs(const Token&, const FakeApiRequest& request,
                                 const FakeGitHubRepo& repo, bool tags) {
  std::vector<FakeGitHubRef> list = tags ? repo.tags : repo.branches;
  if (!tags) {
    std::sort(list.begin(), list.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
  }
  PageSlice slice = slicePage(list.size(), request, 30);
  std::string commits = "https://api.github.com/repos/" + repo.fullName() + "/commits/";
  std::string body = "[";
  for (size_t i = slice.begin; i < slice.end; ++i) {
    const FakeGitHubRef& ref = list[i];
    if (i > slice.begin) body += ",";
    body += "{\"name\":" + jsonEscape(ref.name) + ",\"commit\":{\"sha\":" + jsonEscape(ref.sha) +
            ",\"url\":" + jsonEscape(commits + ref.sha) + "}";
    if (tags) {
      std::string base = "https://api.github.com/repos/" + repo.fullName();
      body += ",\"zipball_url\":" + jsonEscape(base + "/zipball/" + ref.name) +
              ",\"tarball_url\":" + jsonEscape(base + "/tarball/" + ref.name) +
              ",\"node_id\":\"MDM6UmVm\"";
    } else {
      body += std::string(",\"protected\":") + (ref.is_protected ? "true" : "false");
    }
    body += "}";
  }
  body += "]";
  FakeApiResponse response = jsonAnswer(200, std::move(body));
  paginate(response, request, slice);
  return response;
}

void FakeGitHub::addCommit(const std::string& full_name, FakeGitHubCommit commit,
                           const std::string& branch, const std::string& tag) {
  std::lock_guard lock(mu_);
  for (auto& repo : repos_) {
    if (repo.fullName() != full_name) continue;
    auto point = [&](std::vector<FakeGitHubRef>& refs, const std::string& name) {
      if (name.empty()) return;
      for (auto& r : refs)
        if (r.name == name) return void(r.sha = commit.sha);
      refs.push_back({name, commit.sha, false});
    };
    point(repo.branches, branch);
    point(repo.tags, tag);
    repo.commits.push_back(commit);
  }
}

void FakeGitHub::failRequests(int count, int status) {
  std::lock_guard lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
}

std::vector<FakeGitHubStatus> FakeGitHub::statuses() const {
  std::lock_guard lock(mu_);
  return statuses_;
}

std::optional<std::string> FakeGitHub::commitJson(const FakeGitHubRepo& repo,
                                                  const std::string& ref) const {
  auto findRef = [](const std::vector<FakeGitHubRef>& refs, const std::string& name) {
    for (const auto& r : refs)
      if (r.name == name) return std::optional<std::string>(r.sha);
    return std::optional<std::string>();
  };
  std::optional<std::string> sha;
  if (ref.rfind("heads/", 0) == 0) {
    sha = findRef(repo.branches, ref.substr(6));
  } else if (ref.rfind("tags/", 0) == 0) {
    sha = findRef(repo.tags, ref.substr(5));
  } else {
    bool hex = ref.size() >= 7 && ref.size() <= 40 &&
               ref.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (hex) {
      for (const auto& c : repo.commits)
        if (c.sha.rfind(ref, 0) == 0) sha = c.sha;
      for (const auto* refs : {&repo.branches, &repo.tags})
        for (const auto& r : *refs)
          if (r.sha.rfind(ref, 0) == 0) sha = r.sha;
    }
    if (!sha) sha = findRef(repo.branches, ref);
    if (!sha) sha = findRef(repo.tags, ref);
  }
  if (!sha) return std::nullopt;
  FakeGitHubCommit commit{*sha, "Commit " + sha->substr(0, 7)};
  for (const auto& c : repo.commits)
    if (c.sha == *sha) commit = c;
  std::string person = "{\"name\":" + jsonEscape(commit.author_name) +
                       ",\"email\":" + jsonEscape(commit.author_email) +
                       ",\"date\":" + jsonEscape(commit.date) + "}";
  std::string api = "https://api.github.com/repos/" + repo.fullName();
  return "{\"sha\":" + jsonEscape(commit.sha) +
         ",\"node_id\":\"C_kwDO\",\"commit\":{\"author\":" + person + ",\"committer\":" + person +
         ",\"message\":" + jsonEscape(commit.message) + ",\"tree\":{\"sha\":\"" +
         std::string(40, 'e') +
         "\"},\"comment_count\":0},\"url\":" + jsonEscape(api + "/commits/" + commit.sha) +
         ",\"html_url\":" +
         jsonEscape("https://github.com/" + repo.fullName() + "/commit/" + commit.sha) +
         ",\"author\":null,\"committer\":null,\"parents\":[]}";
}

// /repos/{owner}/{repo}[/branches/{branch}|/commits/{ref}|/statuses/{sha}]: names with '/'
// (release/1.0, tags/v1) arrive as several segments.
FakeApiResponse FakeGitHub::repoRoutes(const Token& token, const FakeApiRequest& request,
                                       const std::vector<std::string>& segments,
                                       std::string* accepted) {
  *accepted = "repo";
  FakeGitHubRepo* found = nullptr;
  for (auto& repo : repos_)
    if (equalsIgnoreCase(repo.owner, segments[1]) && equalsIgnoreCase(repo.name, segments[2]))
      found = &repo;
  if (!found || !canRead(token, *found)) return githubMessage(404, "Not Found");
  std::string rest;
  for (size_t i = 4; i < segments.size(); ++i) rest += (i > 4 ? "/" : "") + segments[i];
  const std::string sub = segments.size() > 3 ? segments[3] : "";
  if (request.method == "GET" && segments.size() == 3) return repoAnswer(token, *found);
  if (request.method == "GET" && sub == "branches" && !rest.empty()) {
    for (const auto& b : found->branches) {
      if (b.name != rest) continue;
      return jsonAnswer(200, "{\"name\":" + jsonEscape(b.name) +
                                 ",\"commit\":" + *commitJson(*found, b.sha) +
                                 ",\"protected\":" + (b.is_protected ? "true" : "false") + "}");
    }
    return githubMessage(404, "Branch not found",
                         "https://docs.github.com/rest/branches/branches#get-a-branch");
  }
  if (request.method == "GET" && sub == "commits" && !rest.empty()) {
    auto commit = commitJson(*found, rest);
    if (!commit)
      return githubMessage(422, "No commit found for SHA: " + rest,
                           "https://docs.github.com/rest/commits/commits#get-a-commit");
    return jsonAnswer(200, *commit);
  }
  if (request.method == "POST" && sub == "statuses" && segments.size() == 5) {
    auto perm = found->permissions.find(token.login);
    if (perm == found->permissions.end() || permissionRank(perm->second) < 3)
      return githubMessage(404, "Not Found");
    auto body = json::parse(request.body);
    if (!body.ok() || !body->IsObject()) return githubMessage(400, "Problems parsing JSON");
    std::string state(json::getString(*body, "state").value_or(""));
    if (state != "pending" && state != "success" && state != "failure" && state != "error")
      return githubMessage(422, "Validation Failed");
    FakeGitHubStatus st{found->fullName(),
                        segments[4],
                        state,
                        std::string(json::getString(*body, "context").value_or("default")),
                        std::string(json::getString(*body, "description").value_or("")),
                        std::string(json::getString(*body, "target_url").value_or(""))};
    if (st.description.size() > 140)
      return jsonAnswer(
          422,
          "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Status\","
          "\"code\":\"custom\",\"field\":\"description\",\"message\":\"description is "
          "too long (maximum is 140 characters)\"}]}");
    if (!commitJson(*found, st.sha) || st.sha.size() != 40)
      return githubMessage(422, "No commit found for SHA: " + st.sha);
    statuses_.push_back(st);
    FakeApiResponse r = jsonAnswer(
        201,
        "{\"id\":" + std::to_string(statuses_.size()) + ",\"state\":" + jsonEscape(st.state) +
            ",\"description\":" + jsonEscape(st.description) +
            ",\"target_url\":" + (st.target_url.empty() ? "null" : jsonEscape(st.target_url)) +
            ",\"context\":" + jsonEscape(st.context) +
            ",\"created_at\":\"2026-11-25T10:00:00Z\",\"updated_at\":\"2026-11-25T10:00:00Z\"}");
    r.headers.push_back(
        {"Location", "https://api.github.com/repos/" + found->fullName() + "/statuses/" + st.sha});
    return r;
  }
  return githubMessage(404, "Not Found");
}

// GitHub's Link header: prev, next, last, first; omitted when one page holds everything.
void FakeGitHub::paginate(FakeApiResponse& response, const FakeApiRequest& request,
                          const PageSlice& slice) {
  if (slice.total_pages <= 1) return;
  auto url = [&](int page) {
    return serverUrl() + withQueryParam(request.target, "page", std::to_string(page));
  };
  std::vector<std::pair<std::string, std::string>> links;
  if (slice.page > 1) links.push_back({url(slice.page - 1), "prev"});
  if (slice.page < slice.total_pages) {
    links.push_back({url(slice.page + 1), "next"});
    links.push_back({url(slice.total_pages), "last"});
  }
  if (slice.page > 1) links.push_back({url(1), "first"});
  response.headers.push_back({"Link", linkHeader(links)});
}

}  // namespace triggerd::testing
