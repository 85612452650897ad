// Request/response model and pagination helpers shared by FakeGitHub and FakeGitLab. The fakes'
// routing works on these, so it can be driven directly as well as over a socket.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
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
  int64_t committed_at = 0;  // unix seconds of the head commit; 0: 2026-11-20T08:00:00Z
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

// A rate limit as the fakes count it: `limit` requests per user in fixed windows of
// `window_seconds` (each starts at a multiple of it). A limit of 0 means none. Not thread-safe:
// the fakes call it under their own lock.
class FakeRateBudget {
 public:
  struct Count {
    int limit = 0;
    int used = 0;
    int64_t reset = 0;  // unix seconds when the window ends
  };
  void set(int limit, int64_t window_seconds);
  bool on() const { return limit_ > 0; }
  // Counts one request of `user` at `now`; false, and counted as refused, when the window's
  // budget is spent.
  bool spend(const std::string& user, int64_t now);
  Count count(const std::string& user, int64_t now);  // for the headers of an answer
  int64_t refused() const { return refused_; }

 private:
  struct Window {
    int64_t start = 0;
    int used = 0;
  };
  Window& window(const std::string& user, int64_t now);

  int limit_ = 0;
  int64_t length_ = 60;
  std::map<std::string, Window> users_;
  int64_t refused_ = 0;
};

}  // namespace triggerd::testing
