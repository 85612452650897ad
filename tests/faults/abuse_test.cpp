// Abusive clients against the real daemon's public listener (the HTTP server's own tests in
// tests/unit/http cover the same limits in-process): a client that writes a whole over-size
// body before reading still gets its 413 (lingering close), and 1,000 slow connections do not
// delay a real signed delivery, enqueued in Redis, past one second.
#include <sys/resource.h>

#include "tests/faults/fault_test.h"
#include "tests/support/json_doc.h"
#include "tests/unit/http/server_test_fixture.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;
using http_test::connectTcpFrom;
using http_test::readResponse;
using http_test::sendAll;
using http_test::waitClosed;

class AbuseTest : public FaultTest {
 protected:
  void SetUp() override {
    // Both ends of 1,000 connections live on this machine: the test's sockets and triggerd's
    // (a child, which inherits the limit).
    rlimit nofile{};
    getrlimit(RLIMIT_NOFILE, &nofile);
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }

  HttpCallResult deliver(const std::string& delivery, int variant) {
    std::string body = githubPush("github/push.json", variant);
    return tri_->post("/webhooks/github/" + trigger_, body,
                      {{"Content-Type", "application/json"},
                       {"X-GitHub-Event", "push"},
                       {"X-GitHub-Delivery", delivery},
                       {"X-Hub-Signature-256", githubSignature(secret_, body)}});
  }

  double metric(const std::string& series) {
    std::string text = httpCall("GET", tri_->adminUrl("/metrics")).body;
    size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size() + 2));
  }
};

TEST_F(AbuseTest, AnOversizeBodyWrittenBeforeReadingGetsIts413) {
  TriggerdOptions o = withSpool();
  o.limits_toml = "max_body_bytes = \"64KiB\"\n";
  startDaemon(o);
  auto port = static_cast<uint16_t>(tri_->publicPort());
  for (size_t size : {size_t{200} << 10, size_t{900} << 10}) {
    int fd = connectTcpFrom(port, "127.0.0.1");
    ASSERT_GE(fd, 0);
    std::string head = "POST /webhooks/github/" + trigger_ +
                       " HTTP/1.1\r\nHost: triggerd.test\r\nContent-Type: application/json\r\n"
                       "X-GitHub-Event: push\r\nX-GitHub-Delivery: big\r\nContent-Length: " +
                       std::to_string(size) + "\r\n\r\n";
    // Everything first, as most clients do: the server must keep reading (and dropping) or
    // this blocks and the client meets a reset instead of the answer.
    ASSERT_TRUE(sendAll(fd, head + std::string(size, '{'))) << size;
    auto r = readResponse(fd);
    EXPECT_EQ(r.status, 413) << size;
    EXPECT_EQ(r.header("Connection"), "close");
    auto d = parseJson(r.body);
    EXPECT_EQ(jsonString(d, "/field"), "body");
    EXPECT_NE(jsonString(d, "/error").find("65536"), std::string::npos) << r.body;
    EXPECT_TRUE(waitClosed(fd, 5s)) << size;
    close(fd);
  }
  EXPECT_EQ(metric("triggerd_http_rejected_total{listener=\"public\",reason=\"too_large\"}"), 2);
  ASSERT_EQ(deliver("after", 1).status, 202);
  EXPECT_EQ(tri_->streamLength(), 1);
}

TEST_F(AbuseTest, AThousandSlowConnectionsDoNotDelayARealDelivery) {
  constexpr int kSlow = 1000;
  TriggerdOptions o = withSpool();
  // Four client addresses keep each under the per-address cap (256); the global cap has room.
  o.limits_toml = "max_connections = 1200\nrequest_timeout = \"6s\"\n";
  startDaemon(o);
  auto port = static_cast<uint16_t>(tri_->publicPort());
  ASSERT_EQ(deliver("warm", 1).status, 202);

  std::vector<int> slow;
  const char* sources[] = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"};
  for (int i = 0; i < kSlow; ++i) {
    int fd = connectTcpFrom(port, sources[i % 4]);
    ASSERT_GE(fd, 0) << i;
    ASSERT_TRUE(sendAll(fd, "POST /webhooks/github/" + trigger_ + " HTTP/1.1\r\nX-Slow: ")) << i;
    slow.push_back(fd);
  }
  std::atomic<bool> stop{false};
  std::thread dribbler([&] {
    while (!stop) {
      for (int fd : slow) send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(50ms);
    }
  });
  ASSERT_TRUE(waitUntil([&] {
    return metric("triggerd_http_connections{listener=\"public\"}") >= kSlow;
  })) << metric("triggerd_http_connections{listener=\"public\"}");

  long long worst_ms = 0;
  for (int i = 0; i < 10; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = deliver("real-" + std::to_string(i), 10 + i);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    worst_ms = std::max<long long>(worst_ms, ms);
    EXPECT_EQ(r.status, 202) << r.body << r.error;
    // Redis took it (a spooled answer says "spooled": true).
    EXPECT_EQ(r.body.find("\"spooled\""), std::string::npos) << r.body;
    EXPECT_LT(ms, 1000) << "delivery " << i;
    std::this_thread::sleep_for(50ms);
  }
  std::printf("[ figures  ] slow_connections=%d worst_delivery_ms=%lld\n", kSlow, worst_ms);
  EXPECT_EQ(tri_->streamLength(), 11);
  // The whole-request deadline then ends every slow connection.
  EXPECT_TRUE(waitUntil(
      [&] {
        return metric("triggerd_http_rejected_total{listener=\"public\",reason=\"deadline\"}") >=
               kSlow;
      },
      15s));
  stop = true;
  dribbler.join();
  for (int fd : slow) close(fd);
}

}  // namespace
}  // namespace triggerd::testing
