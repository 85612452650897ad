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

  // --- jobs: manual runs, commit statuses, clone credentials ---
  using RepoCallback = std::function<void(Result<RepoSummary>)>;
  using CommitCallback = std::function<void(Result<CommitSummary>)>;
  using DoneCallback = std::function<void(Status)>;
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
