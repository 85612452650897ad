// HttpServer over real sockets: the server runs on its own EventLoop in a thread; clients are
// blocking libcurl calls (tests/support/http_call.h) or raw sockets for the abusive cases.
#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"
#include "tests/support/http_call.h"
#include "tests/support/json_doc.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using testing::httpCall;
using testing::jsonString;
using testing::parseJson;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// A loop thread the test thread can run work on, synchronously (libevent is single-threaded).

class LoopThread {
 public:
  LoopThread() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) std::abort();
    wake_r_ = fds[0];
    wake_w_ = fds[1];
    std::promise<void> ready;
    auto started = ready.get_future();
    thread_ = std::thread([this, &ready] {
      loop_ = std::make_unique<EventLoop>();
      wake_.reset(
          event_new(loop_->base(), wake_r_, EV_READ | EV_PERSIST, &LoopThread::onWake, this));
      event_add(wake_.get(), nullptr);
      ready.set_value();
      loop_->run();
      wake_.reset();
      loop_.reset();
    });
    started.wait();
  }
  ~LoopThread() {
    run([this] { loop_->stop(); });
    thread_.join();
    close(wake_r_);
    close(wake_w_);
  }

  EventLoop& loop() { return *loop_; }

  // Runs fn on the loop thread and returns its result.
  template <typename F>
  auto run(F&& fn) -> decltype(fn()) {
    using R = decltype(fn());
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(fn));
    auto result = task->get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back([task] { (*task)(); });
    }
    char b = 1;
    (void)!write(wake_w_, &b, 1);
    return result.get();
  }

 private:
  static void onWake(evutil_socket_t fd, short, void* arg) {
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    auto* self = static_cast<LoopThread*>(arg);
    std::deque<std::function<void()>> tasks;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      tasks.swap(self->tasks_);
    }
    for (auto& t : tasks) t();
  }

  int wake_r_ = -1, wake_w_ = -1;
  std::unique_ptr<EventLoop> loop_;
  EventPtr wake_;
  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Raw socket helpers.

int connectTcp(uint16_t port, int rcvbuf = 0) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Closes with RST instead of FIN.
void closeAbortive(int fd) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

enum class ReadEnd { kEof, kReset, kTimeout, kComplete };

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  ReadEnd end = ReadEnd::kTimeout;
  std::string header(const std::string& name) const {
    auto it = headers.find(toLower(name));
    return it == headers.end() ? "" : it->second;
  }
};

// Reads into buf until pred(buf) or the peer closes/resets or the deadline passes.
ReadEnd readUntil(int fd, std::string& buf, const std::function<bool(const std::string&)>& pred,
                  std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!pred(buf)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return ReadEnd::kTimeout;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char tmp[16384];
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n == 0) return ReadEnd::kEof;
    if (n < 0) return errno == ECONNRESET ? ReadEnd::kReset : ReadEnd::kEof;
    buf.append(tmp, static_cast<size_t>(n));
  }
  return ReadEnd::kComplete;
}

// Reads one response (Content-Length framed) from a raw connection. Bytes past it (a pipelined
// next response) are kept in *carry when given.
RawResponse readResponse(int fd, std::chrono::milliseconds timeout = 5s,
                         std::string* carry = nullptr) {
  RawResponse r;
  std::string buf = carry ? std::move(*carry) : std::string();
  if (carry) carry->clear();
  size_t need = std::string::npos;
  auto complete = [&](const std::string& b) {
    size_t end = b.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    if (need == std::string::npos) {
      size_t len = 0;
      std::string head = toLower(b.substr(0, end));
      size_t cl = head.find("\r\ncontent-length:");
      if (cl != std::string::npos) len = std::stoul(head.substr(cl + 17));
      need = end + 4 + len;
    }
    return b.size() >= need;
  };
  r.end = readUntil(fd, buf, complete, timeout);
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  std::string head = buf.substr(0, end);
  if (head.size() > 12) r.status = std::atoi(head.c_str() + 9);
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos)
      r.headers[toLower(line.substr(0, colon))] = std::string(trim(line.substr(colon + 1)));
    pos = next;
  }
  r.body = buf.substr(end + 4);
  if (need != std::string::npos && buf.size() > need) {
    r.body.resize(need - end - 4);
    if (carry) *carry = buf.substr(need);
  }
  return r;
}

