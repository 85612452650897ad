// ProviderClient: what triggerd asks of a Git provider on behalf of a bound account, the same
// way for GitHub and GitLab. Callers hold a ProviderClient made by makeProviderClient() for a
// source's endpoint and never branch on the provider themselves; what only one provider has
// (GitHub's OAuth web flow) stays on that provider's API class (providers/github_api.h).
//
// Calling contract (as for the API classes): an Error return means nothing was sent and the
// callback never runs; otherwise the callback runs exactly once, on a later loop turn. Callbacks
// never reference the ProviderClient, so it may be destroyed with calls in flight (the
// HttpClient must outlive them). cancel() stops a call's request in flight; a multi-step call
// (GitLab's describeAccount) then still completes the steps already answered.
//
// Errors use Error kinds: kCredentialsRejected when the provider refuses the token (invalid,
// expired, revoked, missing scope or access), kNotFound for an unknown repository, kUnavailable
// when rate limited ("retry after N s"), kUpstream/kUpstreamTimeout when the provider fails,
// kInvalid for input refused before anything is sent. Tokens never appear in messages or logs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "http/client.h"
#include "model/provider.h"
#include "providers/hook_types.h"
#include "providers/provider_http.h"
#include "providers/provider_settings.h"
#include "providers/provider_types.h"

namespace triggerd {

// Where a bound account lives: the API base (GitHub: https://api.github.com or a GHES /api/v3
// base; GitLab: the server root) and an optional private CA (PEM).
struct ProviderEndpoint {
  Provider provider = Provider::kGithub;
  std::string api_url;
  std::string ca_pem;
};

// Who a token belongs to and what it may do.
struct AccountCheck {
  AccountIdentity identity;  // empty when only the token was inspected (inspectToken on GitLab)
  TokenInfo token;
  // False when the provider reports permissions instead of scopes (GitHub fine-grained and App
  // tokens): scope checks then pass, and missing permissions show when they are used.
  bool scopes_reported = true;
};

class ProviderClient {
 public:
  using AccountCallback = std::function<void(Result<AccountCheck>)>;
  using ReposCallback = std::function<void(Result<Page<RepoSummary>>)>;
  using RefsCallback = std::function<void(Result<Page<RefSummary>>)>;
  using HooksCallback = std::function<void(Result<std::vector<RemoteHook>>)>;
  using HookCallback = std::function<void(Result<RemoteHook>)>;
  using DoneCallback = std::function<void(Status)>;
  using DeliveriesCallback = std::function<void(Result<DeliveryLog>)>;

  virtual ~ProviderClient() = default;

  virtual Provider provider() const = 0;
  virtual const std::string& apiUrl() const = 0;

  // Everything binding needs to know about a token: that the endpoint is this provider's API
  // (GitLab: a server root, probed first), the account, the token's scopes and expiry.
  virtual ApiCall describeAccount(std::string_view token, AccountCallback cb) = 0;
  // What the periodic token check needs: the token's scopes, expiry and revocation, as cheaply
  // as the provider allows.
  virtual ApiCall inspectToken(std::string_view token, AccountCallback cb) = 0;
  // Whether a described token may be bound at `now_unix`: not expired or revoked, and holding
  // the scopes triggerd needs. kCredentialsRejected naming the token field otherwise.
  virtual Status checkBindable(const AccountCheck& account, int64_t now_unix) const = 0;
  // The scopes triggerd needs that the token lacks (scope implication applies); empty when the
  // provider does not report scopes for it.
  virtual std::vector<std::string> missingScopes(const AccountCheck& account) const = 0;
  // The field of a bind request that carries the token ("token", "private_token").
  virtual const char* tokenField() const = 0;

  // Repositories the account may add hooks to, and their branches and tags, one page at a time
  // (`page_token` from the previous page's next_page; empty for the first).
  virtual ApiCall listRepos(std::string_view token, std::string_view page_token,
                            ReposCallback cb) = 0;
  virtual ApiCall listBranches(std::string_view token, std::string_view repository,
                               std::string_view page_token, RefsCallback cb) = 0;
  virtual ApiCall listTags(std::string_view token, std::string_view repository,
                           std::string_view page_token, RefsCallback cb) = 0;

  // --- repository hooks (docs/hooks.md) ---
  // Errors name the cause: kNotFound "repository" (gone, or invisible to the account), kForbidden
  // "repository" (no admin rights: GitHub admin, GitLab Maintainer), kCredentialsRejected (the
  // token lacks the scope or permission), kInvalid "server.public_base_url" (the provider
  // refuses the hook URL), kInvalid "repository" (the repository's hook limit), kConflict "hook"
  // (the provider says the hook exists already).

