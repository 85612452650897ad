#include "cli/api_client.h"

#include <gtest/gtest.h>

#include "tests/support/subprocess.h"
#include "tests/support/tls_server.h"
#include "tests/unit/cli/fake_api.h"

namespace triggerd::cli {
namespace {

using triggerd::testing::FakeHttpServer;
using triggerd::testing::FakeRequest;
using triggerd::testing::FakeResponse;

ApiClient clientFor(const FakeHttpServer& server, std::string token = "tdu_secret") {
  ClientOptions options;
  options.base_url = server.url();
  options.token = std::move(token);
  options.timeout_seconds = 5;
  return ApiClient(options);
}

TEST(ApiClient, GetSendsBearerTokenAndAcceptsJson) {
  FakeHttpServer server(
      [](const FakeRequest&) { return FakeResponse::json(200, R"({"triggers": []})"); });
  auto r = clientFor(server).call("GET", "/api/v1/users/alice/triggers");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"triggers": []})");
  EXPECT_NE(r->content_type.find("application/json"), std::string::npos);
  auto req = server.requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.path, "/api/v1/users/alice/triggers");
  EXPECT_EQ(req.header("Authorization"), "Bearer tdu_secret");
  EXPECT_EQ(req.header("Accept"), "application/json");
  EXPECT_EQ(req.header("User-Agent").rfind("triggerctl/", 0), 0u);
  EXPECT_EQ(req.body, "");
}

TEST(ApiClient, VerbsAndBodies) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::json(200, "{}"); });
  auto client = clientFor(server);
  ASSERT_TRUE(client.call("POST", "/p", R"({"a":1})").ok());
  ASSERT_TRUE(client.call("PATCH", "/p", R"({"enabled":false})").ok());
  ASSERT_TRUE(client.call("PUT", "/p", R"({"token":"x"})").ok());
  ASSERT_TRUE(client.call("DELETE", "/p").ok());
  ASSERT_TRUE(client.call("POST", "/p").ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].body, R"({"a":1})");
  EXPECT_EQ(reqs[0].header("Content-Type"), "application/json");
  EXPECT_EQ(reqs[1].method, "PATCH");
  EXPECT_EQ(reqs[1].body, R"({"enabled":false})");
  EXPECT_EQ(reqs[2].method, "PUT");
  EXPECT_EQ(reqs[2].body, R"({"token":"x"})");
  EXPECT_EQ(reqs[3].method, "DELETE");
  EXPECT_EQ(reqs[3].body, "");
  EXPECT_EQ(reqs[4].method, "POST");
  EXPECT_EQ(reqs[4].body, "");
  EXPECT_EQ(reqs[4].header("Content-Type"), "");
}

TEST(ApiClient, ErrorStatusesAreAnswersNotFailures) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(422, R"({"error": "bad", "field": "image"})");
  });
  auto r = clientFor(server).call("POST", "/p", "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(r->body, R"({"error": "bad", "field": "image"})");
}

TEST(ApiClient, UnauthenticatedCallsSendNoToken) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::json(200, "{}"); });
  ASSERT_TRUE(clientFor(server).call("GET", "/readyz", {}, false).ok());
  EXPECT_EQ(server.requests().at(0).header("Authorization"), "");
}

TEST(ApiClient, BaseUrlPrefixIsKept) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::json(200, "{}"); });
  ClientOptions options;
  options.base_url = server.url("/triggerd/");
  ApiClient client(options);
  ASSERT_TRUE(client.call("GET", "/api/v1/users/a/sources").ok());
  EXPECT_EQ(server.requests().at(0).path, "/triggerd/api/v1/users/a/sources");
  EXPECT_EQ(server.requests().at(0).header("Authorization"), "");  // no token configured
}

TEST(ApiClient, RedirectsAreNotFollowed) {
  FakeHttpServer server([](const FakeRequest& req) {
    if (req.path == "/elsewhere") return FakeResponse::json(200, "{}");
    FakeResponse r = statusOnly(302);
    r.headers = {{"Location", "/elsewhere"}};
    return r;
  });
  auto r = clientFor(server).call("GET", "/p");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(server.requestCount(), 1u);
}

TEST(ApiClient, ConnectionRefusedIsATransportError) {
  ClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(triggerd::testing::freePort());
  auto r = ApiClient(options).call("GET", "/readyz");
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().message.empty());
}

TEST(ApiClient, MissingUnixSocketIsATransportError) {
  triggerd::testing::TempDir dir;
  ClientOptions options;
  options.unix_socket = dir.file("admin.sock");
  auto r = ApiClient(options).call("GET", "/readyz");
  ASSERT_FALSE(r.ok());
}

TEST(ApiClient, TimeoutSaysWhichOption) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse r;
    r.hang = true;
    return r;
  });
  ClientOptions options;
  options.base_url = server.url();
  options.timeout_seconds = 1;
  auto r = ApiClient(options).call("GET", "/p");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--timeout"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace triggerd::cli