// True when the server closes (FIN or RST) the connection within `timeout`.
bool waitClosed(int fd, std::chrono::milliseconds timeout, std::string* data = nullptr) {
  std::string buf;
  ReadEnd end = readUntil(
      fd, buf, [](const std::string&) { return false; }, timeout);
  if (data) *data = buf;
  return end == ReadEnd::kEof || end == ReadEnd::kReset;
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::string errorOf(const std::string& body) {
  return jsonString(parseJson(body), "/error");
}

// ---------------------------------------------------------------------------------------------
// Fixture: a server on 127.0.0.1:0 with a small route table.

class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    router_.addOrDie("GET", "/healthz", [this](const RequestPtr& ctx) {
      ++handled_;
      ctx->reply(200, R"({"ok":true})");
    });
    router_.addOrDie("POST", "/api/v1/users/{user}/triggers/{id}", [this](const RequestPtr& ctx) {
      ++handled_;
      rapidjson::StringBuffer buf;
      json::Writer w(buf);
      w.StartObject();
      json::kv(w, "method", ctx->method());
      json::kv(w, "user", ctx->param("user"));
      json::kv(w, "id", ctx->param("id"));
      json::kv(w, "a", ctx->queryParam("a").value_or("-"));
      json::kv(w, "b", ctx->queryParam("b").value_or("-"));
      json::kv(w, "test_header", ctx->header("x-test").value_or("-"));
      json::kv(w, "body", ctx->body());
      json::kv(w, "listener", ctx->listener());
      json::kv(w, "route", ctx->route());
      json::kv(w, "peer", ctx->peer());
      w.EndObject();
      ctx->reply(200, std::string(buf.GetString(), buf.GetSize()), {{"X-Extra", "yes"}});
    });
    router_.addOrDie("POST", "/upload", [this](const RequestPtr& ctx) {
      ++handled_;
      ctx->reply(200, "{\"size\":" + std::to_string(ctx->body().size()) + "}");
    });
    router_.addOrDie("GET", "/big", [this](const RequestPtr& ctx) {
      ctx->reply(200, "\"" + std::string(16 << 20, 'x') + "\"");
      big_replied_ = true;
    });
    router_.addOrDie("GET", "/throw", [](const RequestPtr&) { throw std::runtime_error("boom"); });
    router_.addOrDie("GET", "/forget", [](const RequestPtr&) {});
    // Answers after slow_ms_ from a timer, like a handler waiting on Redis or curl.
    router_.addOrDie("GET", "/slow", [this](const RequestPtr& ctx) {
      ++handled_;
      ctx->onCancel([this] { ++cancelled_; });
      auto timer = loop_.loop().createTimer([this, ctx] {
        late_alive_ = ctx->alive() ? 1 : 0;
        ctx->reply(200, R"({"slow":true})");
        ++slow_fired_;
      });
      timer->arm(slow_ms_);
      timers_.push_back(std::move(timer));
      slow_entered_ = true;
    });
  }

  void TearDown() override {
    loop_.run([this] {
      timers_.clear();
      server_.reset();
    });
  }

  HttpServer::Options defaults() {
    HttpServer::Options o;
    o.name = "public";
    o.max_body_bytes = 1000;
    o.max_header_bytes = 2048;
    o.request_timeout = 5s;
    o.idle_timeout = 5s;
    o.max_connections = 64;
    return o;
  }

  void start(HttpServer::Options o) {
    loop_.run([&] {
      server_ = std::make_unique<HttpServer>(loop_.loop(), metrics_, o);
      server_->setRouter(router_);
      auto st = server_->bindTcp("127.0.0.1", 0);
      ASSERT_TRUE(st.ok()) << st.error().message;
      port_ = server_->boundPort();
    });
    ASSERT_NE(port_, 0);
  }

  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  size_t connections() {
    return loop_.run([this] { return server_ ? server_->connectionCount() : 0; });
  }
  uint64_t counter(const std::string& name, const Labels& labels) {
    return loop_.run([&] { return metrics_.counter(name, labels); });
  }
  uint64_t requests(const std::string& route, int status) {
    return counter("triggerd_http_requests_total",
                   {{"listener", "public"}, {"route", route}, {"status", std::to_string(status)}});
  }
  uint64_t rejected(const std::string& reason) {
    return counter("triggerd_http_rejected_total", {{"listener", "public"}, {"reason", reason}});
  }

  LoopThread loop_;
  Metrics metrics_;  // loop thread only (read through loop_.run)
  Router router_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<Timer>> timers_;  // loop thread only
  std::chrono::milliseconds slow_ms_{300};
  std::atomic<int> handled_{0};
  std::atomic<int> cancelled_{0};
  std::atomic<int> slow_fired_{0};
  std::atomic<int> late_alive_{-1};
  std::atomic<bool> slow_entered_{false};
  std::atomic<bool> big_replied_{false};
};

