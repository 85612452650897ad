// CurlMultiClient over real sockets against FakeHttpServer on 127.0.0.1 (plain and TLS).
#include "http/curl_multi_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>

#include "tests/support/connect_proxy.h"
#include "tests/support/loop_runner.h"
#include "tests/support/tls_server.h"

namespace triggerd {
namespace {

using std::chrono::milliseconds;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::runFor;
using testing::runUntil;

class CurlMultiClientTest : public ::testing::Test {
 protected:
  void SetUp() override { makeClient({"127.0.0.0/8", "::1/128"}); }

  void makeClient(const std::vector<std::string>& allowed_networks, std::string proxy = "") {
    CurlMultiClient::Options options;
    options.user_agent = "triggerd-test/1";
    auto guard = AddressGuard::fromStrings(allowed_networks);
    EXPECT_TRUE(guard.ok());
    options.address_guard = *guard;
    options.proxy = std::move(proxy);
    options.metrics = &metrics_;
    client_ = std::make_unique<CurlMultiClient>(loop_, std::move(options));
  }

  Result<HttpResponse> fetch(HttpRequest request) {
    std::optional<Result<HttpResponse>> result;
    client_->send(std::move(request), [&](Result<HttpResponse> r) { result = std::move(r); });
    EXPECT_TRUE(runUntil(loop_, [&] { return result.has_value(); })) << "no callback";
    if (!result) return Error::internal("no callback");
    return std::move(*result);
  }

  Result<HttpResponse> get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    return fetch(std::move(request));
  }

  EventLoop loop_;
  Metrics metrics_;
  std::unique_ptr<CurlMultiClient> client_;
};

TEST_F(CurlMultiClientTest, PlainHttpGet) {
  FakeHttpServer server([](const FakeRequest& req) {
    FakeResponse r = FakeResponse::json(200, R"({"path":")" + req.path + R"("})");
    r.headers.emplace_back("X-Repeated", "first");
    r.headers.emplace_back("X-Repeated", "second");
    return r;
  });
  HttpRequest request;
  request.url = server.url("/api/v4/user?per_page=100");
  request.headers = {{"PRIVATE-TOKEN", "glpat-secret"}, {"Accept", "application/json"}};
  auto result = fetch(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"({"path":"/api/v4/user"})");
  EXPECT_EQ(result->header("content-type"), "application/json");
  EXPECT_EQ(result->header("x-repeated"), "first");
  EXPECT_FALSE(result->header("X-Missing"));
  EXPECT_EQ(result->effective_url, request.url);

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/api/v4/user");
  EXPECT_EQ(seen[0].query, "per_page=100");
  EXPECT_EQ(seen[0].header("private-token"), "glpat-secret");
  EXPECT_EQ(seen[0].header("User-Agent"), "triggerd-test/1");
  EXPECT_EQ(seen[0].header("Expect"), "");
  EXPECT_EQ(client_->pending(), 0u);
}

TEST_F(CurlMultiClientTest, MethodsAndBodies) {
  FakeHttpServer server([](const FakeRequest& req) {
    return FakeResponse::text(req.method == "POST" ? 201 : 200, req.method + ":" + req.body);
  });
  struct Case {
    std::string method, body, expected;
  };
  for (const Case& c : std::vector<Case>{{"POST", R"({"a":1})", "POST:{\"a\":1}"},
                                         {"PUT", "put-body", "PUT:put-body"},
                                         {"PATCH", R"({"active":true})", "PATCH:{\"active\":true}"},
                                         {"PUT", "", "PUT:"},
                                         {"DELETE", "", "DELETE:"},
                                         {"GET", "", "GET:"}}) {
    HttpRequest request;
    request.method = c.method;
    request.url = server.url("/hooks");
    request.body = c.body;
    request.headers = {{"Content-Type", "application/json"}};
    auto result = fetch(request);
    ASSERT_TRUE(result.ok()) << c.method << ": " << result.error().message;
    EXPECT_EQ(result->body, c.expected);
    EXPECT_EQ(result->status, c.method == "POST" ? 201 : 200);
  }
  HttpRequest head;
  head.method = "HEAD";
  head.url = server.url("/hooks");
  auto result = fetch(head);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "");
  EXPECT_EQ(server.requests().back().method, "HEAD");
}

