// The console on the public listener: its files and their headers, sign-in and sign-out, and the
// session-to-principal step in front of every user route mounted under /console/api.
#include <gtest/gtest.h>

#include <string>

#include "console/assets.h"
#include "handlers/routes.h"
#include "tests/support/json_doc.h"
#include "tests/unit/handlers/route_harness.h"

namespace triggerd::testing {
namespace {

std::string filled(const Route& route, const std::string& user) {
  std::string path = consolePath(route);
  auto replace = [&](const std::string& param, const std::string& value) {
    for (size_t at; (at = path.find(param)) != std::string::npos;)
      path.replace(at, param.size(), value);
  };
  replace("{user}", user);
  replace("{id}", "01JD0000000000000000000000");
  replace("{provider}", "gitlab");
  replace("{repo}", "team%2Fapp");
  return path;
}

bool changes(const Route& route) {
  return std::string(route.method) != "GET";
}

class ConsoleAccessTest : public ::testing::Test {
 protected:
  RouteHarness api_;
};

TEST_F(ConsoleAccessTest, EveryUserRouteIsMountedAndNothingElse) {
  int mounted = 0;
  for (const Route& route : routeTable()) {
    bool expect = route.on_admin && route.access == Access::kUser;
    EXPECT_EQ(consoleMounted(route), expect) << route.path;
    if (!expect) continue;
    ++mounted;
    auto m = api_.router(Listener::kPublic).match(route.method, filled(route, "alice"));
    EXPECT_EQ(m.kind, Router::Match::Kind::kFound) << route.method << " " << consolePath(route);
  }
  EXPECT_GE(mounted, 15);
  // Admin and runner routes never reach the public listener.
  EXPECT_EQ(api_.router(Listener::kPublic).match("POST", "/console/api/v1/users/alice/tokens").kind,
            Router::Match::Kind::kNotFound);
}

TEST_F(ConsoleAccessTest, WithoutASessionEveryMountedRouteIs401AndBearerTokensDoNotCount) {
  std::string token = api_.mintToken("alice");
  for (const Route& route : routeTable()) {
    if (!consoleMounted(route)) continue;
    for (const HeaderList& headers :
         {HeaderList{}, HeaderList{{"Authorization", "Bearer " + token}},
          HeaderList{{"Authorization", std::string("Bearer ") + RouteHarness::kAdminToken}},
          HeaderList{{"Cookie", "__Host-triggerd_session=" + std::string(64, 'a')}}}) {
      auto r = api_.request(route.method, filled(route, "alice"), headers, "{}");
      EXPECT_EQ(r.status, 401) << route.method << " " << route.path << ": " << r.body;
      EXPECT_EQ(r.errorField(), "Cookie");
    }
  }
}

TEST_F(ConsoleAccessTest, ASessionActsForItsUserOnlyAndChangesNeedItsCsrfToken) {
  auto alice = api_.signIn("alice");
  for (const Route& route : routeTable()) {
    if (!consoleMounted(route)) continue;
    std::string name = std::string(route.method) + " " + route.path;
    auto other = api_.request(route.method, filled(route, "bob"), alice.headers(), "{}");
    EXPECT_EQ(other.status, 403) << name;
    EXPECT_EQ(other.errorField(), "user") << name;

    auto own = api_.request(route.method, filled(route, "alice"), alice.headers(), "{}");
    EXPECT_NE(own.status, 401) << name << ": " << own.body;
    EXPECT_NE(own.errorField(), "X-CSRF-Token") << name;
    if (!changes(route)) continue;
    for (const HeaderList& headers :
         {HeaderList{{"Cookie", alice.cookie}},
          HeaderList{{"Cookie", alice.cookie}, {"X-CSRF-Token", std::string(64, '0')}}}) {
      auto forged = api_.request(route.method, filled(route, "alice"), headers, "{}");
      EXPECT_EQ(forged.status, 403) << name;
      EXPECT_EQ(forged.errorField(), "X-CSRF-Token") << name;
    }
    HeaderList cross = alice.headers();
    cross.emplace_back("Sec-Fetch-Site", "cross-site");
    auto from_elsewhere = api_.request(route.method, filled(route, "alice"), cross, "{}");
    EXPECT_EQ(from_elsewhere.status, 403) << name;
    EXPECT_EQ(from_elsewhere.errorField(), "Sec-Fetch-Site") << name;
  }
  // Reads need no CSRF token: the console lists sources with the cookie alone.
  auto list =
      api_.request("GET", "/console/api/v1/users/alice/sources", {{"Cookie", alice.cookie}});
  EXPECT_EQ(list.status, 200) << list.body;
}

TEST_F(ConsoleAccessTest, SignInTakesUserTokensOnlyAndSetsAStrictCookie) {
  std::string token = api_.mintToken("alice");
  auto r = api_.request("POST", "/console/api/session", {}, R"({"token": ")" + token + "\"}");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string cookie = r.header("Set-Cookie");
  EXPECT_EQ(cookie.rfind("__Host-triggerd_session=", 0), 0u) << cookie;
  for (const char* attribute : {"; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"})
    EXPECT_NE(cookie.find(attribute), std::string::npos) << attribute << " in " << cookie;
  EXPECT_EQ(cookie.find("Domain"), std::string::npos);
  EXPECT_EQ(r.body.find(token), std::string::npos);
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonString(d, "/user"), "alice");
  EXPECT_EQ(jsonString(d, "/csrf_token").size(), 64u);
  EXPECT_EQ(jsonInt(d, "/idle_timeout_seconds"), 1800);

  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  for (const Case& c :
       {Case{R"({"token": ")" + std::string(RouteHarness::kAdminToken) + "\"}", 403, "token"},
        Case{R"({"token": ")" + api_.mintToken("alice", "runner") + "\"}", 403, "token"},
        Case{R"({"token": "tdu_0000000000000000000000000000000000000000000000"})", 401, "token"},
        Case{R"({"tokn": "x"})", 422, "tokn"}, Case{"{}", 422, "token"}}) {
    auto refused = api_.request("POST", "/console/api/session", {}, c.body);
    EXPECT_EQ(refused.status, c.status) << c.body << ": " << refused.body;
    EXPECT_EQ(refused.errorField(), c.field) << refused.body;
    EXPECT_TRUE(refused.header("Set-Cookie").empty());
  }
  // A cross-site form can only send text/plain or a form encoding, and a cross-site fetch says so.
  auto form = api_.request("POST", "/console/api/session", {{"Content-Type", "text/plain"}}, "");
  EXPECT_EQ(form.status, 415);
  auto cross = api_.request("POST", "/console/api/session", {{"Sec-Fetch-Site", "cross-site"}},
                            R"({"token": ")" + token + "\"}");
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(api_.metrics().counter("triggerd_console_sign_ins_total", {{"outcome", "refused"}}),
            7u);
}

