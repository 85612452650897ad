// GitHub REST and OAuth client over the HttpClient seam (github.com or GitHub Enterprise Server).
//
// Every call validates its input first. An Error return means nothing was sent and the callback
// will never run; otherwise the request was started and the callback runs exactly once, on a
// later loop turn, unless cancel(id) is called first. Callbacks do not reference the GitHubApi,
// so it may be destroyed with calls in flight as long as the HttpClient outlives them.
//
// Errors carry an API answer: 422 "token" when GitHub rejects the token, 503 when rate limited
// ("retry after N s"), 502 when GitHub fails or answers something unreadable, 404 for an
// unknown repository. Tokens never appear in URLs, messages or logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "http/client.h"
#include "providers/hook_types.h"
#include "providers/provider_http.h"
#include "providers/provider_types.h"

namespace triggerd {

// What the OAuth code exchange grants.
struct OAuthGrant {
  std::string access_token;
  std::vector<std::string> scopes;  // normalised, sorted (GitHub sends "repo,gist")
  std::string token_type;           // "bearer"
};

// GET /user: who the token belongs to and what it may do.
struct GitHubUser {
  AccountIdentity identity;
  TokenInfo token;  // scopes from X-OAuth-Scopes; expires_at from
                    // GitHub-Authentication-Token-Expiration when GitHub sends it
  // False when GitHub sent no X-OAuth-Scopes at all (fine-grained and GitHub App tokens have
  // permissions instead of scopes); true with empty scopes means a token without scopes.
  bool scopes_reported = false;
};

class GitHubApi {
 public:
  struct Options {
    std::string api_base_url = "https://api.github.com";  // GHES: https://host/api/v3
    std::string oauth_base_url = "https://github.com";    // GHES: https://host
    std::string user_agent = "triggerd";                  // GitHub rejects requests without one
    std::optional<std::string> ca_pem;  // GHES behind a private CA; nullopt: system store
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{15000};
    const Clock* clock = nullptr;  // for rate limit reset times; nullptr: the system clock
    std::chrono::seconds rate_limit_patience{0};  // HttpRequest::rate_limit_patience
  };

  using GrantCallback = std::function<void(Result<OAuthGrant>)>;
  using UserCallback = std::function<void(Result<GitHubUser>)>;
  using ReposCallback = std::function<void(Result<Page<RepoSummary>>)>;
  using RefsCallback = std::function<void(Result<Page<RefSummary>>)>;
  using HooksCallback = std::function<void(Result<std::vector<RemoteHook>>)>;
  using HookCallback = std::function<void(Result<RemoteHook>)>;
  using DoneCallback = std::function<void(Status)>;
  using DeliveriesCallback = std::function<void(Result<DeliveryLog>)>;

  GitHubApi(HttpClient& http, Options options);

  // The URL to send the user's browser to (step 1 of the web flow). Scopes are space-delimited.
  std::string authorizeUrl(std::string_view client_id, std::string_view redirect_uri,
                           const std::vector<std::string>& scopes, std::string_view state) const;

  // POST {oauth}/login/oauth/access_token (step 2). GitHub's `error` answers map to:
  // bad_verification_code → 400 "code"; incorrect_client_credentials and redirect_uri_mismatch
  // → 500 naming the config keys to fix; unverified_user_email → 422 "code".
  ApiCall exchangeCode(std::string_view client_id, std::string_view client_secret,
                       std::string_view code, std::string_view redirect_uri, GrantCallback cb);

  // GET /user with the token's scopes.
  ApiCall getUser(std::string_view token, UserCallback cb);

  // GET /user/repos, 100 per page, sorted by full name, keeping only repositories the user
  // administers (only those accept hooks). A page may hold fewer items, even none, and still
  // have a next_page.
  ApiCall listRepos(std::string_view token, std::string_view page_token, ReposCallback cb);

  // GET /repos/{owner}/{name}/branches and /tags, 100 per page. `full_name` is "owner/name".
  ApiCall listBranches(std::string_view token, std::string_view full_name,
                       std::string_view page_token, RefsCallback cb);
  ApiCall listTags(std::string_view token, std::string_view full_name, std::string_view page_token,
                   RefsCallback cb);

  // Repository hooks (github_hooks.cpp). `full_name` is "owner/name", `hook_id` GitHub's
  // numeric id. GitHub answers 404 both for a repository that is gone and for one the account
  // does not administer; these calls then ask GET /repos/{owner}/{name} which it is: 404
  // "repository" (gone or invisible), 403 "repository" (no admin rights) or 422 "token" (the
  // token lacks the hook scope or permission). 422 "repository" when the repository has as many
  // hooks as GitHub allows; 409 "hook" when GitHub says the hook exists already.

