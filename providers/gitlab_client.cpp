#include "providers/gitlab_client.h"

#include "providers/scopes.h"

namespace triggerd {

const std::vector<std::string>& GitLabClient::requiredScopes() {
  static const std::vector<std::string> kApi{"api"};
  return kApi;
}

GitLabClient::GitLabClient(HttpClient& http, const ProviderEndpoint& endpoint,
                           const ProviderClientSettings& settings, const Clock& clock)
    : api_(std::make_shared<GitLabApi>(
          http, settings.gitlab(endpoint.api_url, endpoint.ca_pem, clock))) {}

ApiCall GitLabClient::describeAccount(std::string_view token_view, AccountCallback cb) {
  // Named steps sharing one state: probe → token → user.
  struct Describe {
    std::shared_ptr<GitLabApi> api;
    std::string token;
    AccountCallback done;
    AccountCheck result;

    void tokenStep(const std::shared_ptr<Describe>& self) {
      auto call = api->tokenSelf(token, [self](Result<TokenInfo> info) {
        if (!info.ok()) return self->done(info.error());
        self->result.token = *info;
        self->userStep(self);
      });
      if (!call.ok()) done(call.error());
    }
    void userStep(const std::shared_ptr<Describe>& self) {
      auto call = api->getUser(token, [self](Result<AccountIdentity> who) {
        if (!who.ok()) return self->done(who.error());
        self->result.identity = *who;
        self->done(std::move(self->result));
      });
      if (!call.ok()) done(call.error());
    }
  };
  auto flow = std::make_shared<Describe>();
  flow->api = api_;
  flow->token = std::string(token_view);
  flow->done = std::move(cb);
  return api_->probe(flow->token, [flow](Result<GitLabServerInfo> probe) {
    if (!probe.ok()) return flow->done(probe.error());
    flow->tokenStep(flow);
  });
}

ApiCall GitLabClient::inspectToken(std::string_view token, AccountCallback cb) {
  return api_->tokenSelf(token, [cb = std::move(cb)](Result<TokenInfo> info) {
    if (!info.ok()) return cb(info.error());
    AccountCheck check;
    check.token = *info;
    cb(std::move(check));
  });
}

Status GitLabClient::checkBindable(const AccountCheck& account, int64_t now_unix) const {
  return checkGitlabTokenForBinding(account.token, requiredScopes(), now_unix);
}

std::vector<std::string> GitLabClient::missingScopes(const AccountCheck& account) const {
  return missingGitlabScopes(account.token.scopes, requiredScopes());
}

ApiCall GitLabClient::listRepos(std::string_view token, std::string_view page_token,
                                ReposCallback cb) {
  return api_->listProjects(token, page_token, std::move(cb));
}

ApiCall GitLabClient::listBranches(std::string_view token, std::string_view repository,
                                   std::string_view page_token, RefsCallback cb) {
  return api_->listBranches(token, repository, page_token, std::move(cb));
}

ApiCall GitLabClient::listTags(std::string_view token, std::string_view repository,
                               std::string_view page_token, RefsCallback cb) {
  return api_->listTags(token, repository, page_token, std::move(cb));
}

ApiCall GitLabClient::listHooks(std::string_view token, std::string_view repository,
                                HooksCallback cb) {
  return api_->listHooks(token, repository, std::move(cb));
}

ApiCall GitLabClient::createHook(std::string_view token, std::string_view repository,
                                 const HookSpec& spec, HookCallback cb) {
  return api_->createHook(token, repository, spec, std::move(cb));
}

ApiCall GitLabClient::updateHook(std::string_view token, std::string_view repository,
                                 std::string_view hook_id, const HookSpec& spec, HookCallback cb) {
  return api_->updateHook(token, repository, hook_id, spec, std::move(cb));
}

ApiCall GitLabClient::deleteHook(std::string_view token, std::string_view repository,
                                 std::string_view hook_id, DoneCallback cb) {
  return api_->deleteHook(token, repository, hook_id, std::move(cb));
}

ApiCall GitLabClient::reactivateHook(std::string_view token, std::string_view repository,
                                     std::string_view hook_id, const HookSpec&, DoneCallback cb) {
  // GitLab re-enables a hook it disabled after failures once a delivery succeeds; a test push
  // is one.
  return api_->testHook(token, repository, hook_id, std::move(cb));
}

ApiCall GitLabClient::listDeliveries(std::string_view token, std::string_view repository,
                                     std::string_view hook_id, int64_t since_unix,
                                     DeliveriesCallback cb) {
  return api_->listHookEvents(token, repository, hook_id, since_unix, std::move(cb));
}

ApiCall GitLabClient::redeliver(std::string_view token, std::string_view repository,
                                std::string_view hook_id, const HookDelivery& delivery,
                                DoneCallback cb) {
  return api_->resendHookEvent(token, repository, hook_id, delivery.id, std::move(cb));
}

ApiCall GitLabClient::getRepository(std::string_view token, std::string_view repository,
                                    RepoCallback cb) {
  return api_->getProject(token, repository, std::move(cb));
}

ApiCall GitLabClient::branchHead(std::string_view token, std::string_view repository,
                                 std::string_view branch, CommitCallback cb) {
  return api_->getBranch(token, repository, branch, std::move(cb));
}

ApiCall GitLabClient::tagHead(std::string_view token, std::string_view repository,
                              std::string_view tag, CommitCallback cb) {
  return api_->getTag(token, repository, tag, std::move(cb));
}

ApiCall GitLabClient::getCommit(std::string_view token, std::string_view repository,
                                std::string_view sha, CommitCallback cb) {
  return api_->getCommit(token, repository, sha, std::move(cb));
}

ApiCall GitLabClient::postCommitStatus(std::string_view token, std::string_view repository,
                                       std::string_view sha, const CommitStatus& status,
                                       DoneCallback cb) {
  const char* state = "pending";
  switch (status.state) {
    case CommitState::kPending:
      state = "pending";
      break;
    case CommitState::kRunning:
      state = "running";
      break;
    case CommitState::kSuccess:
      state = "success";
      break;
    case CommitState::kFailure:
      state = "failed";
      break;
    case CommitState::kCanceled:
      state = "canceled";
      break;
  }
  return api_->postStatus(token, repository, sha, state, status.context, status.ref_name,
                          status.description, status.target_url, std::move(cb));
}

ApiCall GitLabClient::createCloneCredential(std::string_view token, std::string_view repository,
                                            std::string_view name, int64_t expires_at,
                                            CredentialCallback cb) {
  return api_->createDeployToken(token, repository, name, expires_at, std::move(cb));
}

ApiCall GitLabClient::revokeCloneCredential(std::string_view token, std::string_view repository,
                                            std::string_view credential_id, DoneCallback cb) {
  return api_->deleteDeployToken(token, repository, credential_id, std::move(cb));
}

}  // namespace triggerd
