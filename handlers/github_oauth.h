// The GitHub OAuth web flow: POST .../sources/github/authorize hands out the URL of GitHub's
// Authorize page with a single-use state; GET /oauth/github/callback exchanges the code for a
// token, checks it and binds it. The callback answers a browser: a redirect or an HTML page,
// never JSON.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "common/random.h"
#include "handlers/api_reply.h"
#include "handlers/sources_api.h"
#include "store/oauth_state_store.h"

namespace triggerd {

class GitHubOAuth {
 public:
  GitHubOAuth(SourcesApi& sources, OAuthStateStore& states, HttpClient& http, Random& rng);

  void authorize(const std::string& user, ApiDone done);
  void callback(const std::map<std::string, std::string>& query, ApiDone done);

  static constexpr std::chrono::seconds kStateTtl{600};

 private:
  class CallbackFlow;
  GitHubApi api() const;
  std::string callbackUrl() const;

  SourcesApi& sources_;
  OAuthStateStore& states_;
  HttpClient& http_;
  Random& rng_;
};

// An HTML page for the browser end of the OAuth flow.
std::string oauthPage(const std::string& title, const std::string& message);

}  // namespace triggerd