// ---------------------------------------------------------------------------------------------
// Routing and responses

TEST_F(HttpServerTest, RoutesWithParamsQueryHeadersAndBody) {
  start(defaults());
  auto r = httpCall("POST", url("/api/v1/users/al%20ice/triggers/octo%2Fapp?a=1&b=x+y%21"),
                    {{"X-Test", "hello"}, {"Content-Type", "application/json"}}, "{\"k\":1}");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("X-Extra"), "yes");
  EXPECT_EQ(r.header("X-Request-Id").size(), 26u);
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  auto doc = parseJson(r.body);
  ASSERT_TRUE(doc.IsObject()) << r.body;
  EXPECT_EQ(jsonString(doc, "/method"), "POST");
  EXPECT_EQ(jsonString(doc, "/user"), "al ice");
  EXPECT_EQ(jsonString(doc, "/id"), "octo/app");
  EXPECT_EQ(jsonString(doc, "/a"), "1");
  EXPECT_EQ(jsonString(doc, "/b"), "x y!");
  EXPECT_EQ(jsonString(doc, "/test_header"), "hello");
  EXPECT_EQ(jsonString(doc, "/body"), "{\"k\":1}");
  EXPECT_EQ(jsonString(doc, "/listener"), "public");
  EXPECT_EQ(jsonString(doc, "/route"), "/api/v1/users/{user}/triggers/{id}");
  EXPECT_EQ(jsonString(doc, "/peer").rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(requests("/api/v1/users/{user}/triggers/{id}", 200), 1u);
}

TEST_F(HttpServerTest, UnknownPathIs404Json) {
  start(defaults());
  auto r = httpCall("GET", url("/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(errorOf(r.body), "no route for GET /nope");
  EXPECT_EQ(requests("unmatched", 404), 1u);
}

TEST_F(HttpServerTest, WrongMethodIs405JsonWithAllow) {
  start(defaults());
  auto r = httpCall("DELETE", url("/healthz"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
  EXPECT_EQ(errorOf(r.body), "method DELETE not allowed for /healthz");
}

TEST_F(HttpServerTest, HeadIsServedByGetRoute) {
  start(defaults());
  auto r = httpCall("HEAD", url("/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpServerTest, MalformedPathOrQueryIs400Json) {
  start(defaults());
  auto p = httpCall("POST", url("/api/v1/users/%zz/triggers/1"), {}, "x");
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(errorOf(p.body), "malformed percent-encoding in the request path");
  auto q = httpCall("POST", url("/api/v1/users/a/triggers/1?a=%G1"), {}, "x");
  EXPECT_EQ(q.status, 400);
  auto doc = parseJson(q.body);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(jsonString(doc, "/field"), "query");
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTest, HandlerExceptionIs500Json) {
  start(defaults());
  auto r = httpCall("GET", url("/throw"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(errorOf(r.body), "internal error");
  // The server keeps serving.
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 200);
}

TEST_F(HttpServerTest, HandlerThatDropsTheRequestGets500) {
  start(defaults());
  auto r = httpCall("GET", url("/forget"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(errorOf(r.body), "the request was not answered");
}

TEST_F(HttpServerTest, NoRouterAnswers404) {
  loop_.run([&] {
    server_ = std::make_unique<HttpServer>(loop_.loop(), metrics_, defaults());
    ASSERT_TRUE(server_->bindTcp("127.0.0.1", 0).ok());
    port_ = server_->boundPort();
  });
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 404);
}

// ---------------------------------------------------------------------------------------------
// Size limits: libevent's own refusals, answered as JSON and closed.

TEST_F(HttpServerTest, BodyOverLimitIs413JsonAndClosedWithoutHandler) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(errorOf(r.body), "request body exceeds the limit of 1000 bytes");
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
  EXPECT_EQ(handled_, 0);
  EXPECT_EQ(rejected("too_large"), 1u);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
  // A body at the limit is fine.
  auto ok = httpCall("POST", url("/upload"), {}, std::string(1000, 'x'));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "{\"size\":1000}");
}

TEST_F(HttpServerTest, OversizeBodyActuallySentIsCutOff) {
  start(defaults());
  // curl sends the whole body at once; the server answers 413 as soon as it has the headers
  // and closes without reading the rest, so the client sees the 413 or a reset.
  auto r = httpCall("POST", url("/upload"), {}, std::string(256 * 1024, 'x'));
  EXPECT_TRUE(r.status == 413 || r.status == 0) << r.status << " " << r.error;
  EXPECT_EQ(handled_, 0);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "7d0\r\n"));  // a 2000-byte chunk announced
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTest, ExpectContinueWithOversizeBodyIs413WithoutContinue) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                      "Content-Length: 5000\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  close(fd);
}

TEST_F(HttpServerTest, ExpectContinueWithinLimitIsServed) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                      "Content-Length: 5\r\n\r\n"));
  std::string buf;
  readUntil(
      fd, buf, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }, 2s);
  EXPECT_EQ(buf.rfind("HTTP/1.1 100 Continue", 0), 0u) << buf;
  ASSERT_TRUE(sendAll(fd, "hello"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"size\":5}");
  close(fd);
}

