// Router: pure matching, no loop, no sockets.
#include "http/router.h"

#include <gtest/gtest.h>

#include "http/request_context.h"
#include "http/responses.h"
#include "loop/event_loop.h"

namespace triggerd {
namespace {

using Kind = Router::Match::Kind;

RouteHandler noop() {
  return [](const RequestPtr&) {};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_.add("POST", "/webhooks/github/{trigger_id}", noop()).ok());
    ASSERT_TRUE(router_.add("POST", "/webhooks/gitlab/{trigger_id}", noop()).ok());
    ASSERT_TRUE(router_.add("GET", "/healthz", noop()).ok());
    ASSERT_TRUE(router_.add("GET", "/api/v1/users/{user}/triggers/{id}", noop()).ok());
    ASSERT_TRUE(router_.add("PATCH", "/api/v1/users/{user}/triggers/{id}", noop()).ok());
    ASSERT_TRUE(router_.add("DELETE", "/api/v1/users/{user}/triggers/{id}", noop()).ok());
    ASSERT_TRUE(router_.add("GET", "/api/v1/users/{user}/triggers/new", noop()).ok());
    ASSERT_TRUE(router_.add("GET", "/", noop()).ok());
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoute) {
  auto m = router_.match("GET", "/healthz");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/healthz");
  EXPECT_TRUE(m.params.items().empty());
}

TEST_F(RouterTest, MatchesRoot) {
  auto m = router_.match("GET", "/");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/");
}

TEST_F(RouterTest, ExtractsParams) {
  auto m = router_.match("PATCH", "/api/v1/users/alice/triggers/01J9");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route->method, "PATCH");
  EXPECT_EQ(m.params.get("user"), "alice");
  EXPECT_EQ(m.params.get("id"), "01J9");
  EXPECT_TRUE(m.params.has("id"));
  EXPECT_FALSE(m.params.has("nope"));
  EXPECT_EQ(m.params.get("nope"), "");
}

TEST_F(RouterTest, PercentDecodesParamsButKeepsThemOneSegment) {
  auto m = router_.match("GET", "/api/v1/users/a%20b/triggers/octo%2Fapp");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.params.get("user"), "a b");
  EXPECT_EQ(m.params.get("id"), "octo/app");
}

TEST_F(RouterTest, PlusIsNotASpaceInPaths) {
  auto m = router_.match("GET", "/api/v1/users/a+b/triggers/1");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.params.get("user"), "a+b");
}

TEST_F(RouterTest, LiteralBeatsParam) {
  auto m = router_.match("GET", "/api/v1/users/alice/triggers/new");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/api/v1/users/{user}/triggers/new");
  EXPECT_FALSE(m.params.has("id"));
}

TEST_F(RouterTest, EmptyParamDoesNotMatch) {
  EXPECT_EQ(router_.match("POST", "/webhooks/github/").kind, Kind::kNotFound);
  EXPECT_EQ(router_.match("GET", "/api/v1/users//triggers/1").kind, Kind::kNotFound);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(router_.match("GET", "/nope").kind, Kind::kNotFound);
  EXPECT_EQ(router_.match("GET", "/healthz/").kind, Kind::kNotFound);  // exact, no slash folding
  EXPECT_EQ(router_.match("GET", "/healthz/extra").kind, Kind::kNotFound);
  EXPECT_EQ(router_.match("POST", "/webhooks/github").kind, Kind::kNotFound);
  EXPECT_EQ(router_.match("GET", "*").kind, Kind::kNotFound);
  EXPECT_EQ(router_.match("GET", "").kind, Kind::kNotFound);
}

TEST_F(RouterTest, WrongMethodIsMethodNotAllowedWithAllow) {
  auto m = router_.match("PUT", "/api/v1/users/alice/triggers/7");
  ASSERT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD, PATCH");
  auto w = router_.match("GET", "/webhooks/github/abc");
  ASSERT_EQ(w.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(w.allow, "POST");
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  auto m = router_.match("HEAD", "/healthz");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route->method, "GET");
}

TEST_F(RouterTest, BadEscapeIsBadPath) {
  auto m = router_.match("GET", "/api/v1/users/%zz/triggers/1");
  ASSERT_EQ(m.kind, Kind::kBadPath);
  EXPECT_EQ(m.error.status, 400);
  EXPECT_EQ(router_.match("GET", "/api/v1/users/%4/triggers/1").kind, Kind::kBadPath);
  EXPECT_EQ(router_.match("GET", "/api/v1/users/a%00b/triggers/1").kind, Kind::kBadPath);
}

TEST_F(RouterTest, DecodedLiteralsMatch) {
  EXPECT_EQ(router_.match("GET", "/health%7A").kind, Kind::kFound);
}

