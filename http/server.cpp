#include "http/server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "http/responses.h"

namespace triggerd {

// One accepted connection. Created in the bevcb hook, destroyed (deferred) when libevent reports
// the connection freed. Lives in HttpServer::conns_; every pointer to it (closecb argument,
// evbuffer callbacks, the on-complete callback, timers) is dropped before it is deleted.
struct HttpConnection final : DeferredDeletable {
  enum class State {
    kReading,   // a request is arriving: the whole-request deadline runs
    kHandling,  // evhttp handed the request to us: no deadline, reads parked for close detection
    kIdle,      // keep-alive gap between requests: evhttp's read (idle) timeout runs
  };

  HttpServer* server = nullptr;
  uint64_t id = 0;
  bufferevent* bev = nullptr;
  evhttp_connection* evcon = nullptr;  // set once registered (see registerConnection)
  bool holds_ref = true;               // our bufferevent reference, dropped at registration
  bool closed = false;
  State state = State::kReading;
  size_t request_bytes = 0;  // bytes read for the current request (431 vs 400 heuristics)
  std::chrono::steady_clock::time_point request_start;
  std::unique_ptr<Timer> deadline;
  evbuffer_cb_entry* input_cb = nullptr;
  evbuffer_cb_entry* output_cb = nullptr;
  RequestContext* active = nullptr;  // the pending context, for close notification
  std::string peer = "unknown";
  bool rewriting = false;  // libevent's own answer is being replaced by a JSON one
  size_t rewrite_offset = 0;
  int rewrite_status = 0;
};

namespace {

constexpr int kBacklog = SOMAXCONN;
// While a handler works, bytes a client pipelines are buffered up to this much; beyond it
// reading pauses (and with it close detection) until the answer is written.
constexpr size_t kParkedReadLimit = 64 * 1024;
// Methods evhttp lets through to the router; the rest (TRACE, CONNECT, unknown tokens) are
// refused by libevent itself and answered 405 (see rewriteLibeventAnswer).
constexpr ev_uint16_t kAllowedMethods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                        EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
                                        EVHTTP_REQ_OPTIONS;
constexpr const char* kAllowedMethodsHeader = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
constexpr std::chrono::milliseconds kAcceptBackoff{500};

timeval toTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

ev_ssize_t toSsize(size_t n) {
  return n > static_cast<size_t>(INT64_MAX) ? -1 : static_cast<ev_ssize_t>(n);
}

std::string errnoText(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// evconnlistener error callbacks only get libevent's user data (the evhttp), so the server is
// found through this small registry. Several loops (tests) may run servers concurrently.
std::mutex g_servers_mu;
std::unordered_map<evhttp*, HttpServer*>& serverRegistry() {
  static auto* servers = new std::unordered_map<evhttp*, HttpServer*>();
  return *servers;
}

// Parses the status code out of "HTTP/1.1 413 ..."; -1 if it is not a status line.
int statusOfLine(std::string_view head) {
  if (head.substr(0, 5) != "HTTP/") return -1;
  size_t sp = head.find(' ');
  if (sp == std::string_view::npos) return -1;
  int status = 0;
  size_t i = sp + 1;
  for (; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i)
    status = status * 10 + (head[i] - '0');
  return i == sp + 1 ? -1 : status;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction, listeners

HttpServer::HttpServer(EventLoop& loop, Metrics& metrics, Options options)
    : loop_(loop), metrics_(metrics), options_(std::move(options)), http_(evhttp_new(loop.base())) {
  if (!http_) std::abort();  // out of memory at start-up
  tasks_ev_.reset(event_new(loop_.base(), -1, 0, &HttpServer::onTasks, this));
  accept_backoff_ = loop_.createTimer([this] {
    accept_paused_ = false;
    updateAccepting();
  });
  evhttp_set_bevcb(http_.get(), &HttpServer::onNewConnection, this);
  evhttp_set_gencb(http_.get(), &HttpServer::onRequest, this);
  evhttp_set_allowed_methods(http_.get(), kAllowedMethods);
  evhttp_set_default_content_type(http_.get(), "application/json");
  updateLimits(options_);
  {
    std::lock_guard<std::mutex> lock(g_servers_mu);
    serverRegistry()[http_.get()] = this;
  }
  setGauge();
}

HttpServer::~HttpServer() {
  destroying_ = true;
  {
    std::lock_guard<std::mutex> lock(g_servers_mu);
    serverRegistry().erase(http_.get());
  }
  // Listeners first: closing connections below must not re-enable a freed listener.
  removeListeners();
  stopped_ = true;
  // evhttp_free() frees every connection; registered ones report through onConnectionClosed,
  // so pending contexts die and queue their cancel hooks.
  http_.reset();
  // Connections libevent never reported (accepted this very turn): evhttp_free() freed their
  // bufferevents unless libevent never adopted them; drop what is left of ours.
  std::vector<HttpConnection*> rest;
  for (auto& [id, conn] : conns_) rest.push_back(conn.get());
  for (auto* conn : rest) {
    bufferevent_data_cb r = nullptr, w = nullptr;
    bufferevent_event_cb e = nullptr;
    void* arg = nullptr;
    bufferevent_getcb(conn->bev, &r, &w, &e, &arg);
    if (arg == conn) bufferevent_free(conn->bev);
    forget(*conn);
  }
  auto cancel = std::move(to_cancel_);
  for (auto& ctx : cancel) ctx->runCancelHooks();
}

Status HttpServer::bindTcp(const std::string& host, uint16_t port) {
  std::string addr = host.empty() ? "0.0.0.0" : host;
  if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']')
    addr = addr.substr(1, addr.size() - 2);
  std::string spec =
      (addr.find(':') != std::string::npos ? "[" + addr + "]" : addr) + ":" + std::to_string(port);
  sockaddr_storage ss{};
  int len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    return Error::internal("listen address " + spec + " is not an IP literal");
  }
  evconnlistener* lev = evconnlistener_new_bind(
      loop_.base(), nullptr, nullptr,
      LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED,
      kBacklog, reinterpret_cast<sockaddr*>(&ss), len);
  if (!lev) return Error::internal(errnoText("listen on " + spec));
  return addListener(lev, false, "");
}

Status HttpServer::bindUnix(const std::string& path) {
  sockaddr_un sun{};
  if (path.empty() || path.size() >= sizeof sun.sun_path)
    return Error::internal("unix socket path is empty or longer than " +
                           std::to_string(sizeof sun.sun_path - 1) + " bytes: " + path);
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());

  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return Error::internal(path + " exists and is not a socket; refusing to replace it");
    // A socket file is stale when nobody accepts on it (a crash or kill -9 left it behind).
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe < 0) return Error::internal(errnoText("socket"));
    int rc = connect(probe, reinterpret_cast<sockaddr*>(&sun), sizeof sun);
    int err = errno;
    close(probe);
    if (rc == 0 || err == EAGAIN || err == EINPROGRESS)
      return Error::internal("another process is listening on " + path);
    if (err != ECONNREFUSED)
      return Error::internal(path + ": cannot probe existing socket: " + std::strerror(err));
    if (unlink(path.c_str()) != 0 && errno != ENOENT)
      return Error::internal(errnoText("remove stale socket " + path));
    TLOG_INFO("http", "listener=%s removed stale socket %s", options_.name.c_str(), path.c_str());
  }

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::internal(errnoText("socket"));
  if (bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
    auto e = Error::internal(errnoText("bind " + path));
    close(fd);
    return e;
  }
  // Before listen(): until then a connect() is refused, so no client sees a wider mode.
  if (chmod(path.c_str(), 0660) != 0 || listen(fd, kBacklog) != 0 || stat(path.c_str(), &st) != 0) {
    auto e = Error::internal(errnoText("prepare " + path));
    close(fd);
    unlink(path.c_str());
    return e;
  }
  evconnlistener* lev =
      evconnlistener_new(loop_.base(), nullptr, nullptr,
                         LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 0, fd);
  if (!lev) {
    close(fd);
    unlink(path.c_str());
    return Error::internal("evconnlistener_new failed for " + path);
  }
  auto status = addListener(lev, true, path);
  if (status.ok()) {
    listeners_.back().dev = st.st_dev;
    listeners_.back().ino = st.st_ino;
  } else {
    unlink(path.c_str());
  }
  return status;
}

