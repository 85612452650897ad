// The GitHub OAuth web flow: POST .../sources/github/authorize hands out the URL of GitHub's
// Authorize page with a single-use state; GET /oauth/github/callback answers the browser GitHub
// sends back. The URL alone proves nothing (whoever holds it could complete it), so a flow binds
// only when the completing browser proves it acts for the flow's user (docs/security.md):
//  - a console session of that user in the callback's browser (the very session that started
//    the flow, when it was started from the console); or
//  - a handoff: the callback redirects to github.oauth_handoff_url with a one-time code, and
//    POST .../sources/github/complete redeems it with a token of that user.
// The callback answers a browser (a redirect or an HTML page), never JSON.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/random.h"
#include "handlers/api_auth.h"
#include "handlers/api_reply.h"
#include "handlers/sources_api.h"
#include "store/oauth_state_store.h"

namespace triggerd {

// The console session of the browser that reached the callback.
struct CallbackBrowser {
  std::string user;
  std::string session;  // SessionStore::hashOf(its cookie)
};

class GitHubOAuth {
 public:
  // The answer for the browser and the outcome it is counted under (bound, handed_off,
  // unproven, refused).
  using CallbackDone = std::function<void(ApiReply, const char* outcome)>;

  GitHubOAuth(SourcesApi& sources, OAuthStateStore& states, HttpClient& http, Random& rng);

  // Called from the console (`caller.session` set), the flow must end in that session; from the
  // API, by handoff when github.oauth_handoff_url is set, else in any console session of `user`.
  // 200 {"authorize_url", "expires_in", "completion": "session" | "handoff"}.
  void authorize(const std::string& user, const Principal& caller, ApiDone done);
  void callback(const std::map<std::string, std::string>& query,
                std::optional<CallbackBrowser> browser, CallbackDone done);
  // POST .../sources/github/complete {"handoff": "<code>"}: 201 {"source"} as a token binding.
  void complete(const std::string& user, std::string_view body, ApiDone done);

  static constexpr std::chrono::seconds kStateTtl{600};

 private:
  class GrantFlow;
  class CallbackFlow;
  class CompleteFlow;
  GitHubApi api() const;
  std::string callbackUrl() const;

  SourcesApi& sources_;
  OAuthStateStore& states_;
  HttpClient& http_;
  Random& rng_;
};

// An HTML page for the browser end of the OAuth flow; `link` (a path and its text) is offered
// below the message when set.
std::string oauthPage(const std::string& title, const std::string& message,
                      const std::pair<std::string, std::string>& link = {});

}  // namespace triggerd
