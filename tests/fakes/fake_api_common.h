// Request/response model and pagination helpers shared by FakeGitHub and FakeGitLab. The fakes'
// routing works on these, so it can be driven directly as well as over a socket.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/client.h"
#include "tests/support/tls_server.h"

namespace triggerd::testing {

struct FakeApiRequest {
  std::string method;
  std::string target;  // path and query exactly as received (percent-encoding intact)
  HttpHeaders headers;
  std::string body;

  std::string header(std::string_view name) const;  // case-insensitive; "" when absent
  bool hasHeader(std::string_view name) const;
  std::string rawPath() const;  // target up to '?'
  // Decoded query parameter (first occurrence).
  std::optional<std::string> query(std::string_view name) const;
};

struct FakeApiResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
};

FakeApiResponse jsonAnswer(int status, std::string body);
// A FakeHttpServer handler that routes every request through `handle` (the fakes' routing).
FakeHttpServer::Handler serveApi(std::function<FakeApiResponse(const FakeApiRequest&)> handle);
FakeApiResponse htmlAnswer(int status, std::string title);

// Splits a raw path into percent-decoded segments ("/a/b%2Fc" → {"a", "b/c"}); nullopt on a
// bad escape. %2F stays inside its segment, as GitLab's :id expects.
std::optional<std::vector<std::string>> pathSegments(std::string_view raw_path);

// One page of an offset-paginated list.
struct PageSlice {
  size_t begin = 0;  // [begin, end) of the full list
  size_t end = 0;
  int page = 1;
  int per_page = 30;
  int total_pages = 1;  // at least 1, as both providers report for an empty list
};

// Offset pagination as GitHub and GitLab do it: page defaults to 1, per_page to
// `default_per_page`, and is clamped to 1..100.
PageSlice slicePage(size_t total, const FakeApiRequest& request, int default_per_page);

// `target` with query parameter `name` set to `value` (replaced or appended).
std::string withQueryParam(std::string_view target, std::string_view name, std::string_view value);

// `<url>; rel="name"` joined with ", ".
std::string linkHeader(const std::vector<std::pair<std::string, std::string>>& url_rel);

std::string jsonEscape(std::string_view s);  // a quoted JSON string

// A branch or tag of a fake repository.
struct FakeRef {
  std::string name;
  std::string sha;
  bool is_protected = false;
};

// `count` refs named prefix + zero-padded index ("branch-007"), each with a stable SHA of its
// own derived from `scope` ("octo/app/heads/") and its name.
std::vector<FakeRef> generatedRefs(const std::string& scope, const std::string& prefix, int count);

// The loopback server a fake API answers on, plain HTTP or TLS with its own CA. The owner
// destroys it first, so that the server thread stops before the state it reads goes.
class FakeApiHost {
 public:
  FakeApiHost(bool tls, std::function<FakeApiResponse(const FakeApiRequest&)> handle);
  ~FakeApiHost();
  FakeApiHost(const FakeApiHost&) = delete;
  FakeApiHost& operator=(const FakeApiHost&) = delete;

  int port() const;
  std::string caPem() const;  // "" without TLS
  std::string url() const;    // http(s)://127.0.0.1:port

 private:
  const bool tls_;
  std::unique_ptr<FakeHttpServer> server_;
  // Copied from the server once it runs: the server thread reads them, never server_ itself.
  mutable std::mutex mu_;
  int port_ = 0;
  std::string ca_pem_;
};

}  // namespace triggerd::testing
