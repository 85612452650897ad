// parseGitlabDelivery against the payloads in GitLab's webhook events documentation.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/webhook/delivery_checks.h"
#include "tests/unit/webhook/fixtures.h"
#include "webhook/push_event.h"

namespace triggerd {
namespace {

using namespace webhook_test;  // fixture edits and delivery checks

constexpr char kJson[] = "application/json";
constexpr char kPushHook[] = "Push Hook";
constexpr char kTagPushHook[] = "Tag Push Hook";
constexpr char kZero[] = "0000000000000000000000000000000000000000";
constexpr char kHead[] = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
constexpr char kTagged[] = "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7";

Result<Delivery> parsePush(const std::string& body) {
  return parseGitlabDelivery(kPushHook, kJson, body);
}
Result<Delivery> parseTag(const std::string& body) {
  return parseGitlabDelivery(kTagPushHook, kJson, body);
}

// ---- Push Hook ---------------------------------------------------------------------------------

TEST(GitlabPushTest, ParsesDocumentedPushExample) {
  auto r = parsePush(fixture("gitlab/push.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->kind, DeliveryKind::kPush);
  const PushEvent& p = r->push;
  expectRef(p, "refs/heads/master", RefType::kBranch, "master");
  EXPECT_EQ(p.before, "95790bf891e76fee5e1747ab589903a6a1f80f22");
  EXPECT_EQ(p.after, kHead);

  EXPECT_EQ(p.head.sha, kHead);
  EXPECT_EQ(p.head.message, "fixed readme");
  EXPECT_EQ(p.head.author, "GitLab dev user <gitlabdev@dv6700.(none)>");
  EXPECT_EQ(p.head.timestamp, "2012-01-03T23:36:29+02:00");

  ASSERT_EQ(p.commits.size(), 2u);
  EXPECT_EQ(p.commits[0].sha, "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327");
  EXPECT_EQ(p.commits[0].message,
            "Update Catalan translation to e38cb41.\n\nSee https://gitlab.com/gitlab-org/gitlab "
            "for more information");
  EXPECT_EQ(p.commits[0].author, "Jordi Mallach <jordi@softcatala.org>");
  EXPECT_EQ(p.commits[0].added, std::vector<std::string>{"CHANGELOG"});
  EXPECT_EQ(p.commits[0].modified, std::vector<std::string>{"app/controller/application.rb"});
  EXPECT_TRUE(p.commits[0].removed.empty());
  EXPECT_EQ(p.commits[1].sha, kHead);
  // total_commits_count is 4 but only 2 are listed.
  EXPECT_TRUE(p.commits_truncated);

  EXPECT_EQ(p.repository.id, "15");
  EXPECT_EQ(p.repository.full_name, "mike/diaspora");
  EXPECT_EQ(p.repository.clone_url, "http://example.com/mike/diaspora.git");
  EXPECT_EQ(p.repository.ssh_url, "git@example.com:mike/diaspora.git");
  EXPECT_TRUE(p.repository.is_private);  // visibility_level 0
}

TEST(GitlabPushTest, NotTruncatedWhenEveryCommitIsListed) {
  auto r = parsePush(withInt(fixture("gitlab/push.json"), "/total_commits_count", 2));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->push.commits_truncated);
  r = parsePush(without(fixture("gitlab/push.json"), "/total_commits_count"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->push.commits_truncated);
}

TEST(GitlabPushTest, NewBranchWithoutCommitsIsTruncated) {
  std::string body = edited(fixture("gitlab/push.json"), [](rapidjson::Document& d) {
    d["commits"].Clear();
    d["total_commits_count"].SetInt(0);
  });
  auto r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->push.commits.empty());
  EXPECT_TRUE(r->push.commits_truncated);
  // No listed commit: the pusher stands in as author.
  EXPECT_EQ(r->push.head.sha, kHead);
  EXPECT_EQ(r->push.head.author, "John Smith <john@example.com>");
  EXPECT_EQ(r->push.head.message, "");
}

TEST(GitlabPushTest, HeadFallsBackToPusherWhenNotListed) {
  std::string body = without(fixture("gitlab/push.json"), "/commits/1");
  auto r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.sha, kHead);
  EXPECT_EQ(r->push.head.author, "John Smith <john@example.com>");
  EXPECT_EQ(r->push.head.message, "");
  EXPECT_TRUE(r->push.commits_truncated);
}

TEST(GitlabPushTest, RedactedEmailsAreDropped) {
  std::string body =
      withString(fixture("gitlab/push.json"), "/commits/1/author/email", "[REDACTED]");
  auto r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.author, "GitLab dev user");
  body = withNull(without(fixture("gitlab/push.json"), "/commits/1"), "/user_email");
  r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.author, "John Smith");
}

