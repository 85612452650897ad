// Clone credentials for a private repository from triggerd's admin API:
// POST <api.url>/api/v1/runner/jobs/{id}/credentials with the runner token. The answer,
// {"username", "password", "expires_at"}, is valid for the job's clone_url while the job runs on
// this runner; it lives in memory only and is handed to the one git process that fetches.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>

#include "common/result.h"
#include "http/client.h"

namespace triggerd {

struct CloneCredentials {
  std::string username;
  std::string password;  // never logged
  std::string expires_at;
};

class CredentialsClient {
 public:
  struct Options {
    std::string api_url;  // "http://127.0.0.1:8081": no trailing slash
    std::string token;    // the runner token; never logged
    std::optional<std::string> ca_pem;
    std::chrono::milliseconds timeout{15000};
    std::string runner;  // this runner's name, sent in the body
  };

  CredentialsClient(HttpClient& http, Options options);
  // Cancels what is in flight: no callback runs afterwards.
  ~CredentialsClient();
  CredentialsClient(const CredentialsClient&) = delete;
  CredentialsClient& operator=(const CredentialsClient&) = delete;

  bool configured() const { return !options_.api_url.empty() && !options_.token.empty(); }

  // Errors by kind: kUnauthenticated/kForbidden (the runner token is refused), kNotFound (no
  // such job), kConflict (the job is not running on this runner), kUpstream (triggerd failed or
  // answered something unreadable: worth a retry), kUpstreamTimeout. Returns kInvalid, and
  // never calls back, when api.url or the token is not configured.
  Status fetch(const std::string& job_id, int attempt,
               std::function<void(Result<CloneCredentials>)> cb);

 private:
  HttpClient& http_;
  Options options_;
  std::unordered_set<HttpRequestId> in_flight_;
};

}  // namespace triggerd