TEST_F(CurlMultiClientTest, HttpStatusesAreResponsesNotErrors) {
  FakeHttpServer server(
      [](const FakeRequest&) { return FakeResponse::json(404, R"({"message":"Not Found"})"); });
  auto result = get(server.url("/repos/a/b"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->body, R"({"message":"Not Found"})");
}

TEST_F(CurlMultiClientTest, HttpsWithPrivateCaSucceeds) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "tls ok"); },
                        {.tls = true});
  ASSERT_NE(server.caPem().find("BEGIN CERTIFICATE"), std::string::npos);
  HttpRequest request;
  request.url = server.url("/api/v4/version");
  request.ca_pem = server.caPem();
  auto result = fetch(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "tls ok");
  EXPECT_EQ(server.requestCount(), 1u);

  // The certificate also names localhost.
  request.url = "https://localhost:" + std::to_string(server.port()) + "/x";
  auto by_name = fetch(request);
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(by_name->status, 200);
}

TEST_F(CurlMultiClientTest, HttpsWithoutTheCaFailsVerification) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "secret"); },
                        {.tls = true});
  auto result = get(server.url("/"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 502);
  EXPECT_NE(result.error().message.find("TLS certificate of 127.0.0.1 could not be verified"),
            std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("certificate"), std::string::npos);
  EXPECT_EQ(server.requestCount(), 0u);

  // Another CA is no better: only the given bundle is trusted.
  FakeHttpServer other({}, {.tls = true});
  HttpRequest request;
  request.url = server.url("/");
  request.ca_pem = other.caPem();
  auto wrong_ca = fetch(request);
  ASSERT_FALSE(wrong_ca.ok());
  EXPECT_NE(wrong_ca.error().message.find("could not be verified"), std::string::npos)
      << wrong_ca.error().message;
  EXPECT_EQ(server.requestCount(), 0u);
}

TEST_F(CurlMultiClientTest, GarbageCaPemFailsClearly) {
  FakeHttpServer server({}, {.tls = true});
  HttpRequest request;
  request.url = server.url("/");
  request.ca_pem = "not a certificate";
  auto result = fetch(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 502);
  EXPECT_EQ(server.requestCount(), 0u);
}

TEST_F(CurlMultiClientTest, GuardRefusesEverySpellingOfInternalAddresses) {
  makeClient({});  // default policy: nothing internal is allowed
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "reached"); });
  std::string port = std::to_string(server.port());
  struct Case {
    std::string host, refused_address;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1", "127.0.0.1 (loopback)"},
      {"localhost", "(loopback), the address of localhost"},
      {"2130706433", "127.0.0.1 (loopback)"},
      {"0177.0.0.1", "127.0.0.1 (loopback)"},
      {"0x7f000001", "127.0.0.1 (loopback)"},
      {"0x7f.1", "127.0.0.1 (loopback)"},
      {"127.1", "127.0.0.1 (loopback)"},
      {"[::1]", "::1 (loopback)"},
      {"[::ffff:127.0.0.1]", "::ffff:127.0.0.1 (IPv4-mapped 127.0.0.1, loopback)"},
      {"10.0.0.1", "10.0.0.1 (private)"},
      {"169.254.169.254", "169.254.169.254 (link-local)"},
      {"192.168.1.1", "192.168.1.1 (private)"},
      {"[fd00::1]", "fd00::1 (private)"},
      {"0.0.0.0", "0.0.0.0 (unspecified)"},
  };
  for (const Case& c : cases) {
    HttpRequest request;
    request.url = "http://" + c.host + ":" + port + "/metadata";
    request.connect_timeout = milliseconds(300);
    auto started = std::chrono::steady_clock::now();
    auto result = fetch(request);
    auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(result.ok()) << c.host << " was not refused";
    EXPECT_EQ(result.error().status, 502) << c.host;
    EXPECT_EQ(result.error().field, "url") << c.host;
    const std::string& message = result.error().message;
    EXPECT_EQ(message.rfind("refusing to connect to ", 0), 0u) << message;
    EXPECT_NE(message.find(c.refused_address), std::string::npos) << c.host << ": " << message;
    EXPECT_NE(message.find("add the network to security.allowed_networks to allow it"),
              std::string::npos)
        << message;
    EXPECT_LT(elapsed, milliseconds(250)) << c.host << ": refusal should not wait for a timeout";
  }
  runFor(loop_, milliseconds(50));
  EXPECT_EQ(server.connectionCount(), 0u);
  EXPECT_EQ(server.requestCount(), 0u);
  EXPECT_GE(metrics_.counter("triggerd_ssrf_refusals_total", {{"class", "loopback"}}), 8u);
  EXPECT_GE(metrics_.counter("triggerd_ssrf_refusals_total", {{"class", "link-local"}}), 1u);
}