Status HttpServer::adoptFd(int fd) {
  int type = 0, listening = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
    return Error::internal("fd " + std::to_string(fd) + " is not a stream socket");
  len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
    return Error::internal("fd " + std::to_string(fd) + " is not a listening socket");
  sockaddr_storage ss{};
  socklen_t sslen = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &sslen) != 0)
    return Error::internal(errnoText("getsockname"));
  // libevent's accept loop runs until EAGAIN: the socket must not block.
  evutil_make_socket_nonblocking(fd);
  evconnlistener* lev =
      evconnlistener_new(loop_.base(), nullptr, nullptr,
                         LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 0, fd);
  if (!lev) return Error::internal("evconnlistener_new failed for fd " + std::to_string(fd));
  // The socket file (if any) belongs to systemd: never unlinked by us.
  return addListener(lev, ss.ss_family == AF_UNIX, "");
}

Status HttpServer::addListener(evconnlistener* lev, bool is_unix, std::string unix_path) {
  if (stopped_) {
    evconnlistener_free(lev);
    return Error::internal("listener " + options_.name + " is stopped");
  }
  evhttp_bound_socket* bound = evhttp_bind_listener(http_.get(), lev);
  if (!bound) {
    evconnlistener_free(lev);
    return Error::internal("evhttp_bind_listener failed");
  }
  // After evhttp_bind_listener, which installs libevent's accept callback.
  evconnlistener_set_error_cb(lev, &HttpServer::onAcceptError);
  Listener l;
  l.bound = bound;
  l.is_unix = is_unix;
  l.unix_path = std::move(unix_path);
  listeners_.push_back(std::move(l));
  if (listening_)
    evconnlistener_enable(lev);
  else
    updateAccepting();
  return okStatus();
}

