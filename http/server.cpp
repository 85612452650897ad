#include "http/server.h"

#include <arpa/inet.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"

namespace triggerd {
namespace {

constexpr std::chrono::milliseconds kAcceptBackoff{500};
constexpr std::chrono::seconds kCapLogInterval{10};
// What a client over the per-address cap is told to wait before trying again.
constexpr const char* kAddressRetryAfterSeconds = "5";

// "203.0.113.7:51234", "[2001:db8::1]:443", or "unix".
std::string peerName(const sockaddr* address, socklen_t length) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return address->sa_family == AF_UNIX ? "unix" : "unknown";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction, listeners

HttpServer::HttpServer(EventLoop& loop, Metrics& metrics, Options options)
    : loop_(loop), metrics_(metrics), options_(std::move(options)) {
  tasks_ev_.reset(event_new(loop_.base(), -1, 0, &HttpServer::onTasks, this));
  if (!tasks_ev_) std::abort();  // out of memory at start-up
  accept_backoff_ = loop_.createTimer([this] {
    accept_paused_ = false;
    updateAccepting();
  });
  setGauge();
}

HttpServer::~HttpServer() {
  destroying_ = true;
  // Listeners first: closing connections below must not re-enable a freed listener.
  removeListeners();
  stopped_ = true;
  std::vector<HttpConnection*> open;
  for (auto& [id, conn] : conns_) open.push_back(conn.get());
  for (HttpConnection* conn : open) conn->close("server destroyed");
  auto cancel = std::move(to_cancel_);
  for (auto& ctx : cancel) ctx->runCancelHooks();
}

Status HttpServer::bindTcp(const std::string& host, uint16_t port) {
  return addListener(listenTcp(host, port, options_.reuse_port));
}

Status HttpServer::bindUnix(const std::string& path) {
  return addListener(listenUnix(path));
}

Status HttpServer::adoptFd(int fd) {
  return addListener(adoptListenSocket(fd));
}

Status HttpServer::addListener(Result<ListenSocket> socket) {
  if (!socket.ok()) return socket.error();
  if (stopped_) {
    closeListenSocket(*socket);
    return Error::internal("listener " + options_.name + " is stopped");
  }
  // Not LEV_OPT_CLOSE_ON_FREE: closeListenSocket() closes the socket and removes its file.
  evconnlistener* lev = evconnlistener_new(loop_.base(), &HttpServer::onAccept, this,
                                           LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED, 0, socket->fd);
  if (!lev) {
    closeListenSocket(*socket);
    return Error::internal("evconnlistener_new failed for listener " + options_.name);
  }
  evconnlistener_set_error_cb(lev, &HttpServer::onAcceptError);
  Listener l;
  l.lev.reset(lev);
  l.socket = std::move(*socket);
  listeners_.push_back(std::move(l));
  if (listening_)
    evconnlistener_enable(lev);
  else
    updateAccepting();
  return okStatus();
}

void HttpServer::removeListeners() {
  for (auto& l : listeners_) {
    l.lev.reset();
    closeListenSocket(l.socket);
  }
  listeners_.clear();
  listening_ = false;
}

uint16_t HttpServer::boundPort() const {
  for (const auto& l : listeners_) {
    if (l.socket.is_unix) continue;
    if (uint16_t port = localPort(l.socket.fd)) return port;
  }
  return 0;
}

// Enables the listeners while there is room for another connection, disables them otherwise:
// a disabled evconnlistener leaves new clients in the kernel's accept queue (backpressure).
// Disabling from inside the accept callback also ends libevent's accept loop for this turn.
void HttpServer::updateAccepting() {
  size_t cap = static_cast<size_t>(std::max(options_.max_connections, 1));
  bool at_cap = conns_.size() >= cap;
  bool want = !stopped_ && !accept_paused_ && !at_cap && !listeners_.empty();
  if (want == listening_) return;
  for (auto& l : listeners_) {
    if (want)
      evconnlistener_enable(l.lev.get());
    else
      evconnlistener_disable(l.lev.get());
  }
  listening_ = want;
  if (!want && at_cap && !stopped_) {
    metrics_.inc("triggerd_http_rejected_total",
                 {{"listener", options_.name}, {"reason", "connection_limit"}});
    // Under a flood this toggles per connection: log the first pause, then every 10 s.
    auto now = std::chrono::steady_clock::now();
    if (last_cap_log_ == std::chrono::steady_clock::time_point() ||
        now - last_cap_log_ >= kCapLogInterval) {
      last_cap_log_ = now;
      TLOG_WARN("http", "listener=%s connections=%zu reached max_connections, pausing accept",
                options_.name.c_str(), conns_.size());
    }
  }
}

void HttpServer::stopAccepting() {
  stopped_ = true;
  removeListeners();
}

void HttpServer::drain(std::function<void()> on_idle) {
  on_idle_ = std::move(on_idle);
  draining_ = true;
  stopAccepting();
  close_idle_ = true;  // from the task event: drain() may be called from inside a handler
  scheduleTasks();
  maybeFinishDrain();
}

void HttpServer::updateLimits(const Options& options) {
  std::string name = options_.name;
  options_ = options;
  options_.name = std::move(name);
  for (auto& [id, conn] : conns_) conn->applyLimits();
  updateAccepting();
}

Http1Parser::Limits HttpServer::parserLimits() const {
  Http1Parser::Limits limits;
  limits.max_head_bytes = options_.max_header_bytes;
  limits.max_body_bytes = options_.max_body_bytes;
  return limits;
}

void HttpServer::setGauge() {
  metrics_.set("triggerd_http_connections", {{"listener", options_.name}},
               static_cast<double>(conns_.size()));
}

HttpConnection* HttpServer::find(uint64_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second.get();
}

bool HttpServer::isServedMethod(std::string_view m) {
  return m == "GET" || m == "POST" || m == "HEAD" || m == "PUT" || m == "PATCH" || m == "DELETE" ||
         m == "OPTIONS";
}

std::string HttpServer::newRequestId() {
  return newUlid(rng_, clock_.unixMillis());
}

// ---------------------------------------------------------------------------------------------
// Connections

void HttpServer::onAccept(evconnlistener*, evutil_socket_t fd, sockaddr* address, int length,
                          void* arg) noexcept {
  auto* self = static_cast<HttpServer*>(arg);
  try {
    self->accept(fd, address, static_cast<socklen_t>(length));
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "listener=%s accepting a connection failed: %s", self->options_.name.c_str(),
               e.what());
  } catch (...) {
    TLOG_ERROR("http", "listener=%s accepting a connection failed", self->options_.name.c_str());
  }
}

void HttpServer::accept(int fd, const sockaddr* address, socklen_t length) {
  auto key = AddressLimits::keyOf(address, length);
  HttpConnection* conn = nullptr;
  try {
    if (key) {
      // Answers go out in one send() each: nothing to gain from Nagle's delay.
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    uint64_t id = next_conn_id_;
    auto owned = std::make_unique<HttpConnection>(
        *this, fd, id, std::make_shared<const std::string>(peerName(address, length)));
    conn = owned.get();
    conns_.emplace(id, std::move(owned));
    ++next_conn_id_;
  } catch (...) {
    if (!conn) ::close(fd);  // else the connection owns it
    throw;
  }
  // From here the connection owns the socket; counted in conns_ until connectionClosed().
  try {
    bool over_address_cap = key && !addresses_.tryAdd(*key, options_.max_connections_per_address);
    if (key && !over_address_cap) conn->setAddress(*key);
    setGauge();
    updateAccepting();
    if (over_address_cap)
      refuseAddress(*conn);
    else
      conn->start();
  } catch (...) {
    conn->close("internal error");
    throw;
  }
}

// A client over max_connections_per_address: a canned 503 without reading its request.
void HttpServer::refuseAddress(HttpConnection& conn) {
  metrics_.inc("triggerd_http_rejected_total",
               {{"listener", options_.name}, {"reason", "address_limit"}});
  std::string message = "too many connections from your address (limit " +
                        std::to_string(options_.max_connections_per_address) +
                        "); retry later or reuse connections";
  // A flood would log a line per connection: log the first, then a count every 10 s.
  ++address_refusals_unlogged_;
  auto now = std::chrono::steady_clock::now();
  if (last_address_log_ == std::chrono::steady_clock::time_point() ||
      now - last_address_log_ >= kCapLogInterval) {
    TLOG_WARN("http", "listener=%s peer=%s status=503 reason=address_limit refused=%llu %s",
              options_.name.c_str(), conn.peer()->c_str(),
              static_cast<unsigned long long>(address_refusals_unlogged_), message.c_str());
    last_address_log_ = now;
    address_refusals_unlogged_ = 0;
  }
  ResponseHeaders extra{{"Retry-After", kAddressRetryAfterSeconds}};
  conn.startRefused(503, json::errorBody(message, "connection"), extra, newRequestId());
}

void HttpServer::connectionClosed(HttpConnection& conn, RequestContext* pending) {
  if (pending) {
    // A pending context is referenced by its handler (else release() would have answered it).
    RequestPtr keep = pending->weak_from_this().lock();
    pending->onConnectionLost();
    if (keep) {
      to_cancel_.push_back(std::move(keep));
      scheduleTasks();
    }
  }
  if (conn.address()) addresses_.remove(*conn.address());
  auto it = conns_.find(conn.id());
  if (it != conns_.end()) {
    // Deferred: we may be inside this connection's own callback.
    loop_.deferredDelete(std::move(it->second));
    conns_.erase(it);
  }
  setGauge();
  if (!destroying_) {
    updateAccepting();
    maybeFinishDrain();
  }
}

void HttpServer::scheduleResume(HttpConnection& conn) {
  to_resume_.push_back(conn.id());
  scheduleTasks();
}

std::string HttpServer::countRefusal(const HttpConnection& conn, int status, const char* reason,
                                     std::string_view message) {
  std::string id = newRequestId();
  metrics_.inc("triggerd_http_rejected_total", {{"listener", options_.name}, {"reason", reason}});
  metrics_.inc(
      "triggerd_http_requests_total",
      {{"listener", options_.name}, {"route", "unmatched"}, {"status", std::to_string(status)}});
  TLOG_INFO("http", "listener=%s id=%s peer=%s status=%d reason=%s refused before routing: %s",
            options_.name.c_str(), id.c_str(), conn.peer()->c_str(), status, reason,
            log::logValue(message, 300).c_str());
  return id;
}

void HttpServer::countDeadline(const HttpConnection& conn, size_t bytes) {
  metrics_.inc("triggerd_http_rejected_total",
               {{"listener", options_.name}, {"reason", "deadline"}});
  TLOG_INFO("http", "listener=%s peer=%s bytes=%zu request not complete within %lldms, closing",
            options_.name.c_str(), conn.peer()->c_str(), bytes,
            static_cast<long long>(options_.request_timeout.count()));
}

// ---------------------------------------------------------------------------------------------
// Requests

void HttpServer::dispatch(HttpConnection& conn, IncomingRequest request) {
  // From here on the context owns the exchange: any failure is answered through it, once.
  RequestPtr ctx = RequestContext::wrap(new RequestContext(loop_));
  RequestContext& c = *ctx;
  c.server_ = this;
  c.conn_ = &conn;
  conn.setPending(&c);
  c.listener_ = options_.name;
  c.peer_ = conn.peer();
  c.arrival_ = request.arrival;
  c.received_at_ = clock_.now();
  c.method_.assign(request.method);
  try {
    c.id_ = newRequestId();
    if (request.path.empty())
      c.path_.assign("/");
    else
      c.path_.assign(request.path);
    c.body_ = request.body;
    c.storage_ = std::move(request.storage);
    c.pool_ = pool_;
    route(ctx, request.query);
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "listener=%s id=%s route=%s handler threw: %s", options_.name.c_str(),
               c.id_.c_str(), c.route_.c_str(), e.what());
    c.fail(Error::internal("internal error"));
  } catch (...) {
    TLOG_ERROR("http", "listener=%s id=%s route=%s handler threw", options_.name.c_str(),
               c.id_.c_str(), c.route_.c_str());
    c.fail(Error::internal("internal error"));
  }
}

void HttpServer::route(const RequestPtr& ctx, std::string_view query) {
  RequestContext& c = *ctx;
  auto clipped = [](const std::string& s) { return s.size() > 200 ? s.substr(0, 200) + "..." : s; };
  if (!router_) {
    c.fail(Error{404, "", "no route for " + c.method_ + " " + clipped(c.path_)});
    return;
  }
  Router::Match m = router_->match(c.method_, c.path_);
  switch (m.kind) {
    case Router::Match::Kind::kNotFound:
      c.fail(Error{404, "", "no route for " + c.method_ + " " + clipped(c.path_)});
      return;
    case Router::Match::Kind::kMethodNotAllowed:
      c.fail(Error{405, "", "method " + c.method_ + " not allowed for " + clipped(c.path_)},
             {{"Allow", m.allow}});
      return;
    case Router::Match::Kind::kBadPath:
      c.fail(m.error);
      return;
    case Router::Match::Kind::kFound:
      break;
  }
  c.route_ = m.route->pattern;
  c.params_ = std::move(m.params);
  if (!query.empty()) {
    auto parsed = parseForm(query);
    if (!parsed) {
      c.fail(Error::badRequest("query", "malformed percent-encoding in the query string"));
      return;
    }
    c.query_ = std::move(*parsed);
  }
  m.route->handler(ctx);
}

Metrics::Counter& HttpServer::requestCounter(const std::string& route, int status) {
  auto by_route = request_counters_.find(route);
  if (by_route == request_counters_.end()) by_route = request_counters_.try_emplace(route).first;
  auto it = by_route->second.find(status);
  if (it == by_route->second.end()) {
    it = by_route->second
             .try_emplace(status, metrics_.series("triggerd_http_requests_total",
                                                  {{"listener", options_.name},
                                                   {"route", route},
                                                   {"status", std::to_string(status)}}))
             .first;
  }
  return it->second;
}

void HttpServer::onReplying(RequestContext& ctx, int status, std::string_view reason) {
  requestCounter(ctx.route(), status).inc();
  if (status >= 400) {
    auto level = status >= 500 ? log::Level::kWarn : log::Level::kInfo;
    log::write(level, "http", "listener=%s id=%s method=%s path=%s route=%s status=%d peer=%s %s",
               options_.name.c_str(), ctx.id().c_str(), ctx.method().c_str(),
               log::logValue(ctx.path(), 200).c_str(), ctx.route().c_str(), status,
               ctx.peer().c_str(), log::logValue(reason, 300).c_str());
  } else {
    TLOG_DEBUG("http", "listener=%s id=%s method=%s route=%s status=%d", options_.name.c_str(),
               ctx.id().c_str(), ctx.method().c_str(), ctx.route().c_str(), status);
  }
}

void HttpServer::onClientGone(RequestContext& ctx) {
  requestCounter(ctx.route(), 499).inc();
  TLOG_INFO("http",
            "listener=%s id=%s method=%s route=%s peer=%s client closed the connection "
            "before the answer",
            options_.name.c_str(), ctx.id().c_str(), ctx.method().c_str(), ctx.route().c_str(),
            ctx.peer().c_str());
}

// ---------------------------------------------------------------------------------------------
// Accept errors, tasks, drain

void HttpServer::onAcceptError(evconnlistener* lev, void* arg) noexcept {
  int err = EVUTIL_SOCKET_ERROR();
  auto* self = static_cast<HttpServer*>(arg);
  try {
    // EMFILE/ENFILE/ENOBUFS: accept() keeps failing while the listener is readable, so back
    // off instead of spinning; the pending client waits in the backlog.
    TLOG_WARN("http", "listener=%s accept failed: %s; pausing %lldms", self->options_.name.c_str(),
              evutil_socket_error_to_string(err), static_cast<long long>(kAcceptBackoff.count()));
    self->accept_paused_ = true;
    self->updateAccepting();
    self->accept_backoff_->arm(kAcceptBackoff);
  } catch (...) {
    evconnlistener_disable(lev);
  }
}

void HttpServer::scheduleTasks() {
  event_active(tasks_ev_.get(), EV_TIMEOUT, 0);
}

void HttpServer::onTasks(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<HttpServer*>(arg);
  try {
    self->runTasks();
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "listener=%s server task threw: %s", self->options_.name.c_str(), e.what());
  } catch (...) {
    TLOG_ERROR("http", "listener=%s server task threw", self->options_.name.c_str());
  }
}