TEST_F(HttpServerTest, HeadersOverLimitIs431Json) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(
      fd, "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(3000, 'a') + "\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(errorOf(r.body), "request headers exceed the limit of 2048 bytes");
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
  EXPECT_EQ(handled_, 0);
  EXPECT_EQ(rejected("headers_too_large"), 1u);
}

TEST_F(HttpServerTest, MalformedRequestIs400Json) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "this is not http\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r.body), "malformed HTTP request");
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
}

TEST_F(HttpServerTest, MethodRefusedByLibeventIs405Json) {
  start(defaults());
  for (std::string method : {"TRACE", "CONNECT", "BREW"}) {
    int fd = connectTcp(port_);
    ASSERT_TRUE(sendAll(fd, method + " /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
    RawResponse r = readResponse(fd);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.header("Allow"), "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT") << method;
    EXPECT_EQ(r.header("Content-Type"), "application/json") << method;
    close(fd);
  }
  EXPECT_EQ(handled_, 0);
}

// ---------------------------------------------------------------------------------------------
// Whole-request deadline (slowloris) and keep-alive

TEST_F(HttpServerTest, SlowlorisHeadersAreCutAtTheDeadline) {
  auto o = defaults();
  o.request_timeout = 400ms;
  start(o);
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n"));
  // Keep trickling header bytes: per-read timeouts never fire, only the whole-request one.
  auto t0 = Clock::now();
  bool closed = false;
  for (int i = 0; i < 60 && !closed; ++i) {
    if (!sendAll(fd, "X")) break;
    closed = waitClosed(fd, 50ms);
  }
  if (!closed) closed = waitClosed(fd, 1s);
  auto elapsed = Clock::now() - t0;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 2500ms);
  close(fd);
  EXPECT_EQ(rejected("deadline"), 1u);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
}

TEST_F(HttpServerTest, SilentConnectionIsCutAtTheDeadline) {
  auto o = defaults();
  o.request_timeout = 300ms;
  start(o);
  int fd = connectTcp(port_);
  auto t0 = Clock::now();
  EXPECT_TRUE(waitClosed(fd, 3s));
  EXPECT_GE(Clock::now() - t0, 200ms);
  close(fd);
}

TEST_F(HttpServerTest, SlowBodyIsCutAtTheDeadline) {
  auto o = defaults();
  o.request_timeout = 400ms;
  start(o);
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123"));
  bool closed = false;
  for (int i = 0; i < 60 && !closed; ++i) {
    if (!sendAll(fd, "x")) break;
    closed = waitClosed(fd, 50ms);
  }
  EXPECT_TRUE(closed || waitClosed(fd, 1s));
  close(fd);
  EXPECT_EQ(handled_, 0);
  EXPECT_EQ(rejected("deadline"), 1u);
}