void HttpServer::removeListeners() {
  for (auto& l : listeners_) {
    evhttp_del_accept_socket(http_.get(), l.bound);  // frees the listener, closes the fd
    if (!l.unix_path.empty()) {
      // Only remove the file we created: a successor may already have bound the same path.
      struct stat st {};
      if (stat(l.unix_path.c_str(), &st) == 0 && st.st_dev == l.dev && st.st_ino == l.ino)
        unlink(l.unix_path.c_str());
    }
  }
  listeners_.clear();
  listening_ = false;
}

uint16_t HttpServer::boundPort() const {
  for (const auto& l : listeners_) {
    if (l.is_unix) continue;
    evutil_socket_t fd = evhttp_bound_socket_get_fd(l.bound);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) continue;
    if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
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
    evconnlistener* lev = evhttp_bound_socket_get_listener(l.bound);
    if (want)
      evconnlistener_enable(lev);
    else
      evconnlistener_disable(lev);
  }
  listening_ = want;
  if (!want && at_cap && !stopped_) {
    metrics_.inc("triggerd_http_rejected_total",
                 {{"listener", options_.name}, {"reason", "connection_limit"}});
    // Under a flood this toggles per connection: log the first pause, then every 10 s.
    auto now = std::chrono::steady_clock::now();
    if (last_cap_log_ == std::chrono::steady_clock::time_point() ||
        now - last_cap_log_ >= std::chrono::seconds(10)) {
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
  evhttp_set_max_body_size(http_.get(), toSsize(options_.max_body_bytes));
  evhttp_set_max_headers_size(http_.get(), toSsize(options_.max_header_bytes));
  timeval idle = toTimeval(options_.idle_timeout);
  evhttp_set_timeout_tv(http_.get(), &idle);
  for (auto& [id, conn] : conns_) {
    if (!conn->evcon || conn->closed) continue;
    evhttp_connection_set_max_body_size(conn->evcon, toSsize(options_.max_body_bytes));
    evhttp_connection_set_max_headers_size(conn->evcon, toSsize(options_.max_header_bytes));
    if (conn->state == HttpConnection::State::kHandling)
      bufferevent_set_timeouts(conn->bev, nullptr, &idle);  // reads stay parked, untimed
    else
      evhttp_connection_set_timeout_tv(conn->evcon, &idle);
  }
  updateAccepting();
}

void HttpServer::setGauge() {
  metrics_.set("triggerd_http_connections", {{"listener", options_.name}},
               static_cast<double>(conns_.size()));
}

HttpConnection* HttpServer::find(uint64_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second.get();
}

// ---------------------------------------------------------------------------------------------
// Connection lifecycle

bufferevent* HttpServer::onNewConnection(event_base* base, void* arg) noexcept {
  try {
    return static_cast<HttpServer*>(arg)->newConnection(base);
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "accepting a connection failed: %s", e.what());
  } catch (...) {
    TLOG_ERROR("http", "accepting a connection failed");
  }
  return nullptr;  // libevent then makes its own bufferevent; the connection goes untracked
}

