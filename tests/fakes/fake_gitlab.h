// FakeGitLab: an in-process GitLab (REST API v4) on a loopback port, plain HTTP or TLS with its
// own CA, optionally under a relative URL root (https://host/gitlab). It answers like GitLab for
// the calls triggerd makes: PRIVATE-TOKEN authentication, 401 bodies for unknown, expired and
// revoked tokens, 403 insufficient_scope, personal_access_tokens/self, projects filtered by
// membership and min_access_level, offset pagination (Link, x-next-page, x-page, x-total...)
// and keyset pagination, 429 rate limiting, and HTML pages outside the API.
//
// Thread-safe: the server answers from its own thread; setters may be called at any time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tests/fakes/fake_api_common.h"
#include "tests/fakes/fake_delivery_sender.h"

namespace triggerd::testing {

class FakeHttpServer;

struct FakeGitLabRef {
  std::string name;
  std::string sha;
  bool is_protected = false;
  int64_t committed_at = 0;  // unix seconds of the head commit; 0: 2026-11-20T08:00:00Z
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

// A project hook as GitLab keeps it, with the failure count behind its auto-disabling.
struct FakeGitLabHook {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string url;
  std::string token;          // the secret token; "" when none (or cleared by a URL change)
  std::string signing_token;  // "whsec_<base64>"; "" when none
  bool push_events = true;
  bool tag_push_events = false;
  bool enable_ssl_verification = true;
  int recent_failures = 0;
  int64_t disabled_until = 0;  // unix seconds; temporarily disabled until then
  bool permanently_disabled = false;
  // "executable", "temporarily_disabled" or "disabled" at `now`.
  std::string alertStatus(int64_t now) const;
};

// One hook execution, as the hook events API logs it.
struct FakeGitLabEvent {
  int64_t id = 0;
  int64_t hook_id = 0;
  std::string gitlab_event;  // "Push Hook", "Tag Push Hook"
  std::string idempotency_key;
  std::string event_uuid;
  std::string payload;
  HttpHeaders request_headers;  // as sent, the token redacted
  long status = 0;              // 0: no answer
  int64_t created_at = 0;
  double duration = 0;
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
    // GitLab's "Allow requests to the local network from webhooks" setting; false: hook URLs on
    // loopback are refused with 422 "Invalid url given".
    bool allow_local_requests = true;
    bool hook_events_api = true;  // GitLab 17.3+: /hooks/:id/events and resend
    bool signing_tokens = true;   // the webhook_signing_token feature: signing_token accepted
    int hook_limit = 100;         // project hooks per project
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

  // --- hooks and deliveries ----------------------------------------------------------------
  // Hook endpoints need the Maintainer role (40) and the api scope (read_api may list). A hook
  // that fails 4 times in a row is disabled, 1 minute and doubling, up to a day; 40 times, for
  // good. A successful delivery (a test push included) re-enables it.
  std::vector<FakeGitLabHook> hooks(int64_t project_id) const;
  int64_t addHook(FakeGitLabHook hook);  // as if someone added it by hand; returns its id
  void removeHook(int64_t id);           // deleted behind triggerd's back
  // GitLab sends `payload` as `event` ("Push Hook", "Tag Push Hook") to every hook of the
  // project subscribed to it and not disabled; returns the logged executions once answered.
  std::vector<FakeGitLabEvent> push(int64_t project_id, const std::string& payload,
                                    const std::string& event = "Push Hook");
  std::vector<FakeGitLabEvent> events() const;  // every execution, oldest first
  bool waitForDeliveries(std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));
  // A rate limit as a budget: `limit` API requests per user per window of `window_seconds`;
  // beyond it 429 with Retry-After and RateLimit-* until the window ends. 0: none.
  void setRateBudget(int limit, int64_t window_seconds);
  int64_t rateLimitedAnswers() const;

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
  // A test push waiting to be sent once the lock is released.
  struct PendingTest {
    int64_t hook_id = 0;
    OutgoingDelivery delivery;
    FakeGitLabEvent event;
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
  // fake_gitlab_hooks.cpp
  FakeGitLabProject* findProject(const std::string& id_or_path);
  std::optional<FakeApiResponse> hookApi(const Token& token, const User& user,
                                         const FakeApiRequest& request,
                                         const std::vector<std::string>& route);
  FakeApiResponse hookCreate(const FakeApiRequest& request, const FakeGitLabProject& project);
  FakeApiResponse hookUpdate(const FakeApiRequest& request, FakeGitLabHook& hook);
  FakeApiResponse hookEvents(const FakeApiRequest& request, const FakeGitLabHook& hook);
  FakeApiResponse hookResend(FakeGitLabHook& hook, int64_t event_id);
  FakeApiResponse hookTest(FakeGitLabHook& hook);
  FakeApiResponse finishTest(const PendingTest& test, const DeliveryOutcome& outcome);
  std::string hookJson(const FakeGitLabHook& hook) const;
  // The request GitLab sends to `hook`, with the Standard Webhooks signature when it has a
  // signing token; `event` gets its ids and headers.
  OutgoingDelivery deliveryFor(const FakeGitLabHook& hook, FakeGitLabEvent& event) const;
  // Logs an execution and counts it towards the hook's disabling.
  void recordExecution(FakeGitLabEvent event, const DeliveryOutcome& outcome);
  void sendToHook(const FakeGitLabHook& hook, FakeGitLabEvent event);
  std::optional<FakeApiResponse> spendBudget(const User& user);

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
  std::vector<FakeGitLabHook> hooks_;
  std::vector<FakeGitLabEvent> events_;
  std::map<int64_t, std::pair<std::string, std::string>> last_push_;  // project: event, payload
  std::optional<PendingTest> pending_test_;
  int64_t next_hook_id_ = 7001;
  int64_t next_event_id_ = 880001;
  FakeRateBudget budget_;       // by username
  HttpHeaders budget_headers_;  // RateLimit-* for the answer being made
  DeliverySender sender_;       // last: it finishes its sends while the state above still exists
  std::vector<FakeGitLabStatus> statuses_;
  std::vector<FakeGitLabDeployToken> deploy_tokens_;
  int fail_count_ = 0;
  int fail_status_ = 500;
};

}  // namespace triggerd::testing