TEST_F(HttpServerTest, KeepAliveRequestsEachGetAFreshDeadline) {
  auto o = defaults();
  o.request_timeout = 400ms;
  o.idle_timeout = 5s;
  start(o);
  int fd = connectTcp(port_);
  // Five requests 250 ms apart (1.25 s in all) and one after a 700 ms idle gap: the deadline
  // covers each request from its first byte, not the connection.
  for (int i = 0; i < 6; ++i) {
    if (i > 0) std::this_thread::sleep_for(i == 5 ? 700ms : 250ms);
    ASSERT_TRUE(sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")) << i;
    RawResponse r = readResponse(fd, 2s);
    ASSERT_EQ(r.status, 200) << "request " << i;
  }
  EXPECT_EQ(rejected("deadline"), 0u);
  EXPECT_EQ(connections(), 1u);
  close(fd);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  auto o = defaults();
  o.idle_timeout = 1s;
  start(o);
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(readResponse(fd).status, 200);
  auto t0 = Clock::now();
  EXPECT_TRUE(waitClosed(fd, 4s));
  EXPECT_GE(Clock::now() - t0, 700ms);
  close(fd);
  EXPECT_EQ(rejected("deadline"), 0u);
}

// ---------------------------------------------------------------------------------------------
// Connection cap and accounting

TEST_F(HttpServerTest, MaxConnectionsAppliesBackpressure) {
  auto o = defaults();
  o.max_connections = 3;
  start(o);
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(connectTcp(port_));
    ASSERT_GE(held.back(), 0);
  }
  ASSERT_TRUE(eventually([&] { return connections() == 3; }));
  EXPECT_GE(rejected("connection_limit"), 1u);
  EXPECT_FALSE(loop_.run([&] { return server_->accepting(); }));

  // The fourth client connects (kernel backlog) but is not served while the cap holds.
  auto fourth = std::async(std::launch::async, [&] { return httpCall("GET", url("/healthz")); });
  EXPECT_EQ(fourth.wait_for(500ms), std::future_status::timeout);
  EXPECT_EQ(connections(), 3u);

  close(held.back());
  held.pop_back();
  ASSERT_EQ(fourth.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(fourth.get().status, 200);
  for (int fd : held) close(fd);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
  EXPECT_TRUE(loop_.run([&] { return server_->accepting(); }));
}

TEST_F(HttpServerTest, ConnectionCountDoesNotDriftOverManyCycles) {
  auto o = defaults();
  o.max_connections = 16;
  start(o);
  for (int i = 0; i < 300; ++i) {
    int fd = connectTcp(port_);
    ASSERT_GE(fd, 0) << i;
    switch (i % 6) {
      case 0:  // connect and leave
        close(fd);
        break;
      case 1:  // connect and reset
        closeAbortive(fd);
        break;
      case 2:  // half a request, then reset
        sendAll(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12");
        closeAbortive(fd);
        break;
      case 3:  // a full exchange
        sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
        EXPECT_EQ(readResponse(fd).status, 200) << i;
        close(fd);
        break;
      case 4:  // a request, then reset before reading the answer
        sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
        closeAbortive(fd);
        break;
      case 5:  // refused by libevent (413), reset while it answers
        sendAll(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 99999\r\n\r\n");
        closeAbortive(fd);
        break;
    }
  }
  EXPECT_TRUE(eventually([&] { return connections() == 0; }, 10s)) << connections();
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 200);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
  double gauge = loop_.run([&] {
    std::string text = metrics_.render();
    auto pos = text.find("triggerd_http_connections{listener=\"public\"} ");
    return pos == std::string::npos ? -1.0 : std::atof(text.c_str() + pos + 46);
  });
  EXPECT_EQ(gauge, 0.0);
}

// ---------------------------------------------------------------------------------------------
// Async handlers and client disconnects

TEST_F(HttpServerTest, ClientDisconnectDuringAsyncHandlerKillsTheContext) {
  start(defaults());
  for (bool reset : {false, true}) {
    slow_entered_ = false;
    int fired_before = slow_fired_;
    int cancelled_before = cancelled_;
    int fd = connectTcp(port_);
    ASSERT_TRUE(sendAll(fd, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(eventually([&] { return slow_entered_.load(); }));
    if (reset)
      closeAbortive(fd);
    else
      close(fd);
    // The close is noticed while the handler is still waiting: hooks run, context dies.
    EXPECT_TRUE(eventually([&] { return cancelled_ == cancelled_before + 1; }, 2s));
    EXPECT_TRUE(eventually([&] { return connections() == 0; }, 2s));
    EXPECT_EQ(slow_fired_, fired_before);  // the answer was not due yet
    // The late answer is a no-op, not a crash.
    EXPECT_TRUE(eventually([&] { return slow_fired_ == fired_before + 1; }, 3s));
    EXPECT_EQ(late_alive_, 0);
  }
  EXPECT_EQ(requests("/slow", 499), 2u);
  EXPECT_EQ(requests("/slow", 200), 0u);
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 200);
}

TEST_F(HttpServerTest, AsyncAnswerReachesAPatientClient) {
  start(defaults());
  auto r = httpCall("GET", url("/slow"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"slow":true})");
  EXPECT_EQ(cancelled_, 0);
  EXPECT_EQ(late_alive_, 1);
}

TEST_F(HttpServerTest, PipelinedRequestDuringAsyncHandlerWaitsItsTurn) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return slow_entered_.load(); }));
  ASSERT_TRUE(sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string carry;
  RawResponse first = readResponse(fd, 5s, &carry);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, R"({"slow":true})");
  RawResponse second = readResponse(fd, 5s, &carry);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, R"({"ok":true})");
  close(fd);
}

