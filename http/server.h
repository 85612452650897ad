// HttpServer: one inbound listener ("public" or "admin"): a strict HTTP/1.1 server of triggerd's
// own on libevent (docs/http-limits.md has what a client sees for every limit and refusal).
//
// * Accepting: evconnlistener on sockets from http/listen_socket.h. Each accepted socket becomes
//   an HttpConnection (http/connection.h): plain recv()/send(), the pure Http1Parser, requests
//   read into a pooled buffer that moves into the RequestContext without a copy.
// * Connection cap: at max_connections the listeners are disabled (the kernel backlog holds new
//   clients: backpressure, not refusal) and re-enabled when a connection closes.
// * Per-address cap (max_connections_per_address, 0 = none): a connection beyond it gets a
//   canned 503 with Retry-After and is closed.
// * Whole-request deadline (slowloris), keep-alive idle timeout, write stall limit.
// * Size caps (413/431) and every framing refusal (400) are answered as JSON with
//   "Connection: close", then the connection lingers (reads and drops input, bounded) so that
//   the client gets the answer rather than a reset.
// * Close detection: while a handler works asynchronously the socket stays readable, so a client
//   that disconnects is noticed: its RequestContext dies and its cancel hooks run.
//
// Threading: everything runs on the loop thread. Writes use MSG_NOSIGNAL: no SIGPIPE from here.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "common/result.h"
#include "http/address_limits.h"
#include "http/connection.h"
#include "http/http1_parser.h"
#include "http/listen_socket.h"
#include "http/request_context.h"
#include "http/request_storage.h"
#include "http/responses.h"
#include "http/router.h"
#include "loop/event_loop.h"
#include "loop/libevent_ptr.h"

namespace triggerd {

class HttpServer {
 public:
  struct Options {
    std::string name = "public";               // metrics/log label; fixed for the server's life
    size_t max_body_bytes = 10 * 1024 * 1024;  // larger bodies: 413, connection closed
    size_t max_header_bytes = 64 * 1024;       // request line + headers; larger: 431
    // Whole request, from its first byte until it is fully read (the first request on a
    // connection counts from accept). Expiry closes the connection.
    std::chrono::milliseconds request_timeout{10000};
    // Keep-alive gap between requests, and how long an answer may stall unread.
    std::chrono::milliseconds idle_timeout{30000};
    int max_connections = 1024;  // open connections; beyond it accepting pauses
    // Open connections from one IP address; beyond it a 503 answer. 0: no limit.
    size_t max_connections_per_address = 256;
    // bindTcp() sets SO_REUSEPORT: other processes may listen on the same port (several
    // triggerd processes on one machine). Read at bind time only.
    bool reuse_port = false;
  };

  HttpServer(EventLoop& loop, Metrics& metrics, Options options);
  // Closes every connection; pending RequestContexts die and their cancel hooks run.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on an IP literal ("0.0.0.0", "::1", "127.0.0.1"); port 0 picks a free port.
  Status bindTcp(const std::string& host, uint16_t port);
  // Listens on a unix socket with mode 0660. A stale socket file (nobody listening) is replaced;
  // a live one or a non-socket file is an error. The file is removed again on close.
  Status bindUnix(const std::string& path);
  // Serves an already-listening stream socket (systemd socket activation). Takes ownership.
  Status adoptFd(int fd);
  // The local port of the first TCP listener (0 if none): for tests binding port 0.
  uint16_t boundPort() const;

  // The route table; must outlive the server. Without one every request gets 404.
  void setRouter(Router& router) { router_ = &router; }

  // Stops listening (closes the listening sockets); open connections carry on.
  void stopAccepting();
  // Graceful shutdown (SIGTERM): stop listening, close idle keep-alive connections, let
  // requests in progress finish (their answers carry "Connection: close"), then call on_idle
  // once, on a later loop turn, when no connection is left. on_idle runs from the server's own
  // task event: it may stop the loop, but must not destroy the server inline (defer that).
  void drain(std::function<void()> on_idle);
  // SIGHUP: applies new limits (name is ignored). Size caps apply from each connection's next
  // request, timeouts from the next deadline; the connection caps at once.
  void updateLimits(const Options& options);