TEST_F(ConsoleAccessTest, SignOutEndsTheSession) {
  auto alice = api_.signIn("alice");
  auto who = api_.request("GET", "/console/api/session", {{"Cookie", alice.cookie}});
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(jsonString(parseJson(who.body), "/csrf_token"), alice.csrf);
  auto no_csrf = api_.request("DELETE", "/console/api/session", {{"Cookie", alice.cookie}});
  EXPECT_EQ(no_csrf.status, 403);
  auto out = api_.request("DELETE", "/console/api/session", alice.headers());
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(api_.request("GET", "/console/api/session", {{"Cookie", alice.cookie}}).status, 401);
  EXPECT_EQ(
      api_.request("GET", "/console/api/v1/users/alice/sources", {{"Cookie", alice.cookie}}).status,
      401);
}

TEST_F(ConsoleAccessTest, EveryFileIsServedWithAStrictPolicy) {
  auto page = api_.request("GET", "/console/", {});
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.content_type.find("text/html"), std::string::npos);
  std::string csp = page.header("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(page.header("Referrer-Policy"), "no-referrer");
  int files = 0;
  for (const ConsoleAsset& asset : consoleAssets()) {
    ++files;
    auto r = api_.request("GET", "/console/" + std::string(asset.name), {});
    EXPECT_EQ(r.status, 200) << asset.name;
    EXPECT_EQ(r.body, asset.body) << asset.name;
    EXPECT_EQ(r.content_type, asset.content_type) << asset.name;
    // No inline script, no page of another origin, no storage of tokens.
    std::string text(asset.body);
    EXPECT_EQ(text.find("localStorage"), std::string::npos) << asset.name;
    EXPECT_EQ(text.find("sessionStorage"), std::string::npos) << asset.name;
    EXPECT_EQ(text.find("innerHTML"), std::string::npos) << asset.name;
    EXPECT_EQ(text.find("http://"), std::string::npos) << asset.name;
    EXPECT_EQ(text.find("https://fonts"), std::string::npos) << asset.name;
  }
  EXPECT_GE(files, 10);
  EXPECT_EQ(api_.request("GET", "/console/nope.js", {}).status, 404);
  auto bare = api_.request("GET", "/console", {});
  EXPECT_EQ(bare.status, 302);
  EXPECT_EQ(bare.header("Location"), "/console/");
}

}  // namespace
}  // namespace triggerd::testing
