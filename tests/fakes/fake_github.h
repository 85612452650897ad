// FakeGitHub: an in-process GitHub (REST API + OAuth token endpoint) on a loopback port, plain
// HTTP or TLS with its own CA. It answers the way github.com does for the calls triggerd makes:
// the same paths, status codes, error bodies, Link headers, X-OAuth-Scopes and rate-limit
// headers. Tests configure users, tokens, repositories and OAuth codes, then point GitHubApi at
// apiBaseUrl()/oauthBaseUrl() and inspect requests().
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

struct FakeGitHubRef {
  std::string name;
  std::string sha;
  bool is_protected = false;
};

// A commit the repository knows (refs point at commits by SHA).
struct FakeGitHubCommit {
  std::string sha;
  std::string message = "Update README";
  std::string author_name = "Octo Cat";
  std::string author_email = "octocat@example.com";
  std::string date = "2026-11-20T08:00:00Z";
};

// A commit status as GitHub stored it (POST /repos/{owner}/{repo}/statuses/{sha}).
struct FakeGitHubStatus {
  std::string repo;  // owner/name
  std::string sha;
  std::string state;
  std::string context;
  std::string description;
  std::string target_url;
};

struct FakeGitHubRepo {
  int64_t id = 0;
  std::string owner;
  std::string name;
  bool is_private = true;
  std::string default_branch = "main";
  // login → "admin", "maintain", "push", "triage" or "pull". Public repositories are readable
  // by every token; private ones only by the logins listed here.
  std::map<std::string, std::string> permissions;
  std::vector<FakeGitHubRef> branches;
  std::vector<FakeGitHubRef> tags;
  std::vector<FakeGitHubCommit> commits;  // a ref's SHA not listed here gets a made-up commit

  std::string fullName() const { return owner + "/" + name; }
};

// A repository webhook as GitHub keeps it.
struct FakeGitHubHook {
  int64_t id = 0;
  std::string repo;  // owner/name
  std::string url;
  std::string content_type = "form";  // GitHub's default
  std::string secret;                 // empty: none
  std::string insecure_ssl = "0";
  std::vector<std::string> events{"push"};
  bool active = true;
};

// One delivery attempt, as the deliveries API lists it.
struct FakeGitHubDelivery {
  int64_t id = 0;
  std::string guid;  // X-GitHub-Delivery; a redelivery keeps it
  int64_t hook_id = 0;
  std::string event;  // push, ping
  bool redelivery = false;
  long status_code = 0;  // 0: no answer
  std::string status;    // "OK", "Invalid HTTP Response: 503", "failed to connect"
  int64_t delivered_at = 0;
  double duration = 0;
  std::string payload;
};

// A private repository `owner`/`name` on which its owner has `permission`.
inline FakeGitHubRepo githubRepo(std::string owner, std::string name,
                                 std::string permission = "admin") {
  FakeGitHubRepo repo;
  repo.permissions[owner] = std::move(permission);
  repo.owner = std::move(owner);
  repo.name = std::move(name);
  return repo;
}

class FakeGitHub {
 public:
  struct Options {
    bool tls = false;
    // Where the REST API lives on the server: "" like api.github.com, "/api/v3" like GitHub
    // Enterprise Server. The OAuth endpoint is always at /login/oauth/access_token.
    std::string api_prefix;
    std::string client_id = "Iv1.fakeclient0001";
    std::string client_secret = "fake-client-secret-0001";
    int hook_limit = 20;  // hooks per event per repository, as on github.com
    // false: refuse hook URLs on loopback, as github.com refuses URLs it cannot reach.
    bool allow_local_hook_urls = true;
  };

  enum class RateLimit {
    kNone,       // normal answers
    kPrimary,    // 403, x-ratelimit-remaining: 0, x-ratelimit-reset: now + seconds
    kSecondary,  // 429, Retry-After: seconds, secondary rate limit message
  };

  explicit FakeGitHub(Options options);
  FakeGitHub();
  ~FakeGitHub();
  FakeGitHub(const FakeGitHub&) = delete;
  FakeGitHub& operator=(const FakeGitHub&) = delete;