  // Every hook of the repository, across every page of the provider's list.
  virtual ApiCall listHooks(std::string_view token, std::string_view repository,
                            HooksCallback cb) = 0;
  virtual ApiCall createHook(std::string_view token, std::string_view repository,
                             const HookSpec& spec, HookCallback cb) = 0;
  // Sets the whole spec again, the secret included (GitHub drops a secret an update does not
  // repeat; GitLab clears the token when the URL changes). kNotFound "hook" when it is gone.
  virtual ApiCall updateHook(std::string_view token, std::string_view repository,
                             std::string_view hook_id, const HookSpec& spec, HookCallback cb) = 0;
  // A hook already gone is success.
  virtual ApiCall deleteHook(std::string_view token, std::string_view repository,
                             std::string_view hook_id, DoneCallback cb) = 0;
  // Makes a hook the provider stopped delivering to deliver again: GitHub sets it active with
  // the whole spec; GitLab sends it a test push event, whose success re-enables a hook GitLab
  // disabled after failures (the test push builds like any push).
  virtual ApiCall reactivateHook(std::string_view token, std::string_view repository,
                                 std::string_view hook_id, const HookSpec& spec,
                                 DoneCallback cb) = 0;
  // The hook's delivery attempts since `since_unix`, newest first: GitHub's deliveries API,
  // GitLab's hook events (17.3+; an older GitLab gives a log that is not available).
  virtual ApiCall listDeliveries(std::string_view token, std::string_view repository,
                                 std::string_view hook_id, int64_t since_unix,
                                 DeliveriesCallback cb) = 0;
  // Sends a delivery again under its original delivery id (GitHub redelivery, GitLab resend).
  virtual ApiCall redeliver(std::string_view token, std::string_view repository,
                            std::string_view hook_id, const HookDelivery& delivery,
                            DoneCallback cb) = 0;
  // Whether hooks take a Standard Webhooks signing token (GitLab) besides the secret.
  virtual bool takesSigningToken() const = 0;

  // --- jobs: manual runs, commit statuses, clone credentials ---
  using RepoCallback = std::function<void(Result<RepoSummary>)>;
  using CommitCallback = std::function<void(Result<CommitSummary>)>;
  using CredentialCallback = std::function<void(Result<CloneCredential>)>;

  // One repository (id, clone URLs, visibility); `repository` as for listBranches.
  virtual ApiCall getRepository(std::string_view token, std::string_view repository,
                                RepoCallback cb) = 0;
  // The head commit of a branch or a tag (an annotated tag's commit, not the tag object).
  // kNotFound on field "ref" when the repository has no branch or tag by that name.
  virtual ApiCall branchHead(std::string_view token, std::string_view repository,
                             std::string_view branch, CommitCallback cb) = 0;
  virtual ApiCall tagHead(std::string_view token, std::string_view repository, std::string_view tag,
                          CommitCallback cb) = 0;
  // A commit by its SHA (full or abbreviated); kNotFound on field "sha" when there is none.
  virtual ApiCall getCommit(std::string_view token, std::string_view repository,
                            std::string_view sha, CommitCallback cb) = 0;
  // Sets a commit status (GitHub commit statuses; GitLab's commit status API). `repository` is
  // what JobRecord::repo holds: owner/name on GitHub, the project id on GitLab.
  virtual ApiCall postCommitStatus(std::string_view token, std::string_view repository,
                                   std::string_view sha, const CommitStatus& status,
                                   DoneCallback cb) = 0;
  // Credentials to clone `repository` once, as small as the provider allows: GitHub, the bound
  // token itself (checked with GET /user, which also gives the login); GitLab, a project deploy
  // token with only read_repository that expires at `expires_at` (unix seconds), named `name`.
  virtual ApiCall createCloneCredential(std::string_view token, std::string_view repository,
                                        std::string_view name, int64_t expires_at,
                                        CredentialCallback cb) = 0;
  // Revokes what createCloneCredential made (GitLab: deletes the deploy token; one already gone
  // counts as revoked). kInvalid, nothing sent, when there is nothing to revoke (GitHub).
  virtual ApiCall revokeCloneCredential(std::string_view token, std::string_view repository,
                                        std::string_view credential_id, DoneCallback cb) = 0;

  virtual void cancel(HttpRequestId id) = 0;
};

// A client for `endpoint` with the shared settings (user agent, timeouts, required scopes).
std::unique_ptr<ProviderClient> makeProviderClient(const ProviderEndpoint& endpoint,
                                                   HttpClient& http,
                                                   const ProviderClientSettings& settings,
                                                   const Clock& clock);

}  // namespace triggerd
