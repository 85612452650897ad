// triggerd's routes over its real components, without sockets: every store, API and flow the
// Daemon builds, on a FakeRedisClient and a loopback HTTP client (for the fake GitHub and GitLab
// servers). A call goes through the route table (registerRoutes), the {user} check and the
// access check to its handler, exactly as a request from the HTTP server would, and the captured
// reply comes back. The integration tests run the same routes in the real binary; these tests
// cover the handler logic case by case.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "credentials/resealer.h"
#include "credentials/token_checker.h"
#include "crypto/keyring.h"
#include "handlers/routes.h"
#include "hooks/hook_jobs.h"
#include "hooks/hook_service.h"
#include "http/curl_multi_client.h"
#include "http/router.h"
#include "jobs/clone_credentials.h"
#include "loop/event_loop.h"
#include "tests/fakes/fake_redis_client.h"
#include "tests/support/test_keys.h"

namespace triggerd::testing {

struct RouteHarnessOptions {
  std::string github_api_url = "https://api.github.com";
  std::string github_oauth_url = "https://github.com";
  std::string github_client_id;  // empty: the OAuth flow is not configured
  std::string github_client_secret;
  std::string github_oauth_handoff_url;  // empty: no handoff
  // The keyring: the key that seals, and previous keys that still open records.
  std::string master_key = masterKey('k');
  std::vector<std::string> previous_master_keys;
};

struct RouteReply {
  int status = 0;
  std::string content_type;
  std::string body;
  ResponseHeaders headers;
  std::string header(const std::string& name) const;  // "" when absent
  std::string errorField() const;                     // the "field" of an error body, or ""
};

class RouteHarness {
 public:
  static constexpr const char* kAdminToken = "admin-token-0123456789abcdef";
  static constexpr const char* kPublicBaseUrl = "https://triggerd.test";

  explicit RouteHarness(RouteHarnessOptions options = {});
  ~RouteHarness();

  // Calls `method` `target` ("/api/v1/users/alice/triggers?page=2") on the listener, with
  // "Authorization: Bearer <token>" when `token` is not empty, and runs the loop until the
  // handler answers.
  RouteReply call(const std::string& method, const std::string& target,
                  const std::string& token = "", const std::string& body = "",
                  Listener listener = Listener::kAdmin);
  // The same with any request headers (Cookie, X-CSRF-Token, ...), and no Authorization unless
  // `headers` has one.
  RouteReply request(const std::string& method, const std::string& target, HeaderList headers,
                     const std::string& body = "", Listener listener = Listener::kPublic);
  RouteReply admin(const std::string& method, const std::string& target,
                   const std::string& body = "") {
    return call(method, target, kAdminToken, body);
  }
  // A token minted for `user` with `role` ("user" or "runner"), straight through the store.
  std::string mintToken(const std::string& user, const std::string& role = "user");
  // A console session of `user` (signed in with a fresh user token): the Cookie header value
  // and the CSRF token the console sends on changes.
  struct ConsoleLogin {
    std::string cookie;
    std::string csrf;
    HeaderList headers() const { return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}; }
  };
  ConsoleLogin signIn(const std::string& user);
  // Creates a GitHub trigger for `user` through the API; answers its id.
  std::string createTrigger(const std::string& user);

  FakeRedisClient& redis() { return redis_; }
  EventLoop& loop() { return loop_; }
  ManualClock& clock() { return clock_; }
  TriggerStore& triggers() { return triggers_; }
  SourceStore& sources() { return sources_; }
  const Keys& keys() const { return keys_; }
  Metrics& metrics() { return metrics_; }
  HookService& hooks() { return hook_service_; }
  Router& router(Listener listener) {
    return listener == Listener::kAdmin ? admin_router_ : public_router_;
  }

 private:
  EventLoop loop_;
  FakeRedisClient redis_{loop_};
  Keys keys_;
  ManualClock clock_;
  SecureRandom rng_;
  Metrics metrics_;
  Keyring keyring_;
  SealedRecords records_{redis_, keyring_, rng_};
  TriggerStore triggers_{records_, keys_};
  SourceStore sources_{records_, keys_};
  ApiTokenStore tokens_{redis_, keys_};
  OAuthStateStore oauth_states_{redis_, keys_};
  SessionStore sessions_{redis_, keys_};
  JobQueue queue_{redis_, keys_};
  CurlMultiClient http_;
  WebhookIngest ingest_{triggers_, queue_, metrics_, clock_, rng_, WebhookOptions{}};
  ApiAuth auth_;
  ConsoleSessions console_;
  HookService hook_service_;
  HookJobs hook_jobs_{hook_service_, triggers_, clock_, rng_, 4};
  HooksApi hooks_api_{hook_jobs_};
  JobRecords job_records_{redis_, keys_};
  DeadLetters dead_letters_{redis_, queue_, clock_};
  RunsApi runs_api_{triggers_, sources_, queue_, job_records_, redis_,
                    http_,     clock_,   rng_,   metrics_,     RunsOptions{}};
  JobsApi jobs_api_{job_records_, dead_letters_};
  CloneCredentials credentials_{
      redis_, job_records_, sources_, http_, clock_, metrics_, CloneCredentialOptions{}};
  TriggersApi triggers_api_{triggers_, hook_service_, clock_, rng_,
                            TriggersOptions{kPublicBaseUrl}};
  SourcesApi sources_api_;
  GitHubOAuth oauth_{sources_api_, oauth_states_, http_, rng_};
  TokenChecker token_checker_{loop_, redis_, keys_,    "harness:1:test",   sources_,
                              http_, clock_, metrics_, TokenCheckOptions{}};
  Resealer resealer_{sources_, triggers_};
  Services services_;
  Router public_router_;
  Router admin_router_;
};

}  // namespace triggerd::testing
