// The sources part of the admin API: binding GitHub and GitLab accounts with personal tokens,
// listing, unbinding, browsing repositories. The GitHub OAuth web flow is in github_oauth.h.
// Free of HTTP plumbing: the route handlers (source_routes.cpp) adapt it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "credentials/source_store.h"
#include "handlers/api_reply.h"
#include "hooks/hook_service.h"
#include "http/client.h"
#include "providers/provider_client.h"
#include "triggers/trigger_store.h"

namespace triggerd {

struct SourcesOptions {
  std::string public_base_url;  // the OAuth callback is {public_base_url}/oauth/github/callback
  std::string github_api_url = "https://api.github.com";
  std::string github_oauth_url = "https://github.com";
  std::string github_client_id;
  std::string github_client_secret;
  std::string github_oauth_success_url;
  std::string github_oauth_handoff_url;  // API-started flows hand their code on to it
  std::chrono::seconds expiry_warning{7 * 86400};
  ProviderClientSettings client;  // user agent, timeouts, the scopes GitHub tokens need
};

class SourcesApi {
 public:
  SourcesApi(SourceStore& sources, TriggerStore& triggers, HookService& hooks, HttpClient& http,
             const Clock& clock, SourcesOptions options);
  void setOptions(SourcesOptions options) { options_ = std::move(options); }
  const SourcesOptions& options() const { return options_; }

  void list(const std::string& user, ApiDone done);
  // PUT .../sources/{provider}: GitLab {service_address, private_token, ca_certificate?};
  // GitHub {token}.
  void bindToken(const std::string& user, Provider provider, std::string_view body, ApiDone done);
  // Deletes the hooks the account installed (best effort, each result in the answer), forgets
  // the account and disables its triggers.
  void unbind(const std::string& user, Provider provider, ApiDone done);
  enum class Listing { kRepos, kBranches, kTags };
  // `repo` is empty for kRepos.
  void browse(const std::string& user, Provider provider, Listing what, const std::string& repo,
              const std::string& page, ApiDone done);

  // Stores a checked binding (the OAuth flow binds through it too); 409 when one appeared
  // meanwhile.
  void store(const Source& source, std::function<void(Status)> cb);
  // 409 naming the bound account when `user` has one for `provider` already; Ok otherwise.
  void refuseIfBound(const std::string& user, Provider provider, std::function<void(Status)> cb);
  ApiReply sourceReply(int status, const Source& s) const;
  std::unique_ptr<ProviderClient> client(const ProviderEndpoint& endpoint) const {
    return makeProviderClient(endpoint, http_, options_.client, clock_);
  }
  const Clock& clock() const { return clock_; }

 private:
  class BindFlow;
  class UnbindFlow;
  void loadBound(const std::string& user, Provider provider,
                 std::function<void(Result<Source>)> cb);

  SourceStore& sources_;
  TriggerStore& triggers_;
  HookService& hooks_;
  HttpClient& http_;
  const Clock& clock_;
  SourcesOptions options_;
};

}  // namespace triggerd