TEST_F(CurlMultiClientTest, GuardIsCheckedWhenTheSocketOpens) {
  // A name is only judged on its resolved address, at socket-open time: no literal shortcut.
  makeClient({});
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "reached"); });
  auto result = get("http://localhost:" + std::to_string(server.port()) + "/");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "url");
  EXPECT_NE(result.error().message.find("the address of localhost"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(server.connectionCount(), 0u);
}

TEST_F(CurlMultiClientTest, AllowedNetworksLetLoopbackThrough) {
  makeClient({"127.0.0.0/8"});
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "reached"); });
  std::string port = std::to_string(server.port());
  for (const std::string host : {"127.0.0.1", "2130706433", "127.1", "localhost"}) {
    auto result = get("http://" + host + ":" + port + "/");
    ASSERT_TRUE(result.ok()) << host << ": " << result.error().message;
    EXPECT_EQ(result->body, "reached");
  }
  // ::1 is not in 127.0.0.0/8.
  auto v6 = get("http://[::1]:" + port + "/");
  ASSERT_FALSE(v6.ok());
  EXPECT_NE(v6.error().message.find("::1 (loopback)"), std::string::npos);
  // Still nothing else.
  auto metadata = get("http://169.254.169.254/latest/meta-data/");
  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.error().field, "url");
}

TEST_F(CurlMultiClientTest, SetAddressGuardAppliesToNewConnections) {
  makeClient({});
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "reached"); });
  EXPECT_FALSE(get(server.url("/")).ok());
  client_->setAddressGuard(*AddressGuard::fromStrings({"127.0.0.1/32"}));
  auto result = get(server.url("/"));
  ASSERT_TRUE(result.ok()) << result.error().message;
}

TEST_F(CurlMultiClientTest, SchemeRefusals) {
  struct Case {
    std::string url, needle;
  };
  for (const Case& c : std::vector<Case>{
           {"ftp://127.0.0.1/file", "unsupported URL scheme 'ftp'"},
           {"file:///etc/passwd", "unsupported URL scheme 'file'"},
           {"gopher://127.0.0.1:6379/_FLUSHALL", "unsupported URL scheme 'gopher'"},
           {"dict://127.0.0.1:11211/stats", "unsupported URL scheme 'dict'"},
           {"ldap://example.com/", "unsupported URL scheme 'ldap'"},
           {"not a url", "is not an absolute http or https URL"},
           {"/relative/path", "is not an absolute http or https URL"},
       }) {
    auto result = get(c.url);
    ASSERT_FALSE(result.ok()) << c.url;
    EXPECT_EQ(result.error().status, 422) << c.url;
    EXPECT_EQ(result.error().field, "url") << c.url;
    EXPECT_NE(result.error().message.find(c.needle), std::string::npos)
        << c.url << ": " << result.error().message;
  }
}

TEST_F(CurlMultiClientTest, BadMethodsAndHeadersAreRefused) {
  FakeHttpServer server;
  HttpRequest request;
  request.url = server.url("/");
  request.method = "GET /evil HTTP/1.1\r\n";
  auto bad_method = fetch(request);
  ASSERT_FALSE(bad_method.ok());
  EXPECT_EQ(bad_method.error().status, 422);

  request.method = "GET";
  request.headers = {{"X-Injected", "a\r\nHost: evil"}};
  auto bad_header = fetch(request);
  ASSERT_FALSE(bad_header.ok());
  EXPECT_EQ(bad_header.error().field, "headers");
  EXPECT_EQ(server.requestCount(), 0u);
}

