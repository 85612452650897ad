#include "providers/scopes.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

using Scopes = std::vector<std::string>;

TEST(ParseScopeList, GithubHeaderWithCommaAndSpace) {
  EXPECT_EQ(parseScopeList("repo, user"), (Scopes{"repo", "user"}));
}

TEST(ParseScopeList, TokenExchangeCommaSeparated) {
  EXPECT_EQ(parseScopeList("repo,gist"), (Scopes{"gist", "repo"}));
}

TEST(ParseScopeList, SpaceSeparatedSortedAndDeduplicated) {
  EXPECT_EQ(parseScopeList("user repo  repo\tadmin:repo_hook"),
            (Scopes{"admin:repo_hook", "repo", "user"}));
}

TEST(ParseScopeList, EmptyAndSeparatorsOnly) {
  EXPECT_TRUE(parseScopeList("").empty());
  EXPECT_TRUE(parseScopeList(" , ,, ").empty());
}

TEST(ParseScopeList, Lowercases) {
  EXPECT_EQ(parseScopeList("Repo, API"), (Scopes{"api", "repo"}));
}

struct Implication {
  Scopes granted;
  const char* required;
  bool satisfied;
};

class GithubScopeTest : public ::testing::TestWithParam<Implication> {};

TEST_P(GithubScopeTest, Implication) {
  const auto& c = GetParam();
  EXPECT_EQ(githubScopeSatisfied(c.granted, c.required), c.satisfied)
      << "granted " << joinScopes(c.granted) << " required " << c.required;
}

INSTANTIATE_TEST_SUITE_P(
    Table, GithubScopeTest,
    ::testing::Values(
        Implication{{"repo"}, "repo", true}, Implication{{"repo"}, "repo:status", true},
        Implication{{"repo"}, "public_repo", true}, Implication{{"repo"}, "repo_deployment", true},
        Implication{{"repo"}, "write:repo_hook", true},
        Implication{{"repo"}, "read:repo_hook", true},
        Implication{{"admin:repo_hook"}, "write:repo_hook", true},
        Implication{{"admin:repo_hook"}, "read:repo_hook", true},
        Implication{{"write:repo_hook"}, "read:repo_hook", true},
        Implication{{"write:repo_hook"}, "admin:repo_hook", false},
        Implication{{"read:repo_hook"}, "write:repo_hook", false},
        Implication{{"admin:repo_hook"}, "repo", false},
        Implication{{"public_repo"}, "repo", false}, Implication{{"repo:status"}, "repo", false},
        Implication{{"user"}, "read:user", true}, Implication{{"user", "gist"}, "repo", false},
        Implication{{}, "repo", false}, Implication{{"admin:org"}, "read:org", true},
        Implication{{"REPO"}, "repo:status", true}));

TEST(MissingGithubScopes, ListsOnlyUncovered) {
  EXPECT_TRUE(missingGithubScopes({"repo"}, {"repo:status", "write:repo_hook"}).empty());
  EXPECT_EQ(missingGithubScopes({"public_repo"}, {"repo", "public_repo"}), (Scopes{"repo"}));
  EXPECT_EQ(missingGithubScopes({}, {"repo"}), (Scopes{"repo"}));
}

TEST(GitlabScopes, ApiImpliesReadApiOnly) {
  EXPECT_TRUE(gitlabScopeSatisfied({"api"}, "api"));
  EXPECT_TRUE(gitlabScopeSatisfied({"api"}, "read_api"));
  EXPECT_FALSE(gitlabScopeSatisfied({"read_api"}, "api"));
  EXPECT_FALSE(gitlabScopeSatisfied({"read_user", "read_repository", "write_repository"}, "api"));
  EXPECT_EQ(missingGitlabScopes({"read_api", "read_user"}, {"api"}), (Scopes{"api"}));
}

TEST(JoinScopes, CommaSpace) {
  EXPECT_EQ(joinScopes({"repo", "user"}), "repo, user");
  EXPECT_EQ(joinScopes({}), "");
}

}  // namespace
}  // namespace triggerd
