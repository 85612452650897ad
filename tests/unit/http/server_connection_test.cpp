// HttpServer connection handling over real sockets: pipelining, 100-continue, chunked bodies,
// HEAD, HTTP/1.0, lingering close after a refusal, the per-address cap, slow clients.
#include <gtest/gtest.h>

#include <thread>

#include "tests/unit/http/server_test_fixture.h"

namespace triggerd::http_test {
namespace {

// Reads a response head (up to the empty line) without expecting a body: for HEAD answers.
std::string readHead(int fd, std::string* rest = nullptr) {
  std::string buf;
  readUntil(
      fd, buf, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }, 5s);
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return buf;
  if (rest) *rest = buf.substr(end + 4);
  return buf.substr(0, end + 4);
}

std::string bodyField(const std::string& json, const char* name) {
  auto doc = json::parse(json);
  if (!doc.ok()) return "<not json: " + json + ">";
  return std::string(json::getString(*doc, name).value_or("<missing>"));
}

// ---------------------------------------------------------------------------------------------
// Keep-alive, pipelining, HEAD, HTTP/1.0

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  start(defaults());
  int fd = connectTcp(port_);
  std::string three =
      "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
      "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\nabcdefg"
      "POST /api/v1/users/u/triggers/9 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nxyz\r\n0\r\n\r\n";
  ASSERT_TRUE(sendAll(fd, three));
  std::string carry;
  RawResponse a = readResponse(fd, 5s, &carry);
  RawResponse b = readResponse(fd, 5s, &carry);
  RawResponse c = readResponse(fd, 5s, &carry);
  EXPECT_EQ(a.body, R"({"ok":true})");
  EXPECT_EQ(b.body, R"({"size":7})");
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(bodyField(c.body, "body"), "xyz");
  EXPECT_EQ(a.header("X-Request-Id") != b.header("X-Request-Id"), true);
  // Still open and usable.
  ASSERT_TRUE(sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(readResponse(fd, 5s, &carry).status, 200);
  EXPECT_EQ(connections(), 1u);
  close(fd);
}

TEST_F(HttpServerTest, PipelinedRequestsBehindASlowOneKeepTheirOrder) {
  slow_ms_ = 200ms;
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                      "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string carry;
  EXPECT_EQ(readResponse(fd, 5s, &carry).body, R"({"slow":true})");
  EXPECT_EQ(readResponse(fd, 5s, &carry).body, R"({"ok":true})");
  EXPECT_EQ(readResponse(fd, 5s, &carry).body, R"({"slow":true})");
  EXPECT_EQ(readResponse(fd, 5s, &carry).body, R"({"ok":true})");
  close(fd);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonouredAndLaterPipelinedRequestsDropped) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Connection"), "close");
  std::string after;
  EXPECT_TRUE(waitClosed(fd, 2s, &after));
  EXPECT_EQ(after, "");
  close(fd);
  EXPECT_EQ(handled_, 1);
}

TEST_F(HttpServerTest, HeadAnswerHasTheLengthButNoBody) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string rest;
  std::string head = readHead(fd, &rest);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: 11\r\n"), std::string::npos) << head;
  // The next bytes are the GET's answer, not a body of the HEAD's.
  RawResponse next = readResponse(fd, 5s, &rest);
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, R"({"ok":true})");
  close(fd);
}

TEST_F(HttpServerTest, Http10IsAnsweredAndClosedUnlessItAsksForKeepAlive) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  RawResponse kept = readResponse(fd);
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.header("Connection"), "keep-alive");
  ASSERT_TRUE(sendAll(fd, "GET /healthz HTTP/1.0\r\n\r\n"));
  RawResponse last = readResponse(fd);
  EXPECT_EQ(last.status, 200);
  EXPECT_EQ(last.header("Connection"), "close");
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
}

