#include "cli/api_paths.h"

#include <gtest/gtest.h>

namespace triggerd::cli::paths {
namespace {

TEST(JoinUrl, ExactlyOneSlash) {
  EXPECT_EQ(joinUrl("http://127.0.0.1:8081", "/readyz"), "http://127.0.0.1:8081/readyz");
  EXPECT_EQ(joinUrl("http://127.0.0.1:8081/", "/readyz"), "http://127.0.0.1:8081/readyz");
  EXPECT_EQ(joinUrl("http://h:1//", "readyz"), "http://h:1/readyz");
}

TEST(JoinUrl, KeepsAPrefix) {
  EXPECT_EQ(joinUrl("https://ops.example.com/triggerd/", "/api/v1/admin/keys/reseal"),
            "https://ops.example.com/triggerd/api/v1/admin/keys/reseal");
}

TEST(Paths, Triggers) {
  EXPECT_EQ(triggers("alice"), "/api/v1/users/alice/triggers");
  EXPECT_EQ(trigger("alice", "01J"), "/api/v1/users/alice/triggers/01J");
  EXPECT_EQ(triggerHookRepair("alice", "01J"), "/api/v1/users/alice/triggers/01J/hook/repair");
}

TEST(Paths, TokensSourcesKeys) {
  EXPECT_EQ(tokens("alice"), "/api/v1/users/alice/tokens");
  EXPECT_EQ(token("alice", "00ff"), "/api/v1/users/alice/tokens/00ff");
  EXPECT_EQ(sources("alice"), "/api/v1/users/alice/sources");
  EXPECT_EQ(source("alice", "gitlab"), "/api/v1/users/alice/sources/gitlab");
  EXPECT_EQ(githubAuthorize("alice"), "/api/v1/users/alice/sources/github/authorize");
  EXPECT_EQ(repos("alice", "github"), "/api/v1/users/alice/sources/github/repos");
  EXPECT_EQ(keysReseal(), "/api/v1/admin/keys/reseal");
  EXPECT_EQ(tokensCheck(), "/api/v1/admin/tokens/check");
  EXPECT_EQ(readyz(), "/readyz");
}

TEST(Paths, RepoIsOneEncodedSegment) {
  EXPECT_EQ(branches("alice", "github", "octo/app"),
            "/api/v1/users/alice/sources/github/repos/octo%2Fapp/branches");
  EXPECT_EQ(tags("alice", "gitlab", "group/sub group/project"),
            "/api/v1/users/alice/sources/gitlab/repos/group%2Fsub%20group%2Fproject/tags");
}

TEST(Paths, EveryParameterIsEncoded) {
  // A user or id with '/', '?' or '#' must not escape its segment.
  EXPECT_EQ(trigger("a/b", "x?y#z"), "/api/v1/users/a%2Fb/triggers/x%3Fy%23z");
  EXPECT_EQ(source("alice", "../admin"), "/api/v1/users/alice/sources/..%2Fadmin");
}

TEST(WithPage, EncodedQuery) {
  EXPECT_EQ(withPage("/x", ""), "/x");
  EXPECT_EQ(withPage("/x", "2"), "/x?page=2");
  EXPECT_EQ(withPage("/x", "a b&c=d"), "/x?page=a%20b%26c%3Dd");
}

}  // namespace
}  // namespace triggerd::cli::paths