// Called by libevent for each accepted socket, before it creates the evhttp_connection (so the
// connection itself is not reachable yet). We create the bufferevent, hold a reference to it
// until registerConnection() runs later this turn, and count the connection.
bufferevent* HttpServer::newConnection(event_base* base) {
  bufferevent* bev = bufferevent_socket_new(base, -1, 0);  // options as libevent's own default
  if (!bev) {
    TLOG_ERROR("http", "listener=%s bufferevent_socket_new failed", options_.name.c_str());
    return nullptr;
  }
  auto conn = std::make_unique<HttpConnection>();
  HttpConnection* c = conn.get();
  c->server = this;
  c->id = next_conn_id_++;
  c->bev = bev;
  bufferevent_incref(bev);
  // libevent replaces these callbacks when it adopts the bufferevent and clears them when it
  // frees it; our connection as cbarg means "not adopted yet" (see registerConnection).
  bufferevent_setcb(bev, nullptr, nullptr, nullptr, c);
  c->input_cb = evbuffer_add_cb(bufferevent_get_input(bev), &HttpServer::onInput, c);
  c->output_cb = evbuffer_add_cb(bufferevent_get_output(bev), &HttpServer::onOutput, c);
  c->deadline = loop_.createTimer([this, c] { onDeadline(*c); });
  startRequest(*c);  // the first request's deadline counts from accept
  by_bev_[bev] = c;
  conns_[c->id] = std::move(conn);
  to_register_.push_back(c->id);
  scheduleTasks();
  setGauge();
  updateAccepting();
  return bev;
}

// Finds the evhttp_connection behind a new bufferevent and asks libevent to tell us when it
// is freed. libevent stores the evhttp_connection as the bufferevent's callback argument (every
// bufferevent_setcb() in http.c passes evcon); evhttp_connection_get_bufferevent() cross-checks
// it. Returns false if the connection is already gone (then it was forgotten).
bool HttpServer::registerConnection(HttpConnection& conn) {
  if (conn.evcon) return true;
  bufferevent_data_cb read_cb = nullptr, write_cb = nullptr;
  bufferevent_event_cb event_cb = nullptr;
  void* arg = nullptr;
  bufferevent_getcb(conn.bev, &read_cb, &write_cb, &event_cb, &arg);
  if (arg == &conn) {
    // libevent failed (out of memory) after the bevcb and never adopted the bufferevent:
    // drop its initial reference too; libevent closed the socket itself.
    TLOG_WARN("http", "listener=%s connection was not adopted by evhttp", options_.name.c_str());
    bufferevent_free(conn.bev);
    forget(conn);
    return false;
  }
  if (arg == nullptr) {
    // Adopted and already freed again (bufferevent_free() clears the callbacks).
    forget(conn);
    return false;
  }
  auto* evcon = static_cast<evhttp_connection*>(arg);
  if (evhttp_connection_get_bufferevent(evcon) != conn.bev) {
    TLOG_ERROR("http",
               "listener=%s cannot find the evhttp connection of a new socket; "
               "it stays untracked",
               options_.name.c_str());
    forget(conn);
    return false;
  }
  conn.evcon = evcon;
  evhttp_connection_set_closecb(evcon, &HttpServer::onConnectionClosed, &conn);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  int fd = bufferevent_getfd(conn.bev);
  if (fd >= 0 && getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 &&
      ss.ss_family == AF_UNIX) {
    conn.peer = "unix";  // libevent's name for a unix peer is not meaningful (docs)
  } else {
    char* address = nullptr;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evcon, &address, &port);
    if (address) {
      std::string a(address);
      conn.peer =
          (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" + std::to_string(port);
    }
  }
  // From here libevent's own reference keeps the bufferevent alive until the closecb.
  conn.holds_ref = false;
  bufferevent_decref(conn.bev);
  return true;
}