TEST_F(HttpServerTest, AnswersCarryDateAndRequestId) {
  start(defaults());
  auto r = httpCall("GET", url("/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.header("Date").find(" GMT"), std::string::npos) << r.header("Date");
  EXPECT_EQ(r.header("X-Request-Id").size(), 26u);
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
}

// ---------------------------------------------------------------------------------------------
// Bodies: chunked, 100-continue

TEST_F(HttpServerTest, ChunkedBodyIsDecodedAcrossReads) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "POST /api/v1/users/u/triggers/1 HTTP/1.1\r\nHost: t\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n6\r\n{\"k\":1"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(sendAll(fd, "\r\n1;ext=\"v\"\r\n}\r\n"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(sendAll(fd, "0\r\nX-Trailer: ignored\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(bodyField(r.body, "body"), R"({"k":1})");
  close(fd);
}

TEST_F(HttpServerTest, ChunkedBodySentByteByByte) {
  start(defaults());
  int fd = connectTcp(port_);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string request =
      "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "a\r\n0123456789\r\n5\r\nabcde\r\n0\r\n\r\n";
  for (char c : request) ASSERT_TRUE(sendAll(fd, std::string_view(&c, 1)));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.body, R"({"size":15})");
  close(fd);
}

TEST_F(HttpServerTest, ChunkedBodyAtTheLimitIsServedAndOneByteMoreIs413) {
  start(defaults());  // max_body_bytes 1000
  auto chunked = [](size_t n) {
    std::ostringstream s;
    s << "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      << std::hex << 600 << "\r\n"
      << std::string(600, 'x') << "\r\n"
      << std::hex << (n - 600) << "\r\n"
      << std::string(n - 600, 'y') << "\r\n0\r\n\r\n";
    return s.str();
  };
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, chunked(1000)));
  EXPECT_EQ(readResponse(fd).body, R"({"size":1000})");
  ASSERT_TRUE(sendAll(fd, chunked(1001)));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(errorOf(r.body), "request body exceeds the limit of 1000 bytes");
  close(fd);
}

TEST_F(HttpServerTest, ExpectContinueWithChunkedBody) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"));
  std::string buf;
  readUntil(
      fd, buf, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }, 2s);
  EXPECT_EQ(buf, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(sendAll(fd, "4\r\nabcd\r\n0\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.body, R"({"size":4})");
  close(fd);
}

TEST_F(HttpServerTest, NoContinueWhenTheBodyCameWithTheHead) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                      "Content-Length: 3\r\n\r\nabc"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 200);  // not 100 first
  EXPECT_EQ(r.body, R"({"size":3})");
  close(fd);
}

TEST_F(HttpServerTest, CurlExpectContinueUploadIsServed) {
  // curl sends "Expect: 100-continue" for bodies over 1 MiB and waits for the 100.
  auto o = defaults();
  o.max_body_bytes = 4 << 20;
  start(o);
  std::string body(2 << 20, 'b');
  auto r = httpCall("POST", url("/upload"), {{"Expect", "100-continue"}}, body);
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "{\"size\":" + std::to_string(body.size()) + "}");
}

// ---------------------------------------------------------------------------------------------
// Lingering close after a refusal

// A client that writes its whole over-size body before reading (no 100-continue, no early
// read) still gets the 413 and a clean close, not a reset: the server reads and drops the rest.
TEST_F(HttpServerTest, LingeringCloseDelivers413ToAClientThatWritesEverythingFirst) {
  start(defaults());  // max_body_bytes 1000
  for (size_t size : {size_t{64 * 1024}, size_t{768 * 1024}}) {
    int fd = connectTcp(port_);
    std::string request =
        "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n" +
        std::string(size, 'z');
    ASSERT_TRUE(sendAll(fd, request)) << size << ": the server stopped reading";
    RawResponse r = readResponse(fd);
    EXPECT_EQ(r.status, 413) << size;
    EXPECT_EQ(errorOf(r.body), "request body exceeds the limit of 1000 bytes");
    std::string after;
    EXPECT_TRUE(waitClosed(fd, 2s, &after));
    close(fd);
  }
  EXPECT_EQ(handled_, 0);
  EXPECT_EQ(rejected("too_large"), 2u);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
}

TEST_F(HttpServerTest, LingeringIsBoundedInBytes) {
  start(defaults());  // drops at most max(max_body_bytes, 1 MiB)
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n"));
  // Keep writing: the server stops dropping after about 1 MiB and closes, so the writes fail.
  auto t0 = Clock::now();
  size_t sent = 0;
  std::string chunk(64 * 1024, 'z');
  while (sent < (64u << 20) && Clock::now() - t0 < 10s && sendAll(fd, chunk)) sent += chunk.size();
  EXPECT_LT(sent, 16u << 20) << "the server kept reading";
  EXPECT_GE(sent, 1u << 20) << "the server did not linger";
  close(fd);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
}

TEST_F(HttpServerTest, LingeringIsBoundedInTime) {
  auto o = defaults();
  o.request_timeout = 400ms;  // lingering lasts at most min(request_timeout, 5 s)
  start(o);
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.end, ReadEnd::kComplete);
  // The client keeps its socket open and silent: the server lets go on its own.
  auto t0 = Clock::now();
  EXPECT_TRUE(eventually([&] { return connections() == 0; }, 3s));
  EXPECT_LT(Clock::now() - t0, 2s);
  close(fd);
}

// ---------------------------------------------------------------------------------------------
// Per-address connection cap

