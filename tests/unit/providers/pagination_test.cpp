#include "providers/pagination.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

// The example from GitHub's pagination documentation.
constexpr const char* kGithubLink =
    "<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", "
    "<https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", "
    "<https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\", "
    "<https://api.github.com/repositories/1300192/issues?page=1>; rel=\"first\"";

// GitLab offset pagination, as in its REST documentation.
constexpr const char* kGitlabLink =
    "<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; "
    "rel=\"prev\", "
    "<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; "
    "rel=\"next\", "
    "<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; "
    "rel=\"first\", "
    "<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; "
    "rel=\"last\"";

// GitLab keyset pagination: only rel="next".
constexpr const char* kGitlabKeysetLink =
    "<https://gitlab.example.com/api/v4/projects?pagination=keyset&per_page=50&order_by=id&"
    "sort=asc&id_after=42>; rel=\"next\"";

TEST(ParseLinkHeader, GithubDocumentationExample) {
  auto links = parseLinkHeader(kGithubLink);
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[1].url, "https://api.github.com/repositories/1300192/issues?page=4");
  EXPECT_EQ(links[1].rels, (std::vector<std::string>{"next"}));
  EXPECT_EQ(findLink(kGithubLink, "last"),
            "https://api.github.com/repositories/1300192/issues?page=515");
  EXPECT_EQ(findLink(kGithubLink, "NEXT"),
            "https://api.github.com/repositories/1300192/issues?page=4");
}

TEST(ParseLinkHeader, GitlabOffsetExample) {
  EXPECT_EQ(findLink(kGitlabLink, "next"),
            "https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3");
  EXPECT_EQ(parseLinkHeader(kGitlabLink).size(), 4u);
}

TEST(ParseLinkHeader, GitlabKeysetExample) {
  auto next = findLink(kGitlabKeysetLink, "next");
  ASSERT_TRUE(next);
  EXPECT_EQ(queryParam(*next, "id_after"), "42");
  EXPECT_EQ(pageTokenFromUrl(*next), "id_after:42");
  EXPECT_FALSE(findLink(kGitlabKeysetLink, "prev"));
}

TEST(ParseLinkHeader, CommasInsideUrlsAndQuotedValuesDoNotSplit) {
  auto links = parseLinkHeader(
      "<https://h/x?a=1,2&page=2>; rel=\"next\"; title=\"a, b\", <https://h/x?page=9>; rel=last");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].url, "https://h/x?a=1,2&page=2");
  EXPECT_EQ(links[0].rels, (std::vector<std::string>{"next"}));
  EXPECT_EQ(links[1].rels, (std::vector<std::string>{"last"}));
}

TEST(ParseLinkHeader, MultipleRelationsInOneEntry) {
  auto links = parseLinkHeader("<https://h/?page=2>; rel=\"next last\"");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].rels, (std::vector<std::string>{"next", "last"}));
  EXPECT_EQ(findLink("<https://h/?page=2>; rel=\"next last\"", "last"), "https://h/?page=2");
}

TEST(ParseLinkHeader, MalformedInputIsSkippedNotFatal) {
  EXPECT_TRUE(parseLinkHeader("").empty());
  EXPECT_TRUE(parseLinkHeader("garbage").empty());
  EXPECT_TRUE(parseLinkHeader("<https://h/?page=2").empty());  // unterminated
  auto links = parseLinkHeader("junk, <https://h/?page=3>; rel=\"next\"");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].url, "https://h/?page=3");
  EXPECT_FALSE(findLink("<https://h/?page=3>", "next"));  // no rel at all
}

TEST(QueryParam, DecodesAndFindsFirst) {
  EXPECT_EQ(queryParam("https://h/p?a=1&b=x%2Fy&a=2", "a"), "1");
  EXPECT_EQ(queryParam("https://h/p?a=1&b=x%2Fy", "b"), "x/y");
  EXPECT_FALSE(queryParam("https://h/p?a=1", "page"));
  EXPECT_FALSE(queryParam("https://h/p", "page"));
  EXPECT_EQ(queryParam("https://h/p?page=3#frag", "page"), "3");
}

TEST(PageTokenFromUrl, OffsetAndCursors) {
  EXPECT_EQ(pageTokenFromUrl("https://api.github.com/user/repos?per_page=100&page=3"), "3");
  EXPECT_EQ(pageTokenFromUrl("https://api.github.com/x?cursor=v1_123"), "cursor:v1_123");
  EXPECT_EQ(pageTokenFromUrl("https://api.github.com/x?after=Y3Vyc29yOjI%3D"),
            "after:Y3Vyc29yOjI=");
  EXPECT_FALSE(pageTokenFromUrl("https://api.github.com/x?since=12345"));
  EXPECT_FALSE(pageTokenFromUrl("https://api.github.com/x?page=abc"));
}

TEST(NextPageToken, LinkWinsThenXNextPage) {
  EXPECT_EQ(nextPageToken(std::string_view(kGithubLink), std::nullopt), "4");
  EXPECT_EQ(nextPageToken(std::string_view(kGitlabLink), std::string_view("3")), "3");
  EXPECT_EQ(nextPageToken(std::nullopt, std::string_view("7")), "7");
  EXPECT_EQ(nextPageToken(std::string_view("<https://h/?page=1>; rel=\"first\""),
                          std::string_view(" 5 ")),
            "5");
}

TEST(NextPageToken, AbsentOnLastPage) {
  EXPECT_FALSE(nextPageToken(std::nullopt, std::nullopt));
  EXPECT_FALSE(nextPageToken(std::nullopt, std::string_view("")));  // GitLab's last page
  EXPECT_FALSE(nextPageToken(
      std::string_view("<https://h/?page=1>; rel=\"prev\", <https://h/?page=1>; rel=\"first\""),
      std::nullopt));
}

TEST(PageTokenQuery, RoundTripsTokens) {
  EXPECT_EQ(*pageTokenQuery(""), "");
  EXPECT_EQ(*pageTokenQuery("2"), "page=2");
  EXPECT_EQ(*pageTokenQuery("cursor:abc_DEF-1"), "cursor=abc_DEF-1");
  EXPECT_EQ(*pageTokenQuery("id_after:42"), "id_after=42");
  EXPECT_EQ(*pageTokenQuery("after:Y3Vyc29yOjI="), "after=Y3Vyc29yOjI%3D");
}

TEST(PageTokenQuery, RefusesAnythingElse) {
  for (const char* bad : {"abc", "-1", "2&per_page=1", "1234567890", "cursor:", "since:5",
                          "cursor:a&b=c", "page:2", "2 ", "cursor:a b"}) {
    auto q = pageTokenQuery(bad);
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.error().status, 400);
    EXPECT_EQ(q.error().field, "page");
  }
  EXPECT_FALSE(pageTokenQuery("cursor:" + std::string(600, 'a')).ok());
}

}  // namespace
}  // namespace triggerd