TEST_F(CurlMultiClientTest, RedirectsAreNotFollowed) {
  FakeHttpServer server;
  server.setHandler([&server](const FakeRequest& req) {
    if (req.path == "/elsewhere") return FakeResponse::text(200, "followed");
    FakeResponse r = FakeResponse::text(302, "");
    r.headers.emplace_back("Location", server.url("/elsewhere"));
    return r;
  });
  auto result = get(server.url("/start"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 302);
  EXPECT_EQ(result->header("Location"), server.url("/elsewhere"));
  runFor(loop_, milliseconds(50));
  EXPECT_EQ(server.requestCount(), 1u);
}

TEST_F(CurlMultiClientTest, ResponseSizeCap) {
  const std::string big(2 * 1024 * 1024, 'x');
  FakeHttpServer server([&big](const FakeRequest& req) {
    FakeResponse r = FakeResponse::text(200, big);
    r.chunked = req.path == "/chunked";  // no Content-Length: the write callback must cut it
    return r;
  });
  for (const std::string path : {"/sized", "/chunked"}) {
    HttpRequest request;
    request.url = server.url(path);
    request.max_response_bytes = 1024 * 1024;
    auto result = fetch(request);
    ASSERT_FALSE(result.ok()) << path;
    EXPECT_EQ(result.error().status, 502);
    EXPECT_NE(result.error().message.find("larger than 1048576 bytes"), std::string::npos)
        << path << ": " << result.error().message;
  }
  // At the cap exactly is fine.
  HttpRequest exact;
  exact.url = server.url("/chunked");
  exact.max_response_bytes = big.size();
  auto result = fetch(exact);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->body.size(), big.size());
}

TEST_F(CurlMultiClientTest, ClientCeilingCapsTheRequest) {
  CurlMultiClient::Options options;
  options.address_guard = *AddressGuard::fromStrings({"127.0.0.0/8"});
  options.proxy = "";
  options.max_response_bytes = 100;
  client_ = std::make_unique<CurlMultiClient>(loop_, options);
  FakeHttpServer server(
      [](const FakeRequest&) { return FakeResponse::text(200, std::string(500, 'y')); });
  auto result = get(server.url("/"));  // the request asks for 8 MiB; the client allows 100
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("larger than 100 bytes"), std::string::npos)
      << result.error().message;
}

TEST_F(CurlMultiClientTest, TotalTimeout) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse r;
    r.hang = true;
    return r;
  });
  HttpRequest request;
  request.url = server.url("/slow");
  request.total_timeout = milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  auto result = fetch(request);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 504);
  EXPECT_NE(result.error().message.find("within 300 ms (total timeout)"), std::string::npos)
      << result.error().message;
  EXPECT_GE(elapsed, milliseconds(280));
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST_F(CurlMultiClientTest, CancelMeansNoCallback) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse r;
    r.hang = true;
    return r;
  });
  int calls = 0;
  // Cancelled before it even started.
  HttpRequest request;
  request.url = server.url("/a");
  auto early = client_->send(request, [&](Result<HttpResponse>) { ++calls; });
  client_->cancel(early);
  // Cancelled in flight, once the server holds it.
  request.url = server.url("/b");
  auto in_flight = client_->send(request, [&](Result<HttpResponse>) { ++calls; });
  ASSERT_TRUE(runUntil(loop_, [&] { return server.requestCount() >= 1; }));
  client_->cancel(in_flight);
  // Cancelled after it failed but before its callback's turn.
  HttpRequest refused;
  refused.url = "gopher://127.0.0.1/";
  auto failed = client_->send(refused, [&](Result<HttpResponse>) { ++calls; });
  client_->cancel(failed);
  client_->cancel(failed);  // twice is harmless
  client_->cancel(12345);   // unknown ids too
  EXPECT_EQ(client_->pending(), 0u);
  runFor(loop_, milliseconds(200));
  EXPECT_EQ(calls, 0);
}

TEST_F(CurlMultiClientTest, CancelAfterCompletionBeforeDelivery) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "done"); });
  // Two requests; the first callback to run cancels the other. Whether or not the other had
  // already finished, its callback must not run.
  std::map<HttpRequestId, int> calls;
  HttpRequestId a = 0, b = 0;
  HttpRequest request;
  request.url = server.url("/");
  a = client_->send(request, [&](Result<HttpResponse>) {
    ++calls[a];
    client_->cancel(b);
  });
  b = client_->send(request, [&](Result<HttpResponse>) {
    ++calls[b];
    client_->cancel(a);
  });
  runUntil(loop_, [&] { return !calls.empty(); });
  runFor(loop_, milliseconds(100));
  EXPECT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls.begin()->second, 1);
  EXPECT_EQ(client_->pending(), 0u);
}