  std::string apiBaseUrl() const;    // http(s)://127.0.0.1:port[/api/v3]
  std::string oauthBaseUrl() const;  // http(s)://127.0.0.1:port
  std::string caPem() const;         // the CA that signed the server certificate; "" without TLS
  int port() const;
  const Options& options() const { return options_; }

  // --- state -----------------------------------------------------------------------------
  void addUser(int64_t id, const std::string& login, const std::string& name);
  // A token for `login`. `expiration` is sent as GitHub-Authentication-Token-Expiration
  // ("2026-12-31 23:59:59 UTC") on every answer to it.
  void addToken(const std::string& token, const std::string& login,
                const std::vector<std::string>& scopes,
                std::optional<std::string> expiration = std::nullopt);
  void revokeToken(const std::string& token);  // GitHub then answers 401 Bad credentials
  void addRepo(FakeGitHubRepo repo);
  // Appends `count` refs named prefix + zero-padded index, each with a distinct SHA.
  void addBranches(const std::string& full_name, int count, const std::string& prefix = "branch-");
  void addTags(const std::string& full_name, int count, const std::string& prefix = "v1.0.");
  void setRateLimit(RateLimit mode, int64_t seconds = 60);
  // Adds a commit to a repository; `branch` / `tag` (when given) then point at it.
  void addCommit(const std::string& full_name, FakeGitHubCommit commit,
                 const std::string& branch = "", const std::string& tag = "");
  // The next `count` authenticated API requests answer `status` (500: GitHub's server error).
  void failRequests(int count, int status = 500);
  // Commit statuses set so far, oldest first.
  std::vector<FakeGitHubStatus> statuses() const;
  // Every answer waits this long first, like a slow GitHub (0: none).
  void setDelay(std::chrono::milliseconds delay);

  // OAuth: a code as GitHub would hand to the callback after `login` authorised `scopes`.
  // Single use. A non-empty `redirect_uri` must be repeated in the exchange.
  std::string issueCode(const std::string& login, const std::vector<std::string>& scopes,
                        const std::string& redirect_uri = "");
  void expireCode(const std::string& code);  // as if 10 minutes had passed
  // The account signed in to the fake's web pages: GET /login/oauth/authorize shows GitHub's
  // Authorize page for it, and approving redirects to the app's callback with a fresh code for
  // the requested scopes (denying, with error=access_denied), as github.com does.
  void setBrowserLogin(const std::string& login);
  // Tokens the OAuth endpoint minted, in order.
  std::vector<std::string> issuedTokens() const;