TEST_F(HttpServerTest, PerAddressCapAnswers503WithRetryAfter) {
  auto o = defaults();
  o.max_connections_per_address = 2;
  start(o);
  int a = connectTcpFrom(port_, "127.0.0.1");
  int b = connectTcpFrom(port_, "127.0.0.1");
  ASSERT_TRUE(eventually([&] { return connections() == 2; }));

  int third = connectTcpFrom(port_, "127.0.0.1");
  ASSERT_GE(third, 0);
  ASSERT_TRUE(sendAll(third, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  RawResponse r = readResponse(third);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "5");
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(errorOf(r.body),
            "too many connections from your address (limit 2); retry later or reuse connections");
  EXPECT_EQ(fieldOf(r.body), "connection");
  EXPECT_TRUE(waitClosed(third, 3s));
  close(third);
  EXPECT_EQ(rejected("address_limit"), 1u);
  EXPECT_EQ(handled_, 0);

  // Another address is served, and so is this one once a slot frees up.
  int other = connectTcpFrom(port_, "127.0.0.2");
  ASSERT_TRUE(sendAll(other, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(readResponse(other).status, 200);
  close(other);
  close(a);
  ASSERT_TRUE(eventually([&] { return connections() == 1; }));
  int again = connectTcpFrom(port_, "127.0.0.1");
  ASSERT_TRUE(sendAll(again, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(readResponse(again).status, 200);
  close(again);
  close(b);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
}

TEST_F(HttpServerTest, PerAddressCapIsReloadable) {
  auto o = defaults();
  o.max_connections_per_address = 1;
  start(o);
  int held = connectTcp(port_);
  ASSERT_TRUE(eventually([&] { return connections() == 1; }));
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 503);
  loop_.run([&] {
    auto raised = defaults();
    raised.max_connections_per_address = 0;  // no limit
    server_->updateLimits(raised);
  });
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 200);
  close(held);
}

// ---------------------------------------------------------------------------------------------
// Slow clients

// A slowloris attack: many connections, each dribbling header bytes and never finishing. They
// cost a little memory each and no time: a real delivery on another connection is answered at
// once, and the deadline then cuts every slow connection.
TEST_F(HttpServerTest, AThousandSlowlorisConnectionsDoNotDelayARealDelivery) {
  constexpr int kSlow = 1000;
  auto o = defaults();
  o.max_connections = kSlow + 64;
  o.max_connections_per_address = 0;  // all from loopback: the global cap is what is tested
  o.request_timeout = 3s;
  o.max_body_bytes = 64 * 1024;
  start(o);
  std::vector<int> slow;
  for (int i = 0; i < kSlow; ++i) {
    int fd = connectTcpFrom(port_, "127.0.0.2");
    ASSERT_GE(fd, 0) << i;
    ASSERT_TRUE(sendAll(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nX-Slow: ")) << i;
    slow.push_back(fd);
  }
  std::atomic<bool> stop{false};
  std::thread dribbler([&] {
    while (!stop) {
      for (int fd : slow) send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(50ms);
    }
  });
  ASSERT_TRUE(eventually([&] { return connections() >= static_cast<size_t>(kSlow); }));
  std::string body(8 * 1024, 'd');
  for (int i = 0; i < 5; ++i) {
    auto t0 = Clock::now();
    auto r = httpCall("POST", url("/upload"), {{"Content-Type", "application/json"}}, body);
    auto took = Clock::now() - t0;
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_LT(took, 1s) << "delivery " << i << " took "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                        << " ms";
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(connections(), static_cast<size_t>(kSlow));
  // The whole-request deadline ends them all.
  EXPECT_TRUE(eventually([&] { return connections() == 0; }, 10s)) << connections();
  stop = true;
  dribbler.join();
  EXPECT_GE(rejected("deadline"), static_cast<uint64_t>(kSlow));
  for (int fd : slow) close(fd);
}

// The per-address cap keeps one address's slowloris to its share: other clients keep room.
TEST_F(HttpServerTest, PerAddressCapLimitsASlowlorisFromOneAddress) {
  auto o = defaults();
  o.max_connections = 128;
  o.max_connections_per_address = 32;
  start(o);
  std::vector<int> slow;
  for (int i = 0; i < 100; ++i) {
    int fd = connectTcpFrom(port_, "127.0.0.3");
    ASSERT_GE(fd, 0);
    sendAll(fd, "GET /healthz HTTP/1.1\r\nX-Slow: ");
    slow.push_back(fd);
  }
  ASSERT_TRUE(eventually([&] { return rejected("address_limit") == 68; }))
      << rejected("address_limit");
  // The refused ones are let go within a second; the 32 admitted ones stay.
  EXPECT_TRUE(eventually([&] { return connections() == 32; }, 3s)) << connections();
  auto t0 = Clock::now();
  EXPECT_EQ(httpCall("GET", url("/healthz")).status, 200);
  EXPECT_LT(Clock::now() - t0, 1s);
  for (int fd : slow) close(fd);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
}

TEST_F(HttpServerTest, AClientThatStopsReadingIsCutAfterTheIdleTimeout) {
  auto o = defaults();
  o.idle_timeout = 1s;
  start(o);
  int fd = connectTcp(port_, 16 * 1024);
  ASSERT_TRUE(sendAll(fd, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return big_replied_.load(); }));
  // Never read: the 16 MiB answer stalls in the socket buffers.
  auto t0 = Clock::now();
  EXPECT_TRUE(eventually([&] { return connections() == 0; }, 5s));
  EXPECT_GE(Clock::now() - t0, 700ms);
  close(fd);
}

}  // namespace
}  // namespace triggerd::http_test