TEST_F(CurlMultiClientTest, CallbacksNeverRunInline) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "ok"); });
  bool returned = false;
  bool ran_before_return = false;
  int calls = 0;
  auto cb = [&](Result<HttpResponse>) {
    ran_before_return = ran_before_return || !returned;
    ++calls;
  };
  HttpRequest refused;
  refused.url = "file:///etc/passwd";
  client_->send(refused, cb);
  HttpRequest blocked;
  blocked.url = "http://169.254.169.254/";
  client_->send(blocked, cb);
  HttpRequest fine;
  fine.url = server.url("/");
  client_->send(fine, cb);
  returned = true;
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(runUntil(loop_, [&] { return calls == 3; }));
  EXPECT_FALSE(ran_before_return);
}

TEST_F(CurlMultiClientTest, CallbackMaySendAgain) {
  FakeHttpServer server([](const FakeRequest& req) { return FakeResponse::text(200, req.path); });
  std::vector<std::string> bodies;
  std::function<void(Result<HttpResponse>)> on_done = [&](Result<HttpResponse> r) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    bodies.push_back(r->body);
    if (bodies.size() < 3) {
      HttpRequest next;
      next.url = server.url("/" + std::to_string(bodies.size()));
      client_->send(next, on_done);
    }
  };
  HttpRequest first;
  first.url = server.url("/0");
  client_->send(first, on_done);
  ASSERT_TRUE(runUntil(loop_, [&] { return bodies.size() == 3; }));
  EXPECT_EQ(bodies, (std::vector<std::string>{"/0", "/1", "/2"}));
}

TEST_F(CurlMultiClientTest, CallbackMayDestroyTheClient) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::text(200, "ok"); });
  int calls = 0;
  HttpRequest request;
  request.url = server.url("/");
  for (int i = 0; i < 3; ++i) {
    client_->send(request, [&](Result<HttpResponse>) {
      ++calls;
      client_.reset();  // the others must never be called
    });
  }
  ASSERT_TRUE(runUntil(loop_, [&] { return calls >= 1; }));
  runFor(loop_, milliseconds(100));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(client_, nullptr);
}

TEST_F(CurlMultiClientTest, DestroyingTheClientCancelsEverything) {
  FakeHttpServer server([](const FakeRequest& req) {
    FakeResponse r;
    r.hang = req.path == "/hang";
    return r;
  });
  int calls = 0;
  auto count = [&calls](Result<HttpResponse>) { ++calls; };
  HttpRequest hang;
  hang.url = server.url("/hang");
  client_->send(hang, count);  // in flight, held by the server
  ASSERT_TRUE(runUntil(loop_, [&] { return server.requestCount() >= 1; }));
  HttpRequest quick;
  quick.url = server.url("/quick");
  client_->send(quick, count);  // not started yet
  HttpRequest refused;
  refused.url = "ftp://x/";
  client_->send(refused, count);  // failed, its delivery already posted
  EXPECT_EQ(client_->pending(), 3u);
  client_.reset();
  runFor(loop_, milliseconds(100));
  EXPECT_EQ(calls, 0);
}

TEST_F(CurlMultiClientTest, ManyConcurrentRequests) {
  FakeHttpServer server([](const FakeRequest& req) {
    FakeResponse r = FakeResponse::text(200, "id=" + req.query);
    r.delay = milliseconds(20);
    return r;
  });
  constexpr int kCount = 50;
  std::map<int, std::string> bodies;
  int failures = 0;
  for (int i = 0; i < kCount; ++i) {
    HttpRequest request;
    request.url = server.url("/item?" + std::to_string(i));
    client_->send(request, [&bodies, &failures, i](Result<HttpResponse> r) {
      if (!r.ok() || r->status != 200) {
        ++failures;
        return;
      }
      bodies[i] = r->body;
    });
  }
  EXPECT_EQ(client_->pending(), static_cast<size_t>(kCount));
  ASSERT_TRUE(runUntil(
      loop_, [&] { return bodies.size() + static_cast<size_t>(failures) == kCount; },
      milliseconds(20000)));
  EXPECT_EQ(failures, 0);
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(bodies[i], "id=" + std::to_string(i));
  EXPECT_EQ(client_->pending(), 0u);
}

