// HttpServer over real sockets: routing, answers, size limits, deadlines, the connection cap,
// client disconnects, drain, reload, unix sockets and socket activation.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "tests/unit/http/server_test_fixture.h"

namespace triggerd::http_test {
namespace {

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
  auto doc = json::parse(r.body);
  ASSERT_TRUE(doc.ok()) << r.body;
  EXPECT_EQ(json::getString(*doc, "method").value_or(""), "POST");
  EXPECT_EQ(json::getString(*doc, "user").value_or(""), "al ice");
  EXPECT_EQ(json::getString(*doc, "id").value_or(""), "octo/app");
  EXPECT_EQ(json::getString(*doc, "a").value_or(""), "1");
  EXPECT_EQ(json::getString(*doc, "b").value_or(""), "x y!");
  EXPECT_EQ(json::getString(*doc, "test_header").value_or(""), "hello");
  EXPECT_EQ(json::getString(*doc, "body").value_or(""), "{\"k\":1}");
  EXPECT_EQ(json::getString(*doc, "listener").value_or(""), "public");
  EXPECT_EQ(json::getString(*doc, "route").value_or(""), "/api/v1/users/{user}/triggers/{id}");
  EXPECT_EQ(json::getString(*doc, "peer").value_or("").rfind("127.0.0.1:", 0), 0u);
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
  auto doc = json::parse(q.body);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(json::getString(*doc, "field").value_or(""), "query");
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
// Size limits: refusals before routing, answered as JSON and closed.

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
  // and lingers (drops the rest of the body), so the client sees the 413, not a reset.
  auto r = httpCall("POST", url("/upload"), {}, std::string(256 * 1024, 'x'));
  EXPECT_EQ(r.status, 413) << r.error;
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

// evhttp answered every malformed request with one generic message; the strict parser names
// what is wrong (tests/unit/http/server_refusal_test.cpp covers each refusal).
TEST_F(HttpServerTest, MalformedRequestIs400Json) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "this is not http\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(errorOf(r.body).find("request target"), std::string::npos) << r.body;
  EXPECT_EQ(fieldOf(r.body), "request line");
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
}

TEST_F(HttpServerTest, MethodRefusedBeforeRoutingIs405Json) {
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
    auto doc = json::parse(r.body);
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(json::getString(*doc, "peer").value_or(""), "unix");
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

// server.reuse_port: a second server (another process, in production) listens on the same
// port when both set SO_REUSEPORT; one that does not is refused.
TEST_F(HttpServerTest, ReusePortLetsTwoServersShareAPort) {
  auto o = defaults();
  o.reuse_port = true;
  start(o);
  auto second = loop_.run([&] {
    auto s = std::make_unique<HttpServer>(loop_.loop(), metrics_, o);
    s->setRouter(router_);
    auto st = s->bindTcp("127.0.0.1", port_);
    bool shared = st.ok() && s->boundPort() == port_;
    auto plain = std::make_unique<HttpServer>(loop_.loop(), metrics_, defaults());
    auto refused = plain->bindTcp("127.0.0.1", port_);
    s.reset();
    plain.reset();
    return std::pair{shared, refused.ok()};
  });
  EXPECT_TRUE(second.first);
  EXPECT_FALSE(second.second);
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 200);
}

}  // namespace
}  // namespace triggerd::http_test
