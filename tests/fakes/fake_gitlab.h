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

using FakeGitLabRef = FakeRef;

struct FakeGitLabProject {
  int64_t id = 0;
  std::string path_with_namespace;     // "group/subgroup/project"
  std::string visibility = "private";  // private, internal, public
  std::string default_branch = "main";
  std::map<std::string, int> members;  // username → access level (10 Guest .. 50 Owner)
  std::vector<FakeGitLabRef> branches;
  std::vector<FakeGitLabRef> tags;
};

// A private project `path` (id `id`) where `username` has `access_level` (40 Maintainer).
inline FakeGitLabProject gitlabProject(int64_t id, std::string path, std::string username,
                                       int access_level = 40) {
  FakeGitLabProject p;
  p.id = id;
  p.path_with_namespace = std::move(path);
  p.members[std::move(username)] = access_level;
  return p;
}

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
  void paginate(FakeApiResponse& response, const FakeApiRequest& request, const PageSlice& slice,
                size_t total);
  bool expired(const Token& token) const;
  int64_t now() const;
  std::string serverUrl() const;

  Options options_;
  std::unique_ptr<FakeApiHost> host_;

  mutable std::mutex mu_;
  std::map<std::string, User> users_;  // by username
  std::map<std::string, Token> tokens_;
  std::vector<FakeGitLabProject> projects_;
  std::vector<FakeApiRequest> requests_;
  bool rate_limited_ = false;
  int64_t retry_after_ = 60;
  std::optional<int64_t> now_;
};

}  // namespace triggerd::testing
