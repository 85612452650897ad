// FakeGitLab: an in-process GitLab (REST API v4) on a loopback port, plain HTTP or TLS with its
// own CA, optionally under a relative URL root (https://host/gitlab). It answers like GitLab for
// the calls triggerd makes: PRIVATE-TOKEN authentication, 401 bodies for unknown, expired and
// revoked tokens, 403 insufficient_scope, personal_access_tokens/self, projects filtered by
// membership and min_access_level, offset pagination (Link, x-next-page, x-page, x-total...)
// and keyset pagination, 429 rate limiting, and HTML pages outside the API.
//
// Thread-safe: the server answers from its own thread; setters may be called at any time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tests/fakes/fake_api_common.h"

namespace triggerd::testing {

class FakeHttpServer;

struct FakeGitLabRef {
  std::string name;
  std::string sha;
  bool is_protected = false;
};

// A commit the project knows (refs point at commits by SHA).
struct FakeGitLabCommit {
  std::string sha;
  std::string message = "Update README";
  std::string author_name = "Alice Liddell";
  std::string author_email = "alice@example.com";
  std::string date = "2026-11-20T08:00:00.000+00:00";
};

// A commit status as GitLab stored it (POST /projects/:id/statuses/:sha).
struct FakeGitLabStatus {
  int64_t project_id = 0;
  std::string sha;
  std::string state;
  std::string name;
  std::string ref;
  std::string description;
  std::string target_url;
};

// A project deploy token (POST /projects/:id/deploy_tokens).
struct FakeGitLabDeployToken {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string name;
  std::string username;
  std::string token;
  std::vector<std::string> scopes;
  std::string expires_at;
  bool revoked = false;  // deleted through the API
};

struct FakeGitLabProject {
  int64_t id = 0;
  std::string path_with_namespace;     // "group/subgroup/project"
  std::string visibility = "private";  // private, internal, public
  std::string default_branch = "main";
  std::map<std::string, int> members;  // username → access level (10 Guest .. 50 Owner)
  std::vector<FakeGitLabRef> branches;
  std::vector<FakeGitLabRef> tags;
  std::vector<FakeGitLabCommit> commits;  // a ref's SHA not listed here gets a made-up commit
};

class FakeGitLab {
 public:
  struct Options {
    bool tls = false;
    std::string relative_root;  // "" or e.g. "/gitlab": the API is then at /gitlab/api/v4
    std::string version = "17.6.1-ee";
    // false: /personal_access_tokens/self answers a JSON 404, like GitLab before 15.5.
    bool has_token_self = true;
    // GitLab answers 401 invalid_token for expired and revoked tokens. true: let them through
    // to /personal_access_tokens/self, which then reports active: false / revoked: true.
    bool self_reports_inactive_tokens = false;
    // Omit x-total and x-total-pages, as GitLab.com does for large collections.
    bool omit_totals = false;
  };

  explicit FakeGitLab(Options options);
  FakeGitLab();
  ~FakeGitLab();
  FakeGitLab(const FakeGitLab&) = delete;
  FakeGitLab& operator=(const FakeGitLab&) = delete;

  std::string serverRoot() const;  // http(s)://127.0.0.1:port[relative_root]
  std::string caPem() const;       // "" without TLS
  int port() const;
  const Options& options() const { return options_; }

  // --- state -----------------------------------------------------------------------------
  void addUser(int64_t id, const std::string& username, const std::string& name);
  // `expires_at` is GitLab's date "2027-01-31": the token stops working at 00:00 UTC that day.
  void addToken(const std::string& token, const std::string& username,
                const std::vector<std::string>& scopes,
                std::optional<std::string> expires_at = std::nullopt);
  void revokeToken(const std::string& token);
  void addProject(FakeGitLabProject project);
  void addBranches(int64_t project_id, int count, const std::string& prefix = "branch-");
  void addTags(int64_t project_id, int count, const std::string& prefix = "v1.0.");
  // 429 with Retry-After and RateLimit-* headers on every API request while on.
  void setRateLimited(bool on, int64_t retry_after_seconds = 60);
  // The wall clock the fake judges token expiry by (unix seconds); default: the real time.
  void setNow(int64_t unix_seconds);
  // Adds a commit to a project; `branch` / `tag` (when given) then point at it.
  void addCommit(int64_t project_id, FakeGitLabCommit commit, const std::string& branch = "",
                 const std::string& tag = "");
  // The next `count` authenticated API requests answer `status` (500: an internal error).
  void failRequests(int count, int status = 500);
  std::vector<FakeGitLabStatus> statuses() const;
  std::vector<FakeGitLabDeployToken> deployTokens() const;

  // --- observation -------------------------------------------------------------------------
  std::vector<FakeApiRequest> requests() const;
  void clearRequests();

  FakeApiResponse handle(const FakeApiRequest& request);

 private:
  struct Token {
    int64_t id = 0;
    std::string username;
    std::vector<std::string> scopes;
    std::optional<std::string> expires_at;
    bool revoked = false;
  };
  struct User {
    int64_t id = 0;
    std::string username;
    std::string name;
  };

  FakeApiResponse handleLocked(const FakeApiRequest& request);
  FakeApiResponse api(const FakeApiRequest& request, const std::vector<std::string>& route);
  FakeApiResponse projects(const User& user, const FakeApiRequest& request);
  FakeApiResponse refs(const FakeApiRequest& request, const FakeGitLabProject& project, bool tags);
  FakeApiResponse projectRoutes(const Token& token, const User& user, const FakeApiRequest& request,
                                const std::vector<std::string>& route);
  std::string projectJson(const FakeGitLabProject& project, bool simple) const;
  std::string commitJson(const FakeGitLabProject& project, const std::string& sha) const;
  void paginate(FakeApiResponse& response, const FakeApiRequest& request, const PageSlice& slice,
                size_t total);
  bool expired(const Token& token) const;
  int64_t now() const;
  std::string serverUrl() const;

  Options options_;
  std::unique_ptr<FakeHttpServer> server_;
  // Copied from the server once it runs: the handler reads them, never server_ itself.
  int port_ = 0;
  std::string ca_pem_;

  mutable std::mutex mu_;
  std::map<std::string, User> users_;  // by username
  std::map<std::string, Token> tokens_;
  std::vector<FakeGitLabProject> projects_;
  std::vector<FakeApiRequest> requests_;
  bool rate_limited_ = false;
  int64_t retry_after_ = 60;
  std::optional<int64_t> now_;
  std::vector<FakeGitLabStatus> statuses_;
  std::vector<FakeGitLabDeployToken> deploy_tokens_;
  int fail_count_ = 0;
  int fail_status_ = 500;
};

}  // namespace triggerd::testing