  size_t connectionCount() const { return conns_.size(); }
  bool draining() const { return draining_; }
  bool accepting() const { return listening_; }
  const Options& options() const { return options_; }
  const std::string& name() const { return options_.name; }

 private:
  friend class RequestContext;
  friend class HttpConnection;

  struct Listener {
    EvconnListenerPtr lev;
    ListenSocket socket;
  };

  // Methods with routes in triggerd; others are answered 405 before the body is read.
  static constexpr std::string_view kServedMethods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
  static bool isServedMethod(std::string_view method);

  Status addListener(Result<ListenSocket> socket);
  void removeListeners();
  void updateAccepting();

  // libevent trampolines (noexcept; exceptions become log lines).
  static void onAccept(evconnlistener* lev, evutil_socket_t fd, sockaddr* address, int length,
                       void* arg) noexcept;
  static void onAcceptError(evconnlistener* lev, void* arg) noexcept;
  static void onTasks(evutil_socket_t, short, void* arg) noexcept;

  void accept(int fd, const sockaddr* address, socklen_t length);
  void refuseAddress(HttpConnection& conn);
  void route(const RequestPtr& ctx, std::string_view query);
  void scheduleTasks();
  void runTasks();
  void closeIdleConnections();
  void maybeFinishDrain();
  HttpConnection* find(uint64_t id);
  void setGauge();
  Http1Parser::Limits parserLimits() const;
  std::string newRequestId();

  // Called by HttpConnection.
  void dispatch(HttpConnection& conn, IncomingRequest request);
  void connectionClosed(HttpConnection& conn, RequestContext* pending);
  void scheduleResume(HttpConnection& conn);
  // Counts and logs a refusal answered before routing; returns the answer's request id.
  std::string countRefusal(const HttpConnection& conn, int status, const char* reason,
                           std::string_view message);
  void countDeadline(const HttpConnection& conn, size_t bytes);

  // Called by RequestContext.
  void onReplying(RequestContext& ctx, int status, std::string_view reason);
  void onClientGone(RequestContext& ctx);
  // triggerd_http_requests_total of this listener for (route, status): made on first use and
  // kept, so answering builds no labels (routes and statuses are few).
  Metrics::Counter& requestCounter(const std::string& route, int status);

  EventLoop& loop_;
  Metrics& metrics_;
  std::map<std::string, std::map<int, Metrics::Counter>, std::less<>> request_counters_;
  Options options_;
  Router* router_ = nullptr;
  EventPtr tasks_ev_;
  std::unique_ptr<Timer> accept_backoff_;
  std::vector<Listener> listeners_;

  std::unordered_map<uint64_t, std::unique_ptr<HttpConnection>> conns_;
  AddressLimits addresses_;
  uint64_t next_conn_id_ = 1;
  std::shared_ptr<RequestStoragePool> pool_ = std::make_shared<RequestStoragePool>();
  HttpDate date_;

  // Work for the task event (a later callback of the same loop turn).
  std::vector<uint64_t> to_resume_;
  std::vector<RequestPtr> to_cancel_;
  bool close_idle_ = false;
  bool notify_idle_ = false;

  bool listening_ = false;      // listeners currently enabled
  bool stopped_ = false;        // stopAccepting()/drain() called
  bool accept_paused_ = false;  // accept() failed (EMFILE...): backing off
  bool draining_ = false;
  bool destroying_ = false;
  std::function<void()> on_idle_;
  std::chrono::steady_clock::time_point last_cap_log_;
  std::chrono::steady_clock::time_point last_address_log_;
  uint64_t address_refusals_unlogged_ = 0;

  SecureRandom rng_;
  SystemClock clock_;
};

}  // namespace triggerd
