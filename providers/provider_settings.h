// How triggerd sets up its provider clients: the user agent and timeouts every GitHub and GitLab
// call shares, in one place.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.h"
#include "providers/github_api.h"
#include "providers/gitlab_api.h"

namespace triggerd {

struct ProviderClientSettings {
  std::string user_agent = "triggerd";
  // The scopes a GitHub token must hold (github.scopes); GitLab tokens need "api".
  std::vector<std::string> github_scopes{"repo"};
  // security.allow_plain_http_gitlab: http:// GitLab servers outside allowed_networks.
  bool allow_plain_http_gitlab = false;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{15000};
  // How long a call may wait out a provider rate limit (HttpRequest::rate_limit_patience): 0
  // for calls a client waits on; background work (the hook reconciler) waits longer.
  std::chrono::seconds rate_limit_patience{0};

  GitHubApi::Options github(std::string api_base_url, std::string oauth_base_url,
                            const Clock& clock) const {
    GitHubApi::Options o;
    o.api_base_url = std::move(api_base_url);
    o.oauth_base_url = std::move(oauth_base_url);
    o.user_agent = user_agent;
    o.connect_timeout = connect_timeout;
    o.total_timeout = total_timeout;
    o.clock = &clock;
    o.rate_limit_patience = rate_limit_patience;
    return o;
  }

  // An empty `ca_pem` trusts the system store.
  GitLabApi::Options gitlab(std::string server_root, const std::string& ca_pem,
                            const Clock& clock) const {
    GitLabApi::Options o;
    o.server_root = std::move(server_root);
    if (!ca_pem.empty()) o.ca_pem = ca_pem;
    o.user_agent = user_agent;
    o.connect_timeout = connect_timeout;
    o.total_timeout = total_timeout;
    o.clock = &clock;
    o.allow_plain_http = allow_plain_http_gitlab;
    o.rate_limit_patience = rate_limit_patience;
    return o;
  }
};

}  // namespace triggerd