  // --- hooks and deliveries ----------------------------------------------------------------
  // Hook endpoints need the admin permission and a hook scope (read:repo_hook to list,
  // write:repo_hook to change, admin:repo_hook to delete; repo covers all); without them GitHub
  // answers 404. Creating a hook sends it a ping, as GitHub does.
  std::vector<FakeGitHubHook> hooks(const std::string& full_name) const;
  int64_t addHook(FakeGitHubHook hook);  // as if someone added it by hand; returns its id
  void removeHook(int64_t id);           // deleted behind triggerd's back
  void setHookActive(int64_t id, bool active);
  // GitHub sends `payload` as a push event to every active hook of the repository subscribed
  // to push; returns the attempts once answered (a hook that could not be reached: status 0).
  std::vector<FakeGitHubDelivery> push(const std::string& full_name, const std::string& payload);
  std::vector<FakeGitHubDelivery> deliveries() const;  // every attempt, oldest first
  // Waits until the deliveries queued so far (pings, redeliveries) were answered.
  bool waitForDeliveries(std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));
  // A primary rate limit as a budget: `limit` API requests per user per window of
  // `window_seconds` (windows start at multiples of it); beyond it 403 with
  // x-ratelimit-remaining 0 until x-ratelimit-reset. `limit` 0: no budget (5,000 an hour).
  void setRateBudget(int limit, int64_t window_seconds);
  int64_t rateLimitedAnswers() const;  // requests refused for the budget

  // --- observation -------------------------------------------------------------------------
  std::vector<FakeApiRequest> requests() const;
  void clearRequests();

  // Routing, for the server thread and for tests that bypass the socket.
  FakeApiResponse handle(const FakeApiRequest& request);

 private:
  struct Token {
    std::string login;
    std::vector<std::string> scopes;
    std::optional<std::string> expiration;
    bool revoked = false;
  };
  struct Code {
    std::string login;
    std::vector<std::string> scopes;
    std::string redirect_uri;
    bool used = false;
    bool expired = false;
  };
  struct User {
    int64_t id = 0;
    std::string login;
    std::string name;
  };

  FakeApiResponse handleLocked(const FakeApiRequest& request);
  FakeApiResponse oauthToken(const FakeApiRequest& request);
  FakeApiResponse authorizePage(const FakeApiRequest& request);
  FakeApiResponse api(const FakeApiRequest& request, const std::string& path);
  FakeApiResponse rateLimited() const;
  FakeApiResponse user(const Token& token, const FakeApiRequest& request);
  FakeApiResponse repos(const Token& token, const FakeApiRequest& request);
  FakeApiResponse refs(const Token& token, const FakeApiRequest& request,
                       const FakeGitHubRepo& repo, bool tags);
  bool canRead(const Token& token, const FakeGitHubRepo& repo) const;
  FakeApiResponse repoRoutes(const Token& token, const FakeApiRequest& request,
                             const std::vector<std::string>& segments, std::string* accepted);
  // The commit object GET .../commits/{ref} answers; nullopt when `ref` names nothing.
  std::optional<std::string> commitJson(const FakeGitHubRepo& repo, const std::string& ref) const;
  void addStandardHeaders(FakeApiResponse& response, const Token& token,
                          const std::string& accepted);
  void paginate(FakeApiResponse& response, const FakeApiRequest& request, const PageSlice& slice);
  std::string serverUrl() const;  // scheme://127.0.0.1:port
  // fake_github_hooks.cpp
  std::optional<FakeApiResponse> repoApi(const Token& token, const FakeApiRequest& request,
                                         const std::vector<std::string>& segments);
  FakeApiResponse repoAnswer(const Token& token, const FakeGitHubRepo& repo) const;
  FakeApiResponse hookList(const FakeApiRequest& request, const FakeGitHubRepo& repo);
  FakeApiResponse hookCreate(const FakeApiRequest& request, const FakeGitHubRepo& repo);
  FakeApiResponse hookUpdate(const FakeApiRequest& request, FakeGitHubHook& hook);
  FakeApiResponse deliveryList(const FakeApiRequest& request, const FakeGitHubHook& hook);
  FakeApiResponse redeliver(const FakeGitHubHook& hook, int64_t delivery_id);
  std::string hookJson(const FakeGitHubHook& hook) const;
  // Queues a delivery of `payload` to `hook`, signed with its secret as of now.
  void sendToHook(const FakeGitHubHook& hook, const std::string& event, const std::string& payload,
                  const std::string& guid, bool redelivery);
  // Counts one request against the user's budget; the 403 to answer when it is spent.
  std::optional<FakeApiResponse> spendBudget(const Token& token);

  Options options_;
  std::unique_ptr<FakeHttpServer> server_;
  // Copied from the server once it runs: the handler reads them, never server_ itself.
  int port_ = 0;
  std::string ca_pem_;

  mutable std::mutex mu_;
  std::map<std::string, User> users_;  // by login
  std::map<std::string, Token> tokens_;
  std::vector<FakeGitHubRepo> repos_;
  std::map<std::string, Code> codes_;
  std::vector<std::string> issued_tokens_;
  std::vector<FakeApiRequest> requests_;
  RateLimit rate_limit_ = RateLimit::kNone;
  std::chrono::milliseconds delay_{0};
  int64_t rate_limit_seconds_ = 60;
  int64_t calls_ = 0;
  int64_t next_code_ = 1;
  std::string browser_login_;
  std::vector<FakeGitHubHook> hooks_;
  std::vector<FakeGitHubDelivery> deliveries_;
  int64_t next_hook_id_ = 400000001;
  int64_t next_delivery_id_ = 9000000001;
  FakeRateBudget budget_;  // by login
  DeliverySender sender_;  // last: it finishes its sends while the state above still exists
  std::vector<FakeGitHubStatus> statuses_;
  int fail_count_ = 0;
  int fail_status_ = 500;
};

}  // namespace triggerd::testing
