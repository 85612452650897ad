// The credentials call against a fake of triggerd's endpoint (a real HTTP server on loopback)
// answering the documented JSON.
#include "runner/credentials_client.h"

#include <gtest/gtest.h>

#include "http/curl_multi_client.h"
#include "tests/support/loop_runner.h"
#include "tests/support/tls_server.h"

namespace triggerd::testing {
namespace {

class CredentialsClientTest : public ::testing::Test {
 protected:
  CredentialsClientTest() {
    CurlMultiClient::Options o;
    o.address_guard = std::move(AddressGuard::fromStrings({"127.0.0.0/8"})).value();
    http_ = std::make_unique<CurlMultiClient>(loop_, std::move(o));
  }

  Result<CloneCredentials> fetch(FakeHttpServer& server, const std::string& token = "tok") {
    CredentialsClient client(
        *http_, {server.url(), token, std::nullopt, std::chrono::milliseconds(2000), "runner-a"});
    return await<Result<CloneCredentials>>(loop_, [&](auto cb) {
      Status st = client.fetch("01JOB", 2, cb);
      if (!st.ok()) cb(st.error());
    });
  }

  EventLoop loop_;
  std::unique_ptr<CurlMultiClient> http_;
};

TEST_F(CredentialsClientTest, PostsWithTheRunnerTokenAndReadsTheAnswer) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(
        200,
        R"({"username": "oauth2", "password": "glpat-x", "expires_at": "2030-01-01T00:00:00Z"})");
  });
  auto r = fetch(server);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->username, "oauth2");
  EXPECT_EQ(r->password, "glpat-x");
  EXPECT_EQ(r->expires_at, "2030-01-01T00:00:00Z");
  auto req = server.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/api/v1/runner/jobs/01JOB/credentials");
  EXPECT_EQ(req.header("Authorization"), "Bearer tok");
  EXPECT_EQ(req.body, R"({"runner":"runner-a","attempt":2})");
}

TEST_F(CredentialsClientTest, RefusalsKeepTheirKindAndTriggerdsReason) {
  struct Case {
    int status;
    Error::Kind kind;
    std::string says;
  };
  for (const Case& c : {Case{401, Error::Kind::kUnauthenticated, "refused the runner token"},
                        Case{403, Error::Kind::kForbidden, "does not let this token"},
                        Case{404, Error::Kind::kNotFound, "no such job"},
                        Case{409, Error::Kind::kConflict, "not running on this runner"},
                        Case{503, Error::Kind::kUpstream, "failed"}}) {
    FakeHttpServer server([&](const FakeRequest&) {
      return FakeResponse::json(c.status, R"({"error": "because", "field": ""})");
    });
    auto r = fetch(server);
    ASSERT_FALSE(r.ok()) << c.status;
    EXPECT_TRUE(r.error().is(c.kind)) << c.status;
    EXPECT_NE(r.error().message.find(c.says + ""), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("because"), std::string::npos) << r.error().message;
  }
}

TEST_F(CredentialsClientTest, AnAnswerWithoutAPasswordIsAnUpstreamError) {
  FakeHttpServer server(
      [](const FakeRequest&) { return FakeResponse::json(200, R"({"username": "u"})"); });
  auto r = fetch(server);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is(Error::Kind::kUpstream));
}

TEST_F(CredentialsClientTest, UnreachableTriggerdIsATransportError) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse r;
    r.hang = true;
    return r;
  });
  auto r = fetch(server);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is(Error::Kind::kUpstreamTimeout)) << r.error().message;
  EXPECT_NE(r.error().message.find("cannot reach triggerd"), std::string::npos);
}

TEST_F(CredentialsClientTest, WithoutConfigurationNothingIsSent) {
  CredentialsClient client(*http_, {});
  EXPECT_FALSE(client.configured());
  bool called = false;
  Status st = client.fetch("01JOB", 1, [&](Result<CloneCredentials>) { called = true; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().field, "api.url");
  runFor(loop_, std::chrono::milliseconds(50));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace triggerd::testing