// libevent calls this exactly once per connection, from evhttp_connection_free(), before it
// frees the connection's requests and bufferevent (also from evhttp_free() in ~HttpServer).
void HttpServer::onConnectionClosed(evhttp_connection*, void* arg) noexcept {
  auto* conn = static_cast<HttpConnection*>(arg);
  try {
    conn->server->connectionClosed(*conn);
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "connection close handling threw: %s", e.what());
  } catch (...) {
    TLOG_ERROR("http", "connection close handling threw");
  }
}

void HttpServer::connectionClosed(HttpConnection& conn) {
  conn.closed = true;
  if (RequestContext* ctx = conn.active) {
    conn.active = nullptr;
    // A pending context is referenced by its handler (else release() would have answered it).
    RequestPtr keep = ctx->weak_from_this().lock();
    ctx->onConnectionLost();  // inline: libevent frees the request right after we return
    if (keep) {
      to_cancel_.push_back(std::move(keep));
      scheduleTasks();
    }
  }
  forget(conn);
}

// Drops every pointer libevent holds to `conn` and deletes it on a later turn. The count of open
// connections is conns_.size(), so this is the one place it goes down.
void HttpServer::forget(HttpConnection& conn) {
  conn.closed = true;
  conn.deadline->disarm();
  if (conn.input_cb) evbuffer_remove_cb_entry(bufferevent_get_input(conn.bev), conn.input_cb);
  if (conn.output_cb) evbuffer_remove_cb_entry(bufferevent_get_output(conn.bev), conn.output_cb);
  conn.input_cb = conn.output_cb = nullptr;
  if (conn.holds_ref) {
    conn.holds_ref = false;
    bufferevent_decref(conn.bev);
  }
  by_bev_.erase(conn.bev);
  auto it = conns_.find(conn.id);
  if (it != conns_.end()) {
    // Deferred: we may be inside this connection's own deadline timer callback.
    loop_.deferredDelete(std::move(it->second));
    conns_.erase(it);
  }
  setGauge();
  if (!destroying_) {
    updateAccepting();
    maybeFinishDrain();
  }
}

void HttpServer::startRequest(HttpConnection& conn) {
  conn.state = HttpConnection::State::kReading;
  conn.request_start = std::chrono::steady_clock::now();
  conn.deadline->arm(options_.request_timeout);
}

// The whole-request deadline expired: the client is too slow sending one request (slowloris,
// slow body). Freeing the connection from a timer is safe: no libevent code of this connection
// is on the stack, and libevent then calls onConnectionClosed.
void HttpServer::onDeadline(HttpConnection& conn) {
  if (conn.closed || conn.state != HttpConnection::State::kReading) return;
  metrics_.inc("triggerd_http_rejected_total",
               {{"listener", options_.name}, {"reason", "deadline"}});
  TLOG_INFO("http", "listener=%s peer=%s bytes=%zu request not complete within %lldms, closing",
            options_.name.c_str(), conn.peer.c_str(), conn.request_bytes,
            static_cast<long long>(options_.request_timeout.count()));
  if (conn.evcon) {
    evhttp_connection_free(conn.evcon);
  } else {
    // Not registered yet (cannot happen after the first loop turn): make libevent fail it.
    int fd = bufferevent_getfd(conn.bev);
    if (fd >= 0) shutdown(fd, SHUT_RDWR);
  }
}

// Bytes arrived: the first byte after a keep-alive gap starts the next request's deadline.
void HttpServer::onInput(evbuffer*, const evbuffer_cb_info* info, void* arg) noexcept {
  auto* conn = static_cast<HttpConnection*>(arg);
  if (info->n_added == 0 || conn->closed) return;
  try {
    conn->request_bytes += info->n_added;
    if (conn->state == HttpConnection::State::kIdle) conn->server->startRequest(*conn);
  } catch (...) {
    TLOG_ERROR("http", "input accounting threw");
  }
}