  // GET /repos/{owner}/{name}/hooks, every page.
  ApiCall listHooks(std::string_view token, std::string_view full_name, HooksCallback cb);
  // POST /repos/{owner}/{name}/hooks: name "web", events ["push"], active, config {url,
  // content_type "json", secret, insecure_ssl "0"}.
  ApiCall createHook(std::string_view token, std::string_view full_name, const HookSpec& spec,
                     HookCallback cb);
  // PATCH /repos/{owner}/{name}/hooks/{id} with the whole spec: GitHub removes a secret that an
  // update does not send again.
  ApiCall updateHook(std::string_view token, std::string_view full_name, std::string_view hook_id,
                     const HookSpec& spec, HookCallback cb);
  // DELETE /repos/{owner}/{name}/hooks/{id}; a hook already gone (404) is success.
  ApiCall deleteHook(std::string_view token, std::string_view full_name, std::string_view hook_id,
                     DoneCallback cb);
  // GET /repos/{owner}/{name}/hooks/{id}/deliveries, following cursors until the attempts are
  // older than `since_unix`; newest first.
  ApiCall listDeliveries(std::string_view token, std::string_view full_name,
                         std::string_view hook_id, int64_t since_unix, DeliveriesCallback cb);
  // POST /repos/{owner}/{name}/hooks/{id}/deliveries/{delivery}/attempts: GitHub sends the
  // delivery again, under its original X-GitHub-Delivery.
  ApiCall redeliver(std::string_view token, std::string_view full_name, std::string_view hook_id,
                    std::string_view delivery_id, DoneCallback cb);

  // --- jobs: manual runs and commit statuses ---
  using RepoCallback = std::function<void(Result<RepoSummary>)>;
  using CommitCallback = std::function<void(Result<CommitSummary>)>;

  // GET /repos/{owner}/{name}.
  ApiCall getRepo(std::string_view token, std::string_view full_name, RepoCallback cb);
  // GET /repos/{owner}/{name}/branches/{branch}: the branch's head commit; 404 "ref" when the
  // branch does not exist.
  ApiCall getBranch(std::string_view token, std::string_view full_name, std::string_view branch,
                    CommitCallback cb);
  // GET /repos/{owner}/{name}/commits/{ref}: the commit a SHA or "tags/NAME" names (a tag's
  // commit, annotated tags peeled); 404 on `field` when there is none.
  ApiCall getCommit(std::string_view token, std::string_view full_name, std::string_view ref,
                    const std::string& field, CommitCallback cb);
  // POST /repos/{owner}/{name}/statuses/{sha}. `state` is pending, success, failure or error;
  // the description is clipped to GitHub's 140 characters.
  ApiCall createStatus(std::string_view token, std::string_view full_name, std::string_view sha,
                       std::string_view state, std::string_view description,
                       std::string_view context, std::string_view target_url, DoneCallback cb);

  // GitHub refuses longer commit status descriptions (422).
  static constexpr size_t kMaxStatusDescription = 140;

  void cancel(HttpRequestId id) { http_.cancel(id); }

 private:
  HttpRequest apiRequest(std::string url, std::string_view token) const;
  // A hook call's request (`path` under the repository) and GET of the repository, once the
  // token, repository and hook id (when given) are checked (github_hooks.cpp).
  struct HookRequests {
    HttpRequest call;
    HttpRequest repo;
  };
  Result<HookRequests> hookRequests(std::string_view token, std::string_view full_name,
                                    std::string_view hook_id, std::string_view path) const;

  std::string repoUrl(std::string_view full_name) const;
  ApiCall listRefs(std::string_view token, std::string_view full_name, std::string_view page_token,
                   const char* kind, RefsCallback cb);

  HttpClient& http_;
  Options options_;
};

// Validates "owner/name" for a GitHub URL path: one slash, GitHub's characters only, no "." or
// ".." names. 422 on `field`.
Status validateGithubFullName(std::string_view full_name, const std::string& field = "repository");

// Checks a token found by getUser before binding it: the scopes it reports must cover
// `required` (scope implication applies). Tokens that report no scopes at all (fine-grained)
// pass; their permissions are checked when hooks are installed. 422 "token" otherwise.
Status checkGithubTokenForBinding(const GitHubUser& user, const std::vector<std::string>& required);

// Parses GitHub-Authentication-Token-Expiration ("2026-12-31 23:59:59 UTC") to unix seconds.
std::optional<int64_t> parseGithubTokenExpiration(std::string_view value);

}  // namespace triggerd
