#include "cli/api_error.h"

#include <gtest/gtest.h>

namespace triggerd::cli {
namespace {

TEST(ApiError, MessageFieldAndStatus) {
  EXPECT_EQ(
      formatApiError(422, R"({"error": "must be a valid RE2 pattern", "field": "rules[1].match"})"),
      "error: must be a valid RE2 pattern (field: rules[1].match) [HTTP 422]\n");
}

TEST(ApiError, NoField) {
  EXPECT_EQ(formatApiError(409, R"({"error": "gitlab is already bound; unbind first"})"),
            "error: gitlab is already bound; unbind first [HTTP 409]\n");
  EXPECT_EQ(formatApiError(404, R"({"error": "no such trigger", "field": ""})"),
            "error: no such trigger [HTTP 404]\n");
}

TEST(ApiError, HintsForAuthFailures) {
  std::string e401 = formatApiError(401, R"({"error": "unknown token"})");
  EXPECT_EQ(e401.rfind("error: unknown token [HTTP 401]\nhint: ", 0), 0u) << e401;
  EXPECT_NE(e401.find("TRIGGERCTL_TOKEN_FILE"), std::string::npos);
  std::string e403 = formatApiError(403, R"({"error": "admin only"})");
  EXPECT_NE(e403.find("admin token"), std::string::npos) << e403;
}

TEST(ApiError, NonJsonBodyIsQuotedSafelyAndHintsAtTheUrl) {
  std::string e = formatApiError(502, "<html>Bad \"gateway\"\n</html>");
  EXPECT_EQ(e,
            "error: unexpected answer [HTTP 502]: <html>Bad \\x22gateway\\x22\\x0a</html>\n"
            "hint: check that --url (or --unix-socket) points at triggerd's admin listener\n");
  EXPECT_EQ(formatApiError(500, ""),
            "error: unexpected answer [HTTP 500]\n"
            "hint: check that --url (or --unix-socket) points at triggerd's admin listener\n");
}

TEST(ApiError, JsonWithoutErrorMemberIsUnexpected) {
  std::string e = formatApiError(400, R"({"message": "x"})");
  EXPECT_EQ(e.rfind("error: unexpected answer [HTTP 400]", 0), 0u) << e;
}

TEST(ApiError, LongBodiesAreClipped) {
  std::string e = formatApiError(500, std::string(5000, 'x'));
  EXPECT_LT(e.size(), 400u);
  EXPECT_NE(e.find("..."), std::string::npos);
}

TEST(Unreachable, NamesUrlReasonAndWhatToCheck) {
  EXPECT_EQ(
      formatUnreachable("http://127.0.0.1:8081/api/v1/users/a/triggers", "", "Connection refused"),
      "error: cannot reach triggerd at http://127.0.0.1:8081/api/v1/users/a/triggers: "
      "Connection refused\n"
      "hint: check --url (or TRIGGERCTL_URL) and that triggerd is running\n");
  EXPECT_EQ(
      formatUnreachable("http://127.0.0.1:8081/readyz", "/run/triggerd/admin.sock", "No such file"),
      "error: cannot reach triggerd at http://127.0.0.1:8081/readyz through unix socket "
      "/run/triggerd/admin.sock: No such file\n"
      "hint: check --unix-socket and that triggerd is running\n");
}

}  // namespace
}  // namespace triggerd::cli
