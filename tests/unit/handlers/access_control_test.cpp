// Who may call what, row by row of the route table (routes.cpp): the access column, the {user}
// check in front of every handler, and the {provider} check of the source routes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "handlers/routes.h"
#include "tests/unit/handlers/route_harness.h"

namespace triggerd::testing {
namespace {

Listener listenerOf(const Route& route) {
  return route.on_admin ? Listener::kAdmin : Listener::kPublic;
}

std::string replaced(std::string path, const std::string& param, const std::string& value) {
  for (size_t at; (at = path.find(param)) != std::string::npos;)
    path.replace(at, param.size(), value);
  return path;
}

// The row's path with every parameter filled in; {user} is `user`.
std::string pathOf(const Route& route, const std::string& user = "alice",
                   const std::string& provider = "gitlab") {
  std::string path = replaced(route.path, "{user}", user);
  path = replaced(path, "{trigger_id}", "01JD0000000000000000000000");
  path = replaced(path, "{id}", "01JD0000000000000000000000");
  path = replaced(path, "{provider}", provider);
  return replaced(path, "{repo}", "team%2Fapp");
}

std::string rowName(const Route& route) {
  return std::string(route.method) + " " + route.path;
}

bool hasParam(const Route& route, const char* param) {
  return std::string(route.path).find(param) != std::string::npos;
}

// The access check let the call through: whatever the handler answered, it was not the check's
// 401, nor its 403 (which names the token or the user).
bool passedAccessCheck(const RouteReply& r) {
  return r.status != 401 &&
         !(r.status == 403 && (r.errorField() == "Authorization" || r.errorField() == "user"));
}

class AccessControlTest : public ::testing::Test {
 protected:
  RouteReply callRow(const Route& route, const std::string& token,
                     const std::string& user = "alice") {
    return api_.call(route.method, pathOf(route, user), token, "", listenerOf(route));
  }