TEST(RouterTrailingSlashTest, APatternEndingInASlashMatchesOnlyWithIt) {
  Router r;
  ASSERT_TRUE(r.add("GET", "/console", noop()).ok());
  ASSERT_TRUE(r.add("GET", "/console/", noop()).ok());
  ASSERT_TRUE(r.add("GET", "/console/{asset}", noop()).ok());
  auto slash = r.match("GET", "/console/");
  ASSERT_EQ(slash.kind, Kind::kFound);
  EXPECT_EQ(slash.route->pattern, "/console/");
  EXPECT_EQ(r.match("GET", "/console").route->pattern, "/console");
  auto asset = r.match("GET", "/console/app.js");
  ASSERT_EQ(asset.kind, Kind::kFound);
  EXPECT_EQ(asset.params.get("asset"), "app.js");
  EXPECT_EQ(r.match("GET", "/console//").kind, Kind::kNotFound);
  EXPECT_FALSE(r.add("GET", "/a//", noop()).ok());
}

TEST(RouterAddTest, RejectsBadPatterns) {
  Router r;
  EXPECT_FALSE(r.add("GET", "healthz", noop()).ok());
  EXPECT_FALSE(r.add("GET", "/a//b", noop()).ok());
  EXPECT_FALSE(r.add("GET", "/a/{}", noop()).ok());
  EXPECT_FALSE(r.add("GET", "/a/x{id}", noop()).ok());
  EXPECT_FALSE(r.add("GET", "/a/{id}/{id}", noop()).ok());
  EXPECT_FALSE(r.add("get", "/a", noop()).ok());
  EXPECT_FALSE(r.add("GET", "/a", nullptr).ok());
  EXPECT_TRUE(r.add("GET", "/a/{id}", noop()).ok());
  auto dup = r.add("GET", "/a/{other}", noop());  // same shape, only the name differs
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("duplicates"), std::string::npos);
  EXPECT_TRUE(r.add("POST", "/a/{id}", noop()).ok());
}

TEST(ResponsesTest, ReasonPhrases) {
  EXPECT_EQ(httpReasonPhrase(422), "Unprocessable Content");
  EXPECT_EQ(httpReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(httpReasonPhrase(418), "Client Error");
  EXPECT_EQ(httpReasonPhrase(599), "Server Error");
}

TEST(ResponsesTest, SafeHeaders) {
  EXPECT_TRUE(isSafeHeader("Retry-After", "30"));
  EXPECT_FALSE(isSafeHeader("Bad Name", "x"));
  EXPECT_FALSE(isSafeHeader("X-Ok", "a\r\nSet-Cookie: x"));
  EXPECT_FALSE(isSafeHeader("", "x"));
}

TEST(ResponsesTest, ClosingJsonResponse) {
  std::string r = closingJsonResponse(413, "{\"error\":\"x\"}", {{"Allow", "GET"}});
  EXPECT_EQ(r.rfind("HTTP/1.1 413 Content Too Large\r\n", 0), 0u);
  EXPECT_NE(r.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(r.find("Content-Length: 13\r\n"), std::string::npos);
  EXPECT_NE(r.find("Allow: GET\r\n"), std::string::npos);
  EXPECT_NE(r.find("Connection: close\r\n\r\n{\"error\":\"x\"}"), std::string::npos);
}

// The detached context handler authors use in their own unit tests.
TEST(RequestContextTest, DetachedContextCapturesReply) {
  EventLoop loop;
  RequestContext::CapturedReply got;
  int calls = 0;
  RequestContext::TestRequest in;
  in.method = "POST";
  in.path = "/webhooks/github/t1";
  in.params.add("trigger_id", "t1");
  in.headers = {{"X-GitHub-Event", "push"}};
  in.body = "{}";
  auto ctx = RequestContext::makeForTest(loop, in, [&](const RequestContext::CapturedReply& r) {
    got = r;
    ++calls;
  });
  EXPECT_EQ(ctx->param("trigger_id"), "t1");
  EXPECT_EQ(ctx->header("x-github-event").value_or(""), "push");
  EXPECT_EQ(ctx->body(), "{}");
  ctx->reply(202, "{\"jobs\":[]}", {{"X-Extra", "1"}});
  ctx->reply(500, "{}");  // late: dropped
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got.status, 202);
  EXPECT_EQ(got.content_type, "application/json");
  EXPECT_EQ(got.body, "{\"jobs\":[]}");
  EXPECT_TRUE(ctx->replied());
}

TEST(RequestContextTest, DetachedContextClientGoneRunsHooks) {
  EventLoop loop;
  int calls = 0, hooks = 0;
  auto ctx = RequestContext::makeForTest(loop, {}, [&](const auto&) { ++calls; });
  ctx->onCancel([&] { ++hooks; });
  ctx->simulateClientGone();
  EXPECT_TRUE(ctx->clientGone());
  EXPECT_EQ(hooks, 1);
  ctx->fail(Error::internal("late"));
  EXPECT_EQ(calls, 0);
  ctx->onCancel([&] { ++hooks; });  // already dead: runs inline
  EXPECT_EQ(hooks, 2);
}

TEST(RequestContextTest, DroppedWithoutReplyAnswers500) {
  EventLoop loop;
  int status = 0;
  {
    auto ctx = RequestContext::makeForTest(loop, {}, [&](const auto& r) { status = r.status; });
  }
  EXPECT_EQ(status, 500);
}

}  // namespace
}  // namespace triggerd