TEST_F(HttpServerTest, DeadlineDoesNotCoverTheHandler) {
  auto o = defaults();
  o.request_timeout = 200ms;
  slow_ms_ = 600ms;
  start(o);
  auto r = httpCall("GET", url("/slow"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(rejected("deadline"), 0u);
}

// A client that half-closes after its request is treated as gone, like nginx's 499: the answer
// is dropped and the work cancelled. HTTP clients (curl, GitHub, GitLab) do not half-close.
TEST_F(HttpServerTest, HalfCloseDuringAsyncHandlerCountsAsGone) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return slow_entered_.load(); }));
  shutdown(fd, SHUT_WR);
  EXPECT_TRUE(eventually([&] { return cancelled_ == 1; }, 2s));
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
}

TEST_F(HttpServerTest, DestroyingTheServerKillsPendingContexts) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return slow_entered_.load(); }));
  loop_.run([&] { server_.reset(); });
  EXPECT_EQ(cancelled_, 1);
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
  EXPECT_TRUE(eventually([&] { return slow_fired_ == 1; }, 3s));  // late answer: no-op
  EXPECT_EQ(late_alive_, 0);
}

// ---------------------------------------------------------------------------------------------
// Drain, reload, unix sockets, socket activation

TEST_F(HttpServerTest, DrainFinishesInFlightRequestsThenReportsIdle) {
  slow_ms_ = 500ms;
  start(defaults());
  // An idle keep-alive connection, and one with a request in progress.
  int idle = connectTcp(port_);
  ASSERT_TRUE(sendAll(idle, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(readResponse(idle).status, 200);
  int busy = connectTcp(port_);
  ASSERT_TRUE(sendAll(busy, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return slow_entered_.load(); }));

  std::atomic<int> idle_calls{0};
  loop_.run([&] { server_->drain([&] { ++idle_calls; }); });
  EXPECT_EQ(connectTcp(port_), -1);   // no longer listening
  EXPECT_TRUE(waitClosed(idle, 2s));  // idle keep-alive closed promptly
  EXPECT_EQ(idle_calls, 0);           // the slow request is still running
  RawResponse r = readResponse(busy, 3s);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_TRUE(waitClosed(busy, 2s));
  EXPECT_TRUE(eventually([&] { return idle_calls == 1; }, 2s));
  EXPECT_EQ(connections(), 0u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(idle_calls, 1);
  close(idle);
  close(busy);
}

TEST_F(HttpServerTest, DrainClosesAConnectionWhoseAnswerWasAlreadyInFlight) {
  auto o = defaults();
  o.idle_timeout = 10s;
  start(o);
  int fd = connectTcp(port_, 64 * 1024);
  ASSERT_TRUE(sendAll(fd, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return big_replied_.load(); }));
  std::this_thread::sleep_for(50ms);  // most of the 16 MiB answer still waits in the server
  std::atomic<int> idle_calls{0};
  loop_.run([&] { server_->drain([&] { ++idle_calls; }); });
  RawResponse r = readResponse(fd, 5s);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), (16u << 20) + 2);
  auto t0 = Clock::now();
  EXPECT_TRUE(waitClosed(fd, 3s));  // well before the 10 s idle timeout
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_TRUE(eventually([&] { return idle_calls == 1; }));
  close(fd);
}

TEST_F(HttpServerTest, DrainWithNothingOpenReportsIdleOnALaterTurn) {
  start(defaults());
  std::atomic<int> calls{0};
  int inline_calls = loop_.run([&] {
    server_->drain([&] { ++calls; });
    return calls.load();
  });
  EXPECT_EQ(inline_calls, 0);
  EXPECT_TRUE(eventually([&] { return calls == 1; }));
}

