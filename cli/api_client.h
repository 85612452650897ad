// A blocking libcurl (easy) client for the admin API. triggerctl makes one request at a time
// and waits for it, so the daemon's event-loop client would only add machinery.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace triggerd::cli {

inline constexpr std::string_view kDefaultUrl = "http://127.0.0.1:8081";

struct ClientOptions {
  std::string base_url = std::string(kDefaultUrl);  // may carry a path prefix
  std::string unix_socket;  // when set, connect here; base_url still gives the Host and prefix
  std::string token;        // bearer token; empty: no Authorization header
  long timeout_seconds = 30;
};

using ExtraHeaders = std::vector<std::pair<std::string, std::string>>;

struct ApiResponse {
  long status = 0;
  std::string body;
  std::string content_type;
};

class ApiClient {
 public:
  // The largest answer read; a bigger one is an error rather than unbounded memory.
  static constexpr size_t kMaxBodyBytes = 64u << 20;

  explicit ApiClient(ClientOptions options) : options_(std::move(options)) {}

  const ClientOptions& options() const { return options_; }
  std::string urlFor(std::string_view path) const;

  // Sends one request and waits for the answer. Any HTTP status (4xx/5xx included) is a
  // response; an Error means no answer came (refused, unresolvable, timed out, TLS failure):
  // its message is the transport's reason. `authenticated` = send the bearer token (never to
  // unauthenticated routes such as /readyz, which may sit on the public listener).
  // `headers` are added as they are (name, value), e.g. Idempotency-Key.
  Result<ApiResponse> call(std::string_view method, std::string_view path,
                           std::string_view body = {}, bool authenticated = true,
                           const ExtraHeaders& headers = {}) const;

 private:
  ClientOptions options_;
};

}  // namespace triggerd::cli