// While we are still reading a request, only libevent itself writes to the connection: a
// "100 Continue", or the HTML error page it sends on its own (413 body too large, 400 bad or
// oversize headers, 501 method refused, 417). The page is replaced with JSON later this turn,
// before any byte of it reaches the socket (bufferevents write from the next poll).
void HttpServer::onOutput(evbuffer* buf, const evbuffer_cb_info* info, void* arg) noexcept {
  auto* conn = static_cast<HttpConnection*>(arg);
  if (info->n_added == 0 || conn->closed || conn->rewriting ||
      conn->state != HttpConnection::State::kReading)
    return;
  try {
    evbuffer_ptr pos;
    if (evbuffer_ptr_set(buf, &pos, info->orig_size, EVBUFFER_PTR_SET) != 0) return;
    char head[16];
    ev_ssize_t n = evbuffer_copyout_from(buf, &pos, head, sizeof head);
    if (n <= 0) return;
    int status = statusOfLine(std::string_view(head, static_cast<size_t>(n)));
    if (status >= 100 && status < 200) return;  // 100 Continue: fine as it is
    conn->rewriting = true;
    conn->rewrite_offset = info->orig_size;
    conn->rewrite_status = status;
    conn->server->to_rewrite_.push_back(conn->id);
    conn->server->scheduleTasks();
  } catch (...) {
    TLOG_ERROR("http", "output inspection threw");
  }
}

void HttpServer::rewriteLibeventAnswer(HttpConnection& conn) {
  evbuffer* out = bufferevent_get_output(conn.bev);
  size_t len = evbuffer_get_length(out);
  if (conn.rewrite_offset > len) return;  // belief: nothing was written since onOutput
  int status = conn.rewrite_status;
  std::string reason;
  std::string body;
  ResponseHeaders extra;
  if (status == 413) {
    reason = "too_large";
    body = json::errorBody(
        "request body exceeds the limit of " + std::to_string(options_.max_body_bytes) + " bytes",
        "body");
  } else if (status == 400 && conn.request_bytes > options_.max_header_bytes) {
    status = 431;
    reason = "headers_too_large";
    body = json::errorBody("request headers exceed the limit of " +
                               std::to_string(options_.max_header_bytes) + " bytes",
                           "headers");
  } else if (status == 400) {
    reason = "bad_request";
    body = json::errorBody("malformed HTTP request");
  } else if (status == 501 || status == 0) {
    // evhttp refuses methods outside kAllowedMethods (and unknown tokens) before routing.
    status = 405;
    reason = "method";
    body = json::errorBody("method not allowed");
    extra.emplace_back("Allow", kAllowedMethodsHeader);
  } else if (status == 417) {
    reason = "expectation";
    body = json::errorBody("unsupported Expect header", "Expect");
  } else {
    reason = "refused";
    body = json::errorBody("request refused");
    if (status < 400 || status > 599) status = 400;
  }
  // Keep what precedes libevent's answer (a 100 Continue), replace the answer itself.
  EvbufferPtr keep(evbuffer_new());
  if (!keep) return;
  evbuffer_remove_buffer(out, keep.get(), conn.rewrite_offset);
  evbuffer_drain(out, evbuffer_get_length(out));
  evbuffer_add_buffer(out, keep.get());
  std::string response = closingJsonResponse(status, body, extra);
  evbuffer_add(out, response.data(), response.size());
  metrics_.inc("triggerd_http_rejected_total", {{"listener", options_.name}, {"reason", reason}});
  metrics_.inc(
      "triggerd_http_requests_total",
      {{"listener", options_.name}, {"route", "unmatched"}, {"status", std::to_string(status)}});
  TLOG_INFO("http", "listener=%s peer=%s status=%d reason=%s bytes=%zu refused before routing",
            options_.name.c_str(), conn.peer.c_str(), status, reason.c_str(), conn.request_bytes);
}

// ---------------------------------------------------------------------------------------------
// Requests

void HttpServer::onRequest(evhttp_request* req, void* arg) noexcept {
  auto* self = static_cast<HttpServer*>(arg);
  try {
    self->dispatch(req);
    return;
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "listener=%s request dispatch threw: %s", self->options_.name.c_str(),
               e.what());
  } catch (...) {
    TLOG_ERROR("http", "listener=%s request dispatch threw", self->options_.name.c_str());
  }
  // Reached only if the context could not even be allocated (dispatch answers every later
  // failure through the context).
  try {
    std::string body = json::errorBody("internal error");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evbuffer_add(evhttp_request_get_output_buffer(req), body.data(), body.size());
    evhttp_send_reply(req, 500, "Internal Server Error", nullptr);
  } catch (...) {
  }
}

