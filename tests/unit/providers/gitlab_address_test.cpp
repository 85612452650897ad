#include "providers/gitlab_address.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

struct Accepted {
  const char* input;
  const char* normalised;
};

class GitlabAddressAccepted : public ::testing::TestWithParam<Accepted> {};

TEST_P(GitlabAddressAccepted, Normalises) {
  auto r = normalizeGitlabAddress(GetParam().input);
  ASSERT_TRUE(r.ok()) << GetParam().input << ": " << r.error().message;
  EXPECT_EQ(*r, GetParam().normalised);
}

INSTANTIATE_TEST_SUITE_P(
    Table, GitlabAddressAccepted,
    ::testing::Values(
        Accepted{"https://gitlab.example.com", "https://gitlab.example.com"},
        Accepted{"https://gitlab.example.com/", "https://gitlab.example.com"},
        Accepted{"https://gitlab.example.com///", "https://gitlab.example.com"},
        Accepted{"  https://gitlab.example.com  ", "https://gitlab.example.com"},
        Accepted{"\thttps://gitlab.example.com\n", "https://gitlab.example.com"},
        Accepted{"HTTPS://GitLab.Example.COM", "https://gitlab.example.com"},
        Accepted{"http://gitlab.internal", "http://gitlab.internal"},
        Accepted{"https://gitlab.example.com:8443", "https://gitlab.example.com:8443"},
        Accepted{"https://gitlab.example.com:443", "https://gitlab.example.com"},
        Accepted{"http://gitlab.example.com:80/", "http://gitlab.example.com"},
        Accepted{"http://gitlab.example.com:443", "http://gitlab.example.com:443"},
        Accepted{"https://gitlab.example.com/gitlab", "https://gitlab.example.com/gitlab"},
        Accepted{"https://gitlab.example.com/gitlab/", "https://gitlab.example.com/gitlab"},
        Accepted{"https://host/tools/gitlab", "https://host/tools/gitlab"},
        Accepted{"https://host/GitLab", "https://host/GitLab"},  // paths keep their case
        Accepted{"https://gitlab.example.com/api/v4", "https://gitlab.example.com"},
        Accepted{"https://gitlab.example.com/api/v4/", "https://gitlab.example.com"},
        Accepted{"https://host/gitlab/api/v4", "https://host/gitlab"},
        Accepted{"https://gitlab.com", "https://gitlab.com"},
        Accepted{"https://gitlab.com/", "https://gitlab.com"},
        Accepted{"https://10.0.0.5", "https://10.0.0.5"},
        Accepted{"https://[2001:DB8::1]:8443/", "https://[2001:db8::1]:8443"},
        Accepted{"http://127.0.0.1:39999/gitlab", "http://127.0.0.1:39999/gitlab"}));

struct Refused {
  const char* input;
  const char* message_part;
};

class GitlabAddressRefused : public ::testing::TestWithParam<Refused> {};

