// GitLabClient: the ProviderClient for a GitLab server, over GitLabApi.
#pragma once

#include <memory>

#include "providers/gitlab_api.h"
#include "providers/provider_client.h"

namespace triggerd {

class GitLabClient final : public ProviderClient {
 public:
  GitLabClient(HttpClient& http, const ProviderEndpoint& endpoint,
               const ProviderClientSettings& settings, const Clock& clock);

  Provider provider() const override { return Provider::kGitlab; }
  const std::string& apiUrl() const override { return api_->serverRoot(); }
  // Three steps: GET /version (the address is a GitLab root), the token itself (scopes, expiry,
  // revocation), then the user.
  ApiCall describeAccount(std::string_view token, AccountCallback cb) override;
  ApiCall inspectToken(std::string_view token, AccountCallback cb) override;
  Status checkBindable(const AccountCheck& account, int64_t now_unix) const override;
  std::vector<std::string> missingScopes(const AccountCheck& account) const override;
  const char* tokenField() const override { return "private_token"; }
  ApiCall listRepos(std::string_view token, std::string_view page_token, ReposCallback cb) override;
  ApiCall listBranches(std::string_view token, std::string_view repository,
                       std::string_view page_token, RefsCallback cb) override;
  ApiCall listTags(std::string_view token, std::string_view repository, std::string_view page_token,
                   RefsCallback cb) override;
  ApiCall listHooks(std::string_view token, std::string_view repository, HooksCallback cb) override;
  ApiCall createHook(std::string_view token, std::string_view repository, const HookSpec& spec,
                     HookCallback cb) override;
  ApiCall updateHook(std::string_view token, std::string_view repository, std::string_view hook_id,
                     const HookSpec& spec, HookCallback cb) override;
  ApiCall deleteHook(std::string_view token, std::string_view repository, std::string_view hook_id,
                     DoneCallback cb) override;
  ApiCall reactivateHook(std::string_view token, std::string_view repository,
                         std::string_view hook_id, const HookSpec& spec, DoneCallback cb) override;
  ApiCall listDeliveries(std::string_view token, std::string_view repository,
                         std::string_view hook_id, int64_t since_unix,
                         DeliveriesCallback cb) override;
  ApiCall redeliver(std::string_view token, std::string_view repository, std::string_view hook_id,
                    const HookDelivery& delivery, DoneCallback cb) override;
  bool takesSigningToken() const override { return true; }

  ApiCall getRepository(std::string_view token, std::string_view repository,
                        RepoCallback cb) override;
  ApiCall branchHead(std::string_view token, std::string_view repository, std::string_view branch,
                     CommitCallback cb) override;
  ApiCall tagHead(std::string_view token, std::string_view repository, std::string_view tag,
                  CommitCallback cb) override;
  ApiCall getCommit(std::string_view token, std::string_view repository, std::string_view sha,
                    CommitCallback cb) override;
  ApiCall postCommitStatus(std::string_view token, std::string_view repository,
                           std::string_view sha, const CommitStatus& status,
                           DoneCallback cb) override;
  ApiCall createCloneCredential(std::string_view token, std::string_view repository,
                                std::string_view name, int64_t expires_at,
                                CredentialCallback cb) override;
  ApiCall revokeCloneCredential(std::string_view token, std::string_view repository,
                                std::string_view credential_id, DoneCallback cb) override;
  void cancel(HttpRequestId id) override { api_->cancel(id); }

  // GitLab tokens need the api scope: hooks and commit statuses are write calls.
  static const std::vector<std::string>& requiredScopes();

 private:
  // Shared with the steps of describeAccount, which may outlive this object.
  std::shared_ptr<GitLabApi> api_;
};

}  // namespace triggerd