void HttpServer::dispatch(evhttp_request* req) {
  HttpConnection* conn = nullptr;
  if (evhttp_connection* evcon = evhttp_request_get_connection(req)) {
    auto it = by_bev_.find(evhttp_connection_get_bufferevent(evcon));
    if (it != by_bev_.end() && registerConnection(*it->second)) conn = it->second;
  }
  auto now = std::chrono::steady_clock::now();
  if (conn) {
    conn->state = HttpConnection::State::kHandling;
    conn->deadline->disarm();
    evhttp_request_set_on_complete_cb(req, &HttpServer::onReplyFlushed, conn);
  }

  // From here on the context owns the exchange: any failure is answered through it, once.
  RequestPtr ctx = RequestContext::wrap(new RequestContext(loop_));
  RequestContext& c = *ctx;
  c.req_ = req;
  c.server_ = this;
  c.conn_ = conn;
  if (conn) conn->active = &c;
  c.listener_ = options_.name;
  c.peer_ = conn ? conn->peer : "unknown";
  c.arrival_ = conn ? conn->request_start : now;
  c.received_at_ = clock_.now();
  c.method_ = httpMethodName(evhttp_request_get_command(req));
  try {
    c.id_ = newUlid(rng_, clock_.unixMillis());
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
    const char* path = uri ? evhttp_uri_get_path(uri) : nullptr;
    c.path_ = path && *path ? path : "/";
    for (evkeyval* h = evhttp_request_get_input_headers(req)->tqh_first; h; h = h->next.tqe_next)
      c.headers_.emplace_back(h->key, h->value);
    // Move (not copy) the body chains into a buffer the context owns, then make them contiguous
    // once: body() stays valid whatever happens to libevent's request.
    c.body_buf_.reset(evbuffer_new());
    if (!c.body_buf_) throw std::bad_alloc();
    evbuffer_add_buffer(c.body_buf_.get(), evhttp_request_get_input_buffer(req));
    if (size_t n = evbuffer_get_length(c.body_buf_.get()); n > 0) {
      auto* p = evbuffer_pullup(c.body_buf_.get(), -1);
      if (!p) throw std::bad_alloc();
      c.body_ = std::string_view(reinterpret_cast<const char*>(p), n);
    }
    route(ctx, uri ? evhttp_uri_get_query(uri) : nullptr);
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "listener=%s id=%s route=%s handler threw: %s", options_.name.c_str(),
               c.id_.c_str(), c.route_.c_str(), e.what());
    c.fail(Error::internal("internal error"));
  } catch (...) {
    TLOG_ERROR("http", "listener=%s id=%s route=%s handler threw", options_.name.c_str(),
               c.id_.c_str(), c.route_.c_str());
    c.fail(Error::internal("internal error"));
  }
  if (c.alive() && conn && !conn->closed) parkReading(*conn);
}

void HttpServer::route(const RequestPtr& ctx, const char* query) {
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
  if (query && *query) {
    auto parsed = parseForm(query);
    if (!parsed) {
      c.fail(Error::badRequest("query", "malformed percent-encoding in the query string"));
      return;
    }
    c.query_ = std::move(*parsed);
  }
  m.route->handler(ctx);
}

// The handler answers later: keep reading the socket so a disconnect is noticed (libevent
// stops reading once a request is complete), with libevent's read callback parked so bytes a
// client pipelines meanwhile just wait in the buffer instead of reaching evhttp's parser in the
// wrong state. No read timeout: handlers bound their own work.
void HttpServer::parkReading(HttpConnection& conn) {
  bufferevent_data_cb read_cb = nullptr, write_cb = nullptr;
  bufferevent_event_cb event_cb = nullptr;
  void* arg = nullptr;
  bufferevent_getcb(conn.bev, &read_cb, &write_cb, &event_cb, &arg);
  bufferevent_setcb(conn.bev, nullptr, write_cb, event_cb, arg);
  bufferevent_setwatermark(conn.bev, EV_READ, 0, kParkedReadLimit);
  timeval idle = toTimeval(options_.idle_timeout);
  bufferevent_set_timeouts(conn.bev, nullptr, &idle);
  bufferevent_enable(conn.bev, EV_READ);
}