void HttpServer::runTasks() {
  auto cancel = std::move(to_cancel_);
  to_cancel_.clear();
  for (auto& ctx : cancel) ctx->runCancelHooks();
  cancel.clear();

  auto resume = std::move(to_resume_);
  to_resume_.clear();
  for (uint64_t id : resume)
    if (HttpConnection* c = find(id)) c->resume();

  if (close_idle_) {
    close_idle_ = false;
    closeIdleConnections();
  }
  if (notify_idle_) {
    notify_idle_ = false;
    if (auto cb = std::move(on_idle_)) {
      on_idle_ = nullptr;
      TLOG_INFO("http", "listener=%s drained", options_.name.c_str());
      cb();  // last, so that nothing here depends on what it does
    }
  }
}

// Drain: connections with no request in progress are closed now; the others finish first.
void HttpServer::closeIdleConnections() {
  std::vector<uint64_t> ids;
  for (auto& [id, conn] : conns_) ids.push_back(id);
  for (uint64_t id : ids)
    if (HttpConnection* c = find(id)) c->closeWhenIdle();
}

void HttpServer::maybeFinishDrain() {
  if (draining_ && conns_.empty() && on_idle_ && !destroying_) {
    notify_idle_ = true;
    scheduleTasks();
  }
}

}  // namespace triggerd
