// FakeHttpServer: a small in-process HTTP or HTTPS server for tests (fake GitHub/GitLab APIs,
// outbound client tests). evhttp on its own event_base and thread, bound to 127.0.0.1 on an
// ephemeral port. In TLS mode it generates, at construction, a fresh self-signed CA and a leaf
// certificate for 127.0.0.1, ::1 and localhost (OpenSSL APIs, nothing on disk); clients trust
// caPem().
//
//   FakeHttpServer server([](const FakeRequest& req) {
//     if (req.path == "/api/v4/user") return FakeResponse::json(200, R"({"id": 1})");
//     return FakeResponse{404};
//   }, {.tls = true});
//   request.url = server.url("/api/v4/user");
//   request.ca_pem = server.caPem();
//   ...
//   EXPECT_EQ(server.requests().at(0).header("PRIVATE-TOKEN"), "glpat-...");
//
// The handler runs on the server thread: whatever it captures must be safe to touch from there
// (atomics, or state set up before the request is sent). Records are read under a lock.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace triggerd::testing {

using FakeHeaders = std::vector<std::pair<std::string, std::string>>;

struct FakeRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // as sent (still percent-encoded), without the query: "/repos/octo/app"
  std::string query;   // raw, without '?': "per_page=100&page=2"
  FakeHeaders headers;
  std::string body;

  std::string header(const std::string& name) const;  // case-insensitive; "" when absent
};

struct FakeResponse {
  int status = 200;
  FakeHeaders headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // answer this much later (timeouts, concurrency)
  bool hang = false;                   // never answer (until the client gives up)
  bool chunked = false;                // Transfer-Encoding: chunked, no Content-Length

  static FakeResponse json(int status, std::string body);
  static FakeResponse text(int status, std::string body);
};

struct FakeHttpServerOptions {
  bool tls = false;  // HTTPS with a fresh private CA (caPem())
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;
  using Options = FakeHttpServerOptions;

  // Binds and starts serving before returning. Without a handler every request gets 404.
  // Sets SIGPIPE to SIG_IGN for the process (a client may hang up mid-reply).
  explicit FakeHttpServer(Handler handler = {}, Options options = {});
  ~FakeHttpServer();  // stops the thread; pending delayed or hanging requests are dropped
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  bool tls() const { return options_.tls; }
  // "http://127.0.0.1:<port>" or "https://127.0.0.1:<port>", plus path_and_query.
  std::string url(const std::string& path_and_query = "") const;
  const std::string& caPem() const { return ca_pem_; }  // PEM of the CA; empty without TLS

  void setHandler(Handler handler);
  std::vector<FakeRequest> requests() const;
  size_t requestCount() const;
  // TCP connections accepted so far (counted before any TLS handshake or request).
  size_t connectionCount() const { return connections_.load(); }
  bool waitForRequests(size_t n,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const;

 private:
  struct State;  // libevent and OpenSSL objects, owned by the server thread while it runs

  Options options_;
  int port_ = 0;
  std::string ca_pem_;
  std::atomic<size_t> connections_{0};
  mutable std::mutex mu_;
  Handler handler_;                    // guarded by mu_
  std::vector<FakeRequest> requests_;  // guarded by mu_
  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace triggerd::testing