  RouteHarness api_;
};

TEST_F(AccessControlTest, WithoutATokenEveryRowButTheOpenOnesIs401) {
  int open = 0, closed = 0;
  for (const Route& route : routeTable()) {
    auto r = callRow(route, "");
    if (route.access == Access::kAnyone) {
      ++open;
      EXPECT_NE(r.errorField(), "Authorization") << rowName(route) << ": " << r.body;
      EXPECT_NE(r.status, 401) << rowName(route);
    } else {
      ++closed;
      EXPECT_EQ(r.status, 401) << rowName(route) << ": " << r.body;
      // Console session rows ask for the session cookie (console_access_test.cpp).
      EXPECT_EQ(r.errorField(), route.access == Access::kSession ? "Cookie" : "Authorization")
          << rowName(route);
    }
  }
  EXPECT_GE(open, 5);
  EXPECT_GE(closed, 15);
  EXPECT_EQ(api_.metrics().counter("triggerd_api_errors_total", {{"reason", "unauthenticated"}}),
            static_cast<uint64_t>(closed));
}

TEST_F(AccessControlTest, AnUnknownTokenIs401OnEveryClosedRow) {
  for (const Route& route : routeTable()) {
    if (route.access == Access::kAnyone || route.access == Access::kSession) continue;
    auto r = callRow(route, "tdu_0000000000000000000000000000000000000000000000");
    EXPECT_EQ(r.status, 401) << rowName(route);
    EXPECT_NE(r.body.find("unknown or revoked token"), std::string::npos) << r.body;
  }
}

TEST_F(AccessControlTest, TheAdminTokenPassesEveryRowButTheConsoleSessions) {
  for (const Route& route : routeTable()) {
    if (route.access == Access::kSession) {
      EXPECT_EQ(callRow(route, RouteHarness::kAdminToken).status, 401) << rowName(route);
      continue;
    }
    auto r = callRow(route, RouteHarness::kAdminToken);
    EXPECT_TRUE(passedAccessCheck(r)) << rowName(route) << ": " << r.status << " " << r.body;
  }
}

TEST_F(AccessControlTest, AUserTokenActsForItsOwnUserOnly) {
  const std::string alice = api_.mintToken("alice");
  for (const Route& route : routeTable()) {
    switch (route.access) {
      case Access::kUser: {
        auto own = callRow(route, alice, "alice");
        EXPECT_TRUE(passedAccessCheck(own)) << rowName(route) << ": " << own.body;
        auto other = callRow(route, alice, "bob");
        EXPECT_EQ(other.status, 403) << rowName(route);
        EXPECT_EQ(other.errorField(), "user") << rowName(route);
        EXPECT_NE(other.body.find("acts only for user 'alice'"), std::string::npos) << other.body;
        break;
      }
      case Access::kAdmin:
      case Access::kRunner: {
        auto r = callRow(route, alice);
        EXPECT_EQ(r.status, 403) << rowName(route);
        EXPECT_EQ(r.errorField(), "Authorization") << rowName(route);
        break;
      }
      case Access::kSession:  // a bearer token is no console session
        EXPECT_EQ(callRow(route, alice).status, 401) << rowName(route);
        break;
      case Access::kAnyone:
        break;
    }
  }
}

TEST_F(AccessControlTest, ARunnerTokenServesRunnerRowsOnly) {
  const std::string runner = api_.mintToken("alice", "runner");
  for (const Route& route : routeTable()) {
    if (route.access == Access::kAnyone || route.access == Access::kSession) continue;
    auto r = callRow(route, runner);
    if (route.access == Access::kRunner) {
      EXPECT_TRUE(passedAccessCheck(r)) << rowName(route) << ": " << r.body;
      continue;
    }
    EXPECT_EQ(r.status, 403) << rowName(route);
    EXPECT_EQ(r.errorField(), "Authorization") << rowName(route);
    if (route.access == Access::kUser) {
      EXPECT_NE(r.body.find("a runner token cannot use this API"), std::string::npos) << r.body;
    }
  }
  EXPECT_GT(api_.metrics().counter("triggerd_api_errors_total", {{"reason", "forbidden"}}), 0u);
}

TEST_F(AccessControlTest, TheUserInThePathIsCheckedBeforeAnyToken) {
  // "%2F" decodes to '/' inside the segment.
  const std::vector<std::string> bad_users = {"..",       ".",        "al%20ice",
                                              "al%2Fice", "al%C3%A9", std::string(65, 'a')};
  int rows = 0;
  for (const Route& route : routeTable()) {
    if (!hasParam(route, "{user}")) continue;
    ++rows;
    for (const std::string& user : bad_users) {
      for (const std::string& token : {std::string(), std::string(RouteHarness::kAdminToken)}) {
        auto r = callRow(route, token, user);
        EXPECT_EQ(r.status, 400) << rowName(route) << " user=" << user;
        EXPECT_EQ(r.errorField(), "user") << r.body;
      }
    }
    EXPECT_TRUE(passedAccessCheck(
        callRow(route, RouteHarness::kAdminToken, "a.b_c-D9" + std::string(56, 'x'))))
        << rowName(route) << ": a 64-character id is valid";
  }
  EXPECT_GE(rows, 15);
}

TEST_F(AccessControlTest, AnUnknownProviderIs404) {
  int rows = 0;
  for (const Route& route : routeTable()) {
    if (!hasParam(route, "{provider}")) continue;
    ++rows;
    auto r = api_.call(route.method, pathOf(route, "alice", "bitbucket"), RouteHarness::kAdminToken,
                       "{}", listenerOf(route));
    EXPECT_EQ(r.status, 404) << rowName(route);
    EXPECT_EQ(r.errorField(), "provider") << rowName(route);
    EXPECT_NE(r.body.find("unknown provider 'bitbucket'; use github or gitlab"), std::string::npos)
        << r.body;
  }
  EXPECT_GE(rows, 5);
}

}  // namespace
}  // namespace triggerd::testing