TEST_F(CurlMultiClientTest, ConnectionRefusedIsATransportError) {
  int port = 0;
  {
    FakeHttpServer gone;
    port = gone.port();
  }
  auto result = get("http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 502);
  EXPECT_EQ(result.error().field, "");
  EXPECT_NE(result.error().message.find("could not connect to http://127.0.0.1:"),
            std::string::npos)
      << result.error().message;
}

TEST_F(CurlMultiClientTest, ErrorMessagesOmitQueryAndCredentials) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse r;
    r.hang = true;
    return r;
  });
  HttpRequest request;
  request.url = "http://user:hunter2@127.0.0.1:" + std::to_string(server.port()) +
                "/path?access_token=abc123";
  request.total_timeout = milliseconds(100);
  auto result = fetch(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message.find("hunter2"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find("abc123"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("/path"), std::string::npos) << result.error().message;
}

// Security: the proxy environment variables would route calls around the address guard; they
// are ignored, and a configured proxy is only asked for destinations the guard accepted.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_F(CurlMultiClientTest, ProxyEnvironmentVariablesAreIgnored) {
  testing::ConnectProxy proxy;
  FakeHttpServer target([](const FakeRequest&) { return FakeResponse::text(200, "direct"); });
  ScopedEnv a("http_proxy", proxy.url()), b("HTTPS_PROXY", proxy.url()),
      c("ALL_PROXY", proxy.url()), d("no_proxy", "");
  makeClient({"127.0.0.0/8"});
  auto result = get("http://localhost:" + std::to_string(target.port()) + "/");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->body, "direct");
  EXPECT_EQ(proxy.connections(), 0u);
}

TEST_F(CurlMultiClientTest, ThroughAProxyTheDestinationIsJudgedAndPinnedByAddress) {
  testing::ConnectProxy proxy("127.0.0.2");  // exempt: the guard allows only 127.0.0.1
  FakeHttpServer target([](const FakeRequest& req) {
    return FakeResponse::text(200, "tunnelled for " + req.header("Host"));
  });
  makeClient({"127.0.0.1/32"}, proxy.url());
  std::string port = std::to_string(target.port());
  auto result = get("http://localhost:" + port + "/api/v4/version");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->body, "tunnelled for localhost:" + port);
  // The proxy was asked for the address triggerd judged, not for the name (no second lookup).
  EXPECT_EQ(proxy.targets(), std::vector<std::string>{"127.0.0.1:" + port});
}

TEST_F(CurlMultiClientTest, ThroughAProxyARefusedDestinationNeverReachesTheProxy) {
  testing::ConnectProxy proxy("127.0.0.2");
  makeClient({"10.0.0.0/8"}, proxy.url());  // loopback destinations are refused
  auto result = get("http://localhost:9/");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "url");
  EXPECT_NE(result.error().message.find("loopback"), std::string::npos) << result.error().message;
  EXPECT_EQ(proxy.connections(), 0u);
  EXPECT_GE(metrics_.counter("triggerd_ssrf_refusals_total", {{"class", "loopback"}}), 1u);
}

TEST_F(CurlMultiClientTest, TheProxysAnswerIsNotPassedOnToCallers) {
  testing::ConnectProxy proxy("127.0.0.2");
  proxy.refuseWith(403, "internal host db7 port 5432 is closed");
  FakeHttpServer target([](const FakeRequest&) { return FakeResponse::text(200, "x"); });
  makeClient({"127.0.0.1/32"}, proxy.url());
  auto result = get("https://localhost:" + std::to_string(target.port()) + "/");
  ASSERT_FALSE(result.ok());
  const std::string& m = result.error().message;
  EXPECT_NE(m.find("through the proxy"), std::string::npos) << m;
  EXPECT_EQ(m.find("403"), std::string::npos) << m;
  EXPECT_EQ(m.find("db7"), std::string::npos) << m;
}

}  // namespace
}  // namespace triggerd
