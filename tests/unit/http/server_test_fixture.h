// Shared by the HttpServer tests: the server runs on its own EventLoop in a thread; clients are
// blocking libcurl calls (tests/support/http_call.h) or raw sockets for the abusive cases.
#pragma once

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
#include <sstream>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"
#include "tests/support/http_call.h"

namespace triggerd::http_test {

using namespace std::chrono_literals;
using testing::httpCall;
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

inline int connectTcp(uint16_t port, int rcvbuf = 0) {
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

// Connects from a chosen source address: all of 127.0.0.0/8 is loopback on Linux, so tests can
// play several clients with different addresses.
inline int connectTcpFrom(uint16_t port, const char* source) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline bool sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Closes with RST instead of FIN.
inline void closeAbortive(int fd) {
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
inline ReadEnd readUntil(int fd, std::string& buf,
                         const std::function<bool(const std::string&)>& pred,
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
inline RawResponse readResponse(int fd, std::chrono::milliseconds timeout = 5s,
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
inline bool waitClosed(int fd, std::chrono::milliseconds timeout, std::string* data = nullptr) {
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

inline std::string errorOf(const std::string& body) {
  auto doc = json::parse(body);
  if (!doc.ok()) return "<not json: " + body + ">";
  return std::string(json::getString(*doc, "error").value_or("<no error member>"));
}

inline std::string fieldOf(const std::string& body) {
  auto doc = json::parse(body);
  if (!doc.ok()) return "<not json: " + body + ">";
  return std::string(json::getString(*doc, "field").value_or("<no field member>"));
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

}  // namespace triggerd::http_test