TEST_F(HttpServerTest, UpdateLimitsAppliesToNewRequests) {
  start(defaults());
  EXPECT_EQ(httpCall("POST", url("/upload"), {}, std::string(800, 'x')).status, 200);
  loop_.run([&] {
    auto o = defaults();
    o.max_body_bytes = 500;
    server_->updateLimits(o);
  });
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 800\r\n\r\n"));
  EXPECT_EQ(readResponse(fd).status, 413);
  close(fd);
}

class UnixSocketTest : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    char tmpl[] = "/tmp/triggerd-http-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/admin.sock";
  }
  void TearDown() override {
    HttpServerTest::TearDown();
    std::filesystem::remove_all(dir_);
  }
  Status bindUnix() {
    return loop_.run([&] {
      if (!server_) {
        server_ = std::make_unique<HttpServer>(loop_.loop(), metrics_, defaults());
        server_->setRouter(router_);
      }
      return server_->bindUnix(path_);
    });
  }
  std::string dir_, path_;
};

TEST_F(UnixSocketTest, ServesOverAUnixSocketWithMode0660) {
  auto st = bindUnix();
  ASSERT_TRUE(st.ok()) << st.error().message;
  struct stat s {};
  ASSERT_EQ(stat(path_.c_str(), &s), 0);
  EXPECT_TRUE(S_ISSOCK(s.st_mode));
  EXPECT_EQ(s.st_mode & 0777, 0660u);
  testing::HttpCallOptions opts;
  opts.unix_socket = path_;
  for (int i = 0; i < 50; ++i) {
    auto r = httpCall("POST", "http://localhost/api/v1/users/u/triggers/1", {}, "b", opts);
    ASSERT_EQ(r.status, 200) << r.error;
    auto doc = parseJson(r.body);
    ASSERT_TRUE(doc.IsObject());
    EXPECT_EQ(jsonString(doc, "/peer"), "unix");
  }
  EXPECT_EQ(loop_.run([&] { return server_->boundPort(); }), 0);
  loop_.run([&] { server_.reset(); });
  EXPECT_FALSE(std::filesystem::exists(path_));  // removed on close
}

TEST_F(UnixSocketTest, ReplacesAStaleSocketFile) {
  // A socket file nobody listens on, as a crashed daemon leaves behind.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strcpy(sun.sun_path, path_.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
  close(fd);
  ASSERT_TRUE(std::filesystem::exists(path_));
  auto st = bindUnix();
  ASSERT_TRUE(st.ok()) << st.error().message;
  testing::HttpCallOptions opts;
  opts.unix_socket = path_;
  EXPECT_EQ(httpCall("GET", "http://localhost/healthz", {}, "", opts).status, 200);
}

TEST_F(UnixSocketTest, RefusesALiveSocketOrARegularFile) {
  ASSERT_TRUE(bindUnix().ok());
  auto second = loop_.run([&] {
    HttpServer other(loop_.loop(), metrics_, defaults());
    return other.bindUnix(path_);
  });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("another process is listening"), std::string::npos);

  std::string file = dir_ + "/plain";
  { std::ofstream(file) << "data"; }
  auto third = loop_.run([&] {
    HttpServer other(loop_.loop(), metrics_, defaults());
    return other.bindUnix(file);
  });
  ASSERT_FALSE(third.ok());
  EXPECT_TRUE(std::filesystem::exists(file));  // never deleted
}

TEST_F(HttpServerTest, AdoptsAListeningSocket) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  auto st = loop_.run([&] {
    server_ = std::make_unique<HttpServer>(loop_.loop(), metrics_, defaults());
    server_->setRouter(router_);
    auto s = server_->adoptFd(fd);
    port_ = server_->boundPort();
    return s;
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 200);

  int not_listening = socket(AF_INET, SOCK_STREAM, 0);
  auto bad = loop_.run([&] { return server_->adoptFd(not_listening); });
  EXPECT_FALSE(bad.ok());
  close(not_listening);
}

TEST_F(HttpServerTest, BindTcpReportsErrors) {
  start(defaults());
  auto taken = loop_.run([&] { return server_->bindTcp("127.0.0.1", port_); });
  EXPECT_FALSE(taken.ok());
  auto bad = loop_.run([&] { return server_->bindTcp("localhost", 0); });
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace triggerd