TEST_P(GitlabAddressRefused, ExplainsWhy) {
  auto r = normalizeGitlabAddress(GetParam().input);
  ASSERT_FALSE(r.ok()) << GetParam().input << " was accepted as " << *r;
  EXPECT_EQ(r.error().status, 422);
  EXPECT_EQ(r.error().field, "service_address");
  EXPECT_NE(r.error().message.find(GetParam().message_part), std::string::npos)
      << GetParam().input << ": " << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, GitlabAddressRefused,
    ::testing::Values(
        Refused{"", "enter the GitLab server address"},
        Refused{"   ", "enter the GitLab server address"},
        Refused{"gitlab.example.com", "use http:// or https://"},
        Refused{"//gitlab.example.com", "use http:// or https://"},
        Refused{"ftp://gitlab.example.com", "use http:// or https://"},
        Refused{"file:///etc/passwd", "use http:// or https://"},
        Refused{"ssh://git@gitlab.example.com", "use http:// or https://"},
        Refused{"git@gitlab.example.com:group/project.git", "use http:// or https://"},
        Refused{"https://user:pass@gitlab.example.com", "user name or password"},
        Refused{"https://oauth2@gitlab.example.com", "user name or password"},
        Refused{"https://gitlab.example.com/?foo=bar", "query (?) or fragment (#)"},
        Refused{"https://gitlab.example.com/#top", "query (?) or fragment (#)"},
        Refused{"https://gitlab.example.com/group/project/-/tree/main", "project or group URL"},
        Refused{"https://gitlab.example.com/group/project/-/merge_requests/1",
                "project or group URL"},
        Refused{"https://gitlab.example.com/groups/team/-/settings", "project or group URL"},
        Refused{"https://gitlab.example.com/group/project.git", "project or group URL"},
        Refused{"https://gitlab.example.com/group/project.GIT", "project or group URL"},
        Refused{"https://gitlab.com/group/project", "project or group URL"},
        Refused{"https://gitlab.com/group", "project or group URL"},
        Refused{"https://gitlab.example.com/users/sign_in", "URL of a GitLab page"},
        Refused{"https://gitlab.example.com/explore/projects", "URL of a GitLab page"},
        Refused{"https://gitlab.example.com/dashboard/projects", "URL of a GitLab page"},
        Refused{"https://gitlab.example.com/api/v4/projects", "points into the GitLab API"},
        Refused{"https://gitlab.example.com/gitlab//x", "empty path segment"},
        Refused{"https://gitlab.example.com/a/../b", ". or .. path segments"},
        Refused{"https://gitlab.example.com/./gitlab", ". or .. path segments"},
        Refused{"https://gitlab.example.com/git lab", "spaces or control characters"},
        Refused{"https://gitlab.example.com/a\x01", "spaces or control characters"},
        Refused{"https://gitlab.example.com/a<b>", "characters not allowed"},
        Refused{"https://", "no host name"}, Refused{"https:///gitlab", "no host name"},
        Refused{"https://:8443", "no host name"},
        Refused{"https://gitlab..example.com", "invalid host name"},
        Refused{"https://gitlab_example.com", "invalid host name"},
        Refused{"https://-gitlab.example.com", "invalid host name"},
        Refused{"https://gitlab.example.com:0", "outside 1-65535"},
        Refused{"https://gitlab.example.com:65536", "outside 1-65535"},
        Refused{"https://gitlab.example.com:https", "invalid port"},
        Refused{"https://gitlab.example.com:", "invalid port"},
        Refused{"https://[::1", "unterminated IPv6"}, Refused{"https://[zz::1]", "invalid IPv6"}));

TEST(GitlabAddress, RefusesOverlongInput) {
  std::string input = "https://gitlab.example.com/" + std::string(3000, 'a');
  auto r = normalizeGitlabAddress(input);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("longer than 2048"), std::string::npos);
}

TEST(GitlabAddress, ErrorMessagesAreClippedAndPrintable) {
  std::string input = "https://gitlab.example.com/x/-/" + std::string(500, 'y');
  auto r = normalizeGitlabAddress(input);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.error().message.size(), 400u);
}

TEST(LooksLikeGitlabApiAnswer, JsonOnly) {
  EXPECT_TRUE(looksLikeGitlabApiAnswer("application/json", R"({"message":"401 Unauthorized"})"));
  EXPECT_TRUE(looksLikeGitlabApiAnswer("application/json; charset=utf-8", "[]"));
  EXPECT_TRUE(looksLikeGitlabApiAnswer("Application/JSON", ""));
  EXPECT_FALSE(looksLikeGitlabApiAnswer("text/html; charset=utf-8", "<html></html>"));
  EXPECT_FALSE(looksLikeGitlabApiAnswer("application/json", "<html></html>"));
  EXPECT_FALSE(looksLikeGitlabApiAnswer("", R"({"a":1})"));
  EXPECT_FALSE(looksLikeGitlabApiAnswer("text/plain", "Retry later"));
}

TEST(NotGitlabRootError, NamesTheAddressAndTheFix) {
  Error e = notGitlabRootError("https://h/group/project", "GET /api/v4/version answered HTTP 404");
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.field, "service_address");
  EXPECT_NE(e.message.find("https://h/group/project does not look like a GitLab server root"),
            std::string::npos);
  EXPECT_NE(e.message.find("HTTP 404"), std::string::npos);
  EXPECT_NE(e.message.find("enter the GitLab server address"), std::string::npos);
}

}  // namespace
}  // namespace triggerd