void HttpServer::onReplying(HttpConnection* conn, RequestContext& ctx, evhttp_request* req,
                            int status, std::string_view reason) {
  metrics_.inc(
      "triggerd_http_requests_total",
      {{"listener", options_.name}, {"route", ctx.route()}, {"status", std::to_string(status)}});
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
  if (draining_) {
    evkeyvalq* out = evhttp_request_get_output_headers(req);
    evhttp_remove_header(out, "Connection");
    evhttp_add_header(out, "Connection", "close");
  }
  if (conn && !conn->closed) {
    if (conn->active == &ctx) conn->active = nullptr;
    // Undo parkReading(): no cap on buffered input, evhttp's idle timeout on both directions.
    // evhttp re-installs its read callback when it starts on the next request.
    bufferevent_setwatermark(conn->bev, EV_READ, 0, 0);
    timeval idle = toTimeval(options_.idle_timeout);
    bufferevent_set_timeouts(conn->bev, &idle, &idle);
  }
}

void HttpServer::onClientGone(RequestContext& ctx) {
  metrics_.inc("triggerd_http_requests_total",
               {{"listener", options_.name}, {"route", ctx.route()}, {"status", "499"}});
  TLOG_INFO("http",
            "listener=%s id=%s method=%s route=%s peer=%s client closed the connection "
            "before the answer",
            options_.name.c_str(), ctx.id().c_str(), ctx.method().c_str(), ctx.route().c_str(),
            ctx.peer().c_str());
}

// libevent finished writing an answer (evhttp_send_done), before it closes the connection or
// starts reading the next request on it.
void HttpServer::onReplyFlushed(evhttp_request*, void* arg) noexcept {
  auto* conn = static_cast<HttpConnection*>(arg);
  if (conn->closed) return;
  try {
    conn->active = nullptr;
    if (conn->server->draining_) {
      // An answer already on its way when drain() started carries no "Connection: close":
      // close the connection from the task event (libevent is still using it here).
      conn->server->close_idle_ = true;
      conn->server->scheduleTasks();
    }
    // Bytes of a pipelined request may already be buffered: then its deadline starts now.
    size_t buffered = evbuffer_get_length(bufferevent_get_input(conn->bev));
    conn->request_bytes = buffered;
    if (buffered > 0) {
      conn->server->startRequest(*conn);
    } else {
      conn->state = HttpConnection::State::kIdle;
      conn->deadline->disarm();
    }
  } catch (...) {
    TLOG_ERROR("http", "reply completion threw");
  }
}

// ---------------------------------------------------------------------------------------------
// Accept errors, tasks, drain

void HttpServer::onAcceptError(evconnlistener* lev, void* arg) noexcept {
  int err = EVUTIL_SOCKET_ERROR();
  HttpServer* self = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_servers_mu);
    auto it = serverRegistry().find(static_cast<evhttp*>(arg));
    if (it != serverRegistry().end()) self = it->second;
  }
  if (!self) {
    evconnlistener_disable(lev);  // belief: unreachable; never spin on a failing accept
    return;
  }
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
  auto reg = std::move(to_register_);
  to_register_.clear();
  for (uint64_t id : reg)
    if (HttpConnection* c = find(id)) registerConnection(*c);

  auto rewrite = std::move(to_rewrite_);
  to_rewrite_.clear();
  for (uint64_t id : rewrite) {
    HttpConnection* c = find(id);
    if (c && !c->closed) rewriteLibeventAnswer(*c);
  }

  auto cancel = std::move(to_cancel_);
  to_cancel_.clear();
  for (auto& ctx : cancel) ctx->runCancelHooks();
  cancel.clear();

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
  std::vector<uint64_t> idle;
  for (auto& [id, conn] : conns_) {
    bool between_requests = conn->state == HttpConnection::State::kIdle ||
                            (conn->state == HttpConnection::State::kReading &&
                             conn->request_bytes == 0 && !conn->rewriting);
    if (conn->evcon && !conn->closed && between_requests) idle.push_back(id);
  }
  for (uint64_t id : idle) {
    HttpConnection* c = find(id);  // an earlier close may have changed the table
    if (c && c->evcon && !c->closed) evhttp_connection_free(c->evcon);
  }
}

void HttpServer::maybeFinishDrain() {
  if (draining_ && conns_.empty() && on_idle_ && !destroying_) {
    notify_idle_ = true;
    scheduleTasks();
  }
}

}  // namespace triggerd
