// HttpClient seam: outbound HTTP(S) to GitHub/GitLab on the loop. CurlMultiClient implements it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace triggerd {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  std::string body;
  // PEM CA bundle trusted for this request instead of the system store (GitLab on a private CA).
  std::optional<std::string> ca_pem;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{15000};
  size_t max_response_bytes = 8 * 1024 * 1024;
  // An http:// request carrying a credential: refused unless the address connected to lies in
  // security.allowed_networks (a network the operator vouches for), so a token never crosses
  // the internet unencrypted.
  bool cleartext_needs_allowed_network = false;
  // How long this request may wait for a provider's rate limit to pass (ProviderThrottle in
  // http/provider_throttle.h): background work waits; an API call answered while its caller
  // waits keeps 0 and gets the provider's answer (or a 429 made locally) at once.
  std::chrono::seconds rate_limit_patience{0};
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names as received; look up with header()
  std::string body;
  std::string effective_url;

  // Case-insensitive header lookup; the first value when repeated.
  std::optional<std::string_view> header(std::string_view name) const;
};

using HttpCallback = std::function<void(Result<HttpResponse>)>;
using HttpRequestId = uint64_t;

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Starts the request. `cb` runs exactly once, always on a later loop turn (never inline),
  // unless cancel(id) was called first. Transport failures (DNS, connect, TLS, timeout, size
  // cap, refused address) arrive as Error{502 or 504} with a message naming the cause; any HTTP
  // status, including 4xx/5xx, arrives as an HttpResponse.
  virtual HttpRequestId send(HttpRequest request, HttpCallback cb) = 0;
  virtual void cancel(HttpRequestId id) = 0;
};

}  // namespace triggerd
