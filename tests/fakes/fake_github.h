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

namespace triggerd::testing {

using FakeGitHubRef = FakeRef;

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

  std::string fullName() const { return owner + "/" + name; }
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
  // Every answer waits this long first, like a slow GitHub (0: none).
  void setDelay(std::chrono::milliseconds delay);

  // OAuth: a code as GitHub would hand to the callback after `login` authorised `scopes`.
  // Single use. A non-empty `redirect_uri` must be repeated in the exchange.
  std::string issueCode(const std::string& login, const std::vector<std::string>& scopes,
                        const std::string& redirect_uri = "");
  void expireCode(const std::string& code);  // as if 10 minutes had passed
  // Tokens the OAuth endpoint minted, in order.
  std::vector<std::string> issuedTokens() const;

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
  FakeApiResponse api(const FakeApiRequest& request, const std::string& path);
  FakeApiResponse rateLimited() const;
  FakeApiResponse user(const Token& token, const FakeApiRequest& request);
  FakeApiResponse repos(const Token& token, const FakeApiRequest& request);
  FakeApiResponse refs(const Token& token, const FakeApiRequest& request,
                       const FakeGitHubRepo& repo, bool tags);
  bool canRead(const Token& token, const FakeGitHubRepo& repo) const;
  void addStandardHeaders(FakeApiResponse& response, const Token& token,
                          const std::string& accepted);
  void paginate(FakeApiResponse& response, const FakeApiRequest& request, const PageSlice& slice);
  std::string serverUrl() const;  // scheme://127.0.0.1:port

  Options options_;
  std::unique_ptr<FakeApiHost> host_;

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
};

}  // namespace triggerd::testing
