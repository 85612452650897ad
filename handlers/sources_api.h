// The sources part of the admin API and the GitHub OAuth callback: binding GitHub and GitLab
// accounts, unbinding, browsing repositories. Free of HTTP plumbing (routes.cpp adapts it).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "credentials/source_store.h"
#include "handlers/api_reply.h"
#include "http/client.h"
#include "providers/provider_settings.h"
#include "triggers/trigger_store.h"

namespace triggerd {

struct SourcesOptions {
  std::string public_base_url;  // the OAuth callback is {public_base_url}/oauth/github/callback
  std::string github_api_url = "https://api.github.com";
  std::string github_oauth_url = "https://github.com";
  std::string github_client_id;
  std::string github_client_secret;
  std::vector<std::string> github_scopes{"repo"};
  std::string github_oauth_success_url;
  std::chrono::seconds expiry_warning{7 * 86400};
  ProviderClientSettings client;
};

class SourcesApi {
 public:
  SourcesApi(SourceStore& sources, TriggerStore& triggers, RedisClient& redis, Keys keys,
             HttpClient& http, const Clock& clock, Random& rng, SourcesOptions options);
  void setOptions(SourcesOptions options) { options_ = std::move(options); }
  const SourcesOptions& options() const { return options_; }

  void list(const std::string& user, ApiDone done);
  void bindGitlab(const std::string& user, std::string_view body, ApiDone done);
  void bindGithubToken(const std::string& user, std::string_view body, ApiDone done);
  void authorizeGithub(const std::string& user, ApiDone done);
  // GET /oauth/github/callback: answers a redirect or an HTML page (never JSON).
  void githubCallback(const std::map<std::string, std::string>& query, ApiDone done);
  void unbind(const std::string& user, const std::string& provider, ApiDone done);
  // kind: "repos", "branches" or "tags"; repo is empty for "repos".
  void browse(const std::string& user, const std::string& provider, const std::string& kind,
              const std::string& repo, const std::string& page, ApiDone done);

  static constexpr std::chrono::seconds kStateTtl{600};

 private:
  void loadBound(const std::string& user, const std::string& provider,
                 std::function<void(Result<Source>)> cb);
  // Stores a checked binding and answers 201 with it.
  void store(Source source, ApiDone done);
  ApiReply sourceReply(int status, const Source& s) const;
  GitHubApi::Options githubOptions() const {
    return options_.client.github(options_.github_api_url, options_.github_oauth_url, clock_);
  }
  std::string callbackUrl() const { return options_.public_base_url + "/oauth/github/callback"; }

  SourceStore& sources_;
  TriggerStore& triggers_;
  RedisClient& redis_;
  Keys keys_;
  HttpClient& http_;
  const Clock& clock_;
  Random& rng_;
  SourcesOptions options_;
};

// An HTML page for the browser end of the OAuth flow.
std::string oauthPage(const std::string& title, const std::string& message);

}  // namespace triggerd
