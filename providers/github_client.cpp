#include "providers/github_client.h"

#include "providers/provider_http.h"
#include "providers/scopes.h"

namespace triggerd {

GitHubClient::GitHubClient(HttpClient& http, const ProviderEndpoint& endpoint,
                           const ProviderClientSettings& settings, const Clock& clock)
    : api_url_(endpoint.api_url),
      required_scopes_(settings.github_scopes),
      // The OAuth host is not used here: the OAuth flow talks to GitHubApi directly.
      api_(http, settings.github(endpoint.api_url, "", clock)) {}

ApiCall GitHubClient::describeAccount(std::string_view token, AccountCallback cb) {
  return api_.getUser(token, [cb = std::move(cb)](Result<GitHubUser> who) {
    if (!who.ok()) return cb(who.error());
    cb(AccountCheck{who->identity, who->token, who->scopes_reported});
  });
}

ApiCall GitHubClient::inspectToken(std::string_view token, AccountCallback cb) {
  return describeAccount(token, std::move(cb));  // GET /user carries the scopes and expiry
}

Status GitHubClient::checkBindable(const AccountCheck& account, int64_t) const {
  GitHubUser user{account.identity, account.token, account.scopes_reported};
  return checkGithubTokenForBinding(user, required_scopes_);
}

std::vector<std::string> GitHubClient::missingScopes(const AccountCheck& account) const {
  if (!account.scopes_reported) return {};
  return missingGithubScopes(account.token.scopes, required_scopes_);
}

ApiCall GitHubClient::listRepos(std::string_view token, std::string_view page_token,
                                ReposCallback cb) {
  return api_.listRepos(token, page_token, std::move(cb));
}

ApiCall GitHubClient::listBranches(std::string_view token, std::string_view repository,
                                   std::string_view page_token, RefsCallback cb) {
  return api_.listBranches(token, repository, page_token, std::move(cb));
}

ApiCall GitHubClient::listTags(std::string_view token, std::string_view repository,
                               std::string_view page_token, RefsCallback cb) {
  return api_.listTags(token, repository, page_token, std::move(cb));
}

ApiCall GitHubClient::listHooks(std::string_view token, std::string_view repository,
                                HooksCallback cb) {
  return api_.listHooks(token, repository, std::move(cb));
}

ApiCall GitHubClient::createHook(std::string_view token, std::string_view repository,
                                 const HookSpec& spec, HookCallback cb) {
  return api_.createHook(token, repository, spec, std::move(cb));
}

ApiCall GitHubClient::updateHook(std::string_view token, std::string_view repository,
                                 std::string_view hook_id, const HookSpec& spec, HookCallback cb) {
  return api_.updateHook(token, repository, hook_id, spec, std::move(cb));
}

ApiCall GitHubClient::deleteHook(std::string_view token, std::string_view repository,
                                 std::string_view hook_id, DoneCallback cb) {
  return api_.deleteHook(token, repository, hook_id, std::move(cb));
}

ApiCall GitHubClient::reactivateHook(std::string_view token, std::string_view repository,
                                     std::string_view hook_id, const HookSpec& spec,
                                     DoneCallback cb) {
  // The update sends active: true with the rest of the spec.
  return api_.updateHook(token, repository, hook_id, spec,
                         [cb = std::move(cb)](Result<RemoteHook> hook) {
                           if (!hook.ok()) return cb(hook.error());
                           cb(okStatus());
                         });
}

ApiCall GitHubClient::listDeliveries(std::string_view token, std::string_view repository,
                                     std::string_view hook_id, int64_t since_unix,
                                     DeliveriesCallback cb) {
  return api_.listDeliveries(token, repository, hook_id, since_unix, std::move(cb));
}

ApiCall GitHubClient::redeliver(std::string_view token, std::string_view repository,
                                std::string_view hook_id, const HookDelivery& delivery,
                                DoneCallback cb) {
  return api_.redeliver(token, repository, hook_id, delivery.id, std::move(cb));
}

ApiCall GitHubClient::getRepository(std::string_view token, std::string_view repository,
                                    RepoCallback cb) {
  return api_.getRepo(token, repository, std::move(cb));
}

ApiCall GitHubClient::branchHead(std::string_view token, std::string_view repository,
                                 std::string_view branch, CommitCallback cb) {
  return api_.getBranch(token, repository, branch, std::move(cb));
}

ApiCall GitHubClient::tagHead(std::string_view token, std::string_view repository,
                              std::string_view tag, CommitCallback cb) {
  // GitHub resolves "tags/NAME" to the tag's commit, peeling annotated tags.
  if (auto st = provider_http::checkRefName(tag, "ref"); !st) return st.error();
  return api_.getCommit(token, repository, "tags/" + std::string(tag), "ref", std::move(cb));
}

ApiCall GitHubClient::getCommit(std::string_view token, std::string_view repository,
                                std::string_view sha, CommitCallback cb) {
  if (auto st = provider_http::checkSha(sha, "sha"); !st) return st.error();
  return api_.getCommit(token, repository, sha, "sha", std::move(cb));
}

ApiCall GitHubClient::postCommitStatus(std::string_view token, std::string_view repository,
                                       std::string_view sha, const CommitStatus& status,
                                       DoneCallback cb) {
  // GitHub has pending, success, failure and error: a build in progress is pending, a canceled
  // one an error (its description says why).
  const char* state = "pending";
  switch (status.state) {
    case CommitState::kPending:
    case CommitState::kRunning:
      state = "pending";
      break;
    case CommitState::kSuccess:
      state = "success";
      break;
    case CommitState::kFailure:
      state = "failure";
      break;
    case CommitState::kCanceled:
      state = "error";
      break;
  }
  return api_.createStatus(token, repository, sha, state, status.description, status.context,
                           status.target_url, std::move(cb));
}

ApiCall GitHubClient::createCloneCredential(std::string_view token, std::string_view,
                                            std::string_view, int64_t expires_at,
                                            CredentialCallback cb) {
  // GitHub has no short-lived read-only credential an OAuth or personal token can mint: the
  // runner gets the bound token itself, for one clone. GET /user proves it still works and
  // names the account (the username git sends).
  std::string secret(token);
  return api_.getUser(token, [secret, expires_at, cb = std::move(cb)](Result<GitHubUser> who) {
    if (!who.ok()) return cb(who.error());
    cb(CloneCredential{who->identity.login, secret, "", expires_at});
  });
}

ApiCall GitHubClient::revokeCloneCredential(std::string_view, std::string_view, std::string_view,
                                            DoneCallback) {
  return Error::unprocessable("credential",
                              "GitHub clone credentials are the bound token: nothing to revoke");
}

}  // namespace triggerd
