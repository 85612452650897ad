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

}  // namespace triggerd