TEST(GitlabPushTest, VisibilityDecidesPrivacy) {
  const std::string push = fixture("gitlab/push.json");
  auto r = parsePush(withInt(push, "/project/visibility_level", 20));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->push.repository.is_private);
  r = parsePush(withInt(push, "/project/visibility_level", 10));  // internal
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->push.repository.is_private);
  r = parsePush(without(push, "/project/visibility_level"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->push.repository.is_private);
  expectBadField(parsePush(withString(push, "/project/visibility_level", "public")),
                 "project.visibility_level");
}

TEST(GitlabPushTest, ProjectIdMayBeAString) {
  auto r = parsePush(withString(fixture("gitlab/push.json"), "/project/id", "15"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.repository.id, "15");
}

TEST(GitlabPushTest, AcceptsContentTypeParameters) {
  for (const char* ct : {"application/json; charset=utf-8", "APPLICATION/JSON"}) {
    auto r = parseGitlabDelivery(kPushHook, ct, fixture("gitlab/push.json"));
    ASSERT_TRUE(r.ok()) << ct << ": " << r.error().message;
    EXPECT_EQ(r->kind, DeliveryKind::kPush);
  }
}

// ---- Tag Push Hook -----------------------------------------------------------------------------

TEST(GitlabTagPushTest, ParsesDocumentedTagPushExample) {
  auto r = parseTag(fixture("gitlab/tag-push.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->kind, DeliveryKind::kPush);
  const PushEvent& p = r->push;
  expectRef(p, "refs/tags/v1.0.0", RefType::kTag, "v1.0.0");
  EXPECT_EQ(p.before, kZero);
  EXPECT_EQ(p.after, kTagged);
  EXPECT_EQ(p.head.sha, kTagged);
  EXPECT_EQ(p.head.message, "");
  EXPECT_EQ(p.head.author, "John Smith");
  EXPECT_TRUE(p.commits.empty());
  EXPECT_FALSE(p.commits_truncated);
  EXPECT_EQ(p.repository.id, "1");
  EXPECT_EQ(p.repository.full_name, "jsmith/example");
  EXPECT_EQ(p.repository.clone_url, "http://example.com/jsmith/example.git");
  EXPECT_EQ(p.repository.ssh_url, "git@example.com:jsmith/example.git");
}

TEST(GitlabTagPushTest, AnnotatedTagBuildsCheckoutSha) {
  const char* tag_object = "0123456789abcdef0123456789abcdef01234567";
  auto r = parseTag(withString(fixture("gitlab/tag-push.json"), "/after", tag_object));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.after, tag_object);
  EXPECT_EQ(r->push.head.sha, kTagged);
}

// ---- deletions ---------------------------------------------------------------------------------

TEST(GitlabPushTest, BranchDeletionIsIgnored) {
  std::string body =
      withNull(withString(fixture("gitlab/push.json"), "/after", kZero), "/checkout_sha");
  expectIgnored(parsePush(body), "branch deletion");
  // Either signal alone is enough.
  expectIgnored(parsePush(withString(fixture("gitlab/push.json"), "/after", kZero)),
                "branch deletion");
  expectIgnored(parsePush(withNull(fixture("gitlab/push.json"), "/checkout_sha")),
                "branch deletion");
}

TEST(GitlabTagPushTest, TagDeletionIsIgnored) {
  std::string body =
      withNull(withString(fixture("gitlab/tag-push.json"), "/after", kZero), "/checkout_sha");
  expectIgnored(parseTag(body), "tag deletion");
}

// ---- events, kinds and content types
// ---------------------------------------------------------------

TEST(GitlabDeliveryTest, ObjectKindMustMatchTheEventHeader) {
  expectBadField(parsePush(fixture("gitlab/tag-push.json")), "object_kind");
  expectBadField(parseTag(fixture("gitlab/push.json")), "object_kind");
  expectBadField(parsePush(without(fixture("gitlab/push.json"), "/object_kind")), "object_kind");
  expectBadField(parsePush(withString(fixture("gitlab/push.json"), "/object_kind", "note")),
                 "object_kind");
}

TEST(GitlabDeliveryTest, RefMustMatchTheEvent) {
  expectBadField(parsePush(withString(fixture("gitlab/push.json"), "/ref", "refs/tags/v1")), "ref");
  expectBadField(parseTag(withString(fixture("gitlab/tag-push.json"), "/ref", "refs/heads/main")),
                 "ref");
  expectIgnored(
      parsePush(withString(fixture("gitlab/push.json"), "/ref", "refs/merge-requests/1/head")),
      "ref 'refs/merge-requests/1/head' is neither a branch nor a tag");
  expectBadField(parsePush(withString(fixture("gitlab/push.json"), "/ref", "refs/heads/a..b")),
                 "ref");
}

TEST(GitlabDeliveryTest, OtherEventsAreIgnored) {
  expectIgnored(parseGitlabDelivery("System Hook", kJson, fixture("gitlab/push.json")),
                "event 'System Hook' is not handled");
  expectIgnored(parseGitlabDelivery("Merge Request Hook", kJson, "{}"),
                "event 'Merge Request Hook' is not handled");
  expectIgnored(parseGitlabDelivery("push hook", kJson, fixture("gitlab/push.json")),
                "event 'push hook' is not handled");
  expectBadField(parseGitlabDelivery("", kJson, fixture("gitlab/push.json")), "X-Gitlab-Event");
}

TEST(GitlabDeliveryTest, OnlyJsonIsAccepted) {
  for (const char* ct : {"application/x-www-form-urlencoded", "text/plain", ""}) {
    auto r = parseGitlabDelivery(kPushHook, ct, fixture("gitlab/push.json"));
    ASSERT_FALSE(r.ok()) << ct;
    EXPECT_EQ(r.error().status, 415);
    EXPECT_EQ(r.error().field, "Content-Type");
    EXPECT_NE(r.error().message.find("application/json"), std::string::npos);
  }
}

// ---- malformed payloads
// ------------------------------------------------------------------------------

TEST(GitlabPushTest, MissingRequiredFieldsNameTheirPath) {
  expectEachRequired(parsePush, fixture("gitlab/push.json"),
                     {
                         {"/ref", "ref"},
                         {"/before", "before"},
                         {"/after", "after"},
                         {"/checkout_sha", "checkout_sha"},
                         {"/project", "project"},
                         {"/project/id", "project.id"},
                         {"/project/path_with_namespace", "project.path_with_namespace"},
                         {"/project/git_http_url", "project.git_http_url"},
                         {"/project/git_ssh_url", "project.git_ssh_url"},
                         {"/commits", "commits"},
                         {"/commits/0/id", "commits[0].id"},
                     });
}

TEST(GitlabPushTest, IllTypedFieldsNameTheirPath) {
  const std::string push = fixture("gitlab/push.json");
  expectBadField(parsePush(withInt(push, "/checkout_sha", 1)), "checkout_sha");
  expectBadField(parsePush(withString(push, "/checkout_sha", "HEAD")), "checkout_sha");
  expectBadField(parsePush(withString(push, "/total_commits_count", "4")), "total_commits_count");
  expectBadField(parsePush(withInt(push, "/total_commits_count", -1)), "total_commits_count");
  // The pusher is read when the head commit is not listed.
  expectBadField(parsePush(withInt(without(push, "/commits/1"), "/user_name", 3)), "user_name");
  expectBadField(parsePush(withString(push, "/project", "mike/diaspora")), "project");
  expectBadField(parsePush(withInt(push, "/commits/1/author", 3)), "commits[1].author");
  expectBadField(parsePush(withInt(push, "/commits/1/author/email", 3)), "commits[1].author.email");
  expectBadField(parsePush(withString(push, "/commits/0/removed", "x")), "commits[0].removed");
  expectBadField(parsePush(withString(push, "/commits/1/id", "da15608")), "commits[1].id");
}

TEST(GitlabPushTest, NonObjectAndInvalidJsonAreRejected) {
  for (const char* body : {"", "[]", "true", "{\"object_kind\":\"push\"", "{]"}) {
    expectBadField(parsePush(body), "body");
  }
}

}  // namespace
}  // namespace triggerd
