#include "providers/provider_client.h"

#include "providers/github_client.h"
#include "providers/gitlab_client.h"

namespace triggerd {

std::unique_ptr<ProviderClient> makeProviderClient(const ProviderEndpoint& endpoint,
                                                   HttpClient& http,
                                                   const ProviderClientSettings& settings,
                                                   const Clock& clock) {
  switch (endpoint.provider) {
    case Provider::kGithub:
      return std::make_unique<GitHubClient>(http, endpoint, settings, clock);
    case Provider::kGitlab:
      return std::make_unique<GitLabClient>(http, endpoint, settings, clock);
  }
  return nullptr;
}

}  // namespace triggerd
