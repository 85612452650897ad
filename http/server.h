// HttpServer: one evhttp listener ("public" or "admin") with triggerd's hardening on top.
//
// libevent 2.1.12's evhttp has per-read/per-write timeouts and size caps but no connection cap,
// no whole-request deadline and no hook when a connection opens or closes. HttpServer adds them
// with public libevent API only (docs/http-limits.md has the full reasoning):
//
// * Connection tracking: evhttp_set_bevcb() tells us about every accepted connection (we create
//   its bufferevent). A task on the same loop turn finds the evhttp_connection (libevent keeps it
//   as the bufferevent's callback argument) and registers evhttp_connection_set_closecb(), which
//   libevent calls exactly once from evhttp_connection_free(). A bufferevent reference held
//   across that gap makes the hand-over safe even if libevent frees the connection first.
// * Connection cap: at max_connections the listeners are disabled (the kernel backlog holds new
//   clients: backpressure, not refusal) and re-enabled when a connection closes.
// * Whole-request deadline (slowloris): a per-connection timer from the first byte of a request
//   (from accept for the first one) until evhttp hands us the complete request; on expiry the
//   connection is freed. Keep-alive gaps are bounded by idle_timeout (evhttp's read timeout).
// * Size caps: evhttp_set_max_body_size/_headers_size. libevent answers violations itself with
//   an HTML page; HttpServer swaps that answer for a JSON one before it is written and the
//   connection is closed (no lingering read of the rest of an oversize body).
// * Close detection: while a handler works asynchronously, reads stay on (with evhttp's read
//   callback parked) so a client that disconnects is noticed: its RequestContext dies and its
//   cancel hooks run.
//
// Threading: everything runs on the loop thread. The process must ignore SIGPIPE (libevent
// writes to sockets the peer may have closed).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "common/result.h"
#include "http/request_context.h"
#include "http/router.h"
#include "loop/event_loop.h"
#include "loop/libevent_ptr.h"

struct bufferevent;
struct evbuffer_cb_info;
struct evhttp_bound_socket;

namespace triggerd {

struct HttpConnection;  // per-connection state, defined in server.cpp

class HttpServer {
 public:
  struct Options {
    std::string name = "public";               // metrics/log label; fixed for the server's life
    size_t max_body_bytes = 10 * 1024 * 1024;  // larger bodies: 413, connection closed
    size_t max_header_bytes = 64 * 1024;       // request line + headers; larger: 431
    // Whole request, from its first byte until it is fully read (the first request on a
    // connection counts from accept). Expiry closes the connection.
    std::chrono::milliseconds request_timeout{10000};
    // Keep-alive gap between requests, and the per-read/per-write stall limit.
    std::chrono::milliseconds idle_timeout{30000};
    int max_connections = 1024;  // open connections; beyond it accepting pauses
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
  // Caveat: libevent 2.1.12 reads an unnamed unix peer's address from an uninitialised buffer
  // (libevent issue #807); see docs/http-limits.md.
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
  // SIGHUP: applies new limits (name is ignored). Size caps and the idle timeout also apply to
  // open connections; the request deadline applies from the next request.
  void updateLimits(const Options& options);

  size_t connectionCount() const { return conns_.size(); }
  bool draining() const { return draining_; }
  bool accepting() const { return listening_; }
  const Options& options() const { return options_; }
  const std::string& name() const { return options_.name; }

 private:
  friend class RequestContext;
  struct Listener {
    evhttp_bound_socket* bound = nullptr;
    bool is_unix = false;
    std::string unix_path;  // set when we created the socket file (and must remove it)
    dev_t dev = 0;
    ino_t ino = 0;
  };

  Status addListener(evconnlistener* lev, bool is_unix, std::string unix_path);
  void removeListeners();
  void updateAccepting();

  // libevent trampolines (noexcept; exceptions become log lines or a 500).
  static bufferevent* onNewConnection(event_base* base, void* arg) noexcept;
  static void onRequest(evhttp_request* req, void* arg) noexcept;
  static void onConnectionClosed(evhttp_connection* evcon, void* arg) noexcept;
  static void onReplyFlushed(evhttp_request* req, void* arg) noexcept;
  static void onInput(evbuffer* buf, const evbuffer_cb_info* info, void* arg) noexcept;
  static void onOutput(evbuffer* buf, const evbuffer_cb_info* info, void* arg) noexcept;
  static void onAcceptError(evconnlistener* lev, void* arg) noexcept;
  static void onTasks(evutil_socket_t, short, void* arg) noexcept;

  bufferevent* newConnection(event_base* base);
  bool registerConnection(HttpConnection& conn);
  void dispatch(evhttp_request* req);
  void route(const RequestPtr& ctx, const char* query);
  void connectionClosed(HttpConnection& conn);
  void forget(HttpConnection& conn);
  void startRequest(HttpConnection& conn);
  void onDeadline(HttpConnection& conn);
  void parkReading(HttpConnection& conn);
  void rewriteLibeventAnswer(HttpConnection& conn);
  void closeIdleConnections();
  void scheduleTasks();
  void runTasks();
  void maybeFinishDrain();
  HttpConnection* find(uint64_t id);
  void setGauge();

  // Called by RequestContext.
  void onReplying(HttpConnection* conn, RequestContext& ctx, evhttp_request* req, int status,
                  std::string_view reason);
  void onClientGone(RequestContext& ctx);

  EventLoop& loop_;
  Metrics& metrics_;
  Options options_;
  Router* router_ = nullptr;
  EvhttpPtr http_;
  EventPtr tasks_ev_;
  std::unique_ptr<Timer> accept_backoff_;
  std::vector<Listener> listeners_;

  std::unordered_map<uint64_t, std::unique_ptr<HttpConnection>> conns_;
  std::unordered_map<bufferevent*, HttpConnection*> by_bev_;
  uint64_t next_conn_id_ = 1;

  // Work for the task event (a later callback of the same loop turn).
  std::vector<uint64_t> to_register_;
  std::vector<uint64_t> to_rewrite_;
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

  SecureRandom rng_;
  SystemClock clock_;
};

}  // namespace triggerd
