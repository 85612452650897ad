// parseGithubDelivery against GitHub's published payloads and edits of them.
#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "tests/unit/webhook/delivery_checks.h"
#include "tests/unit/webhook/fixtures.h"
#include "webhook/push_event.h"

namespace triggerd {
namespace {

using namespace webhook_test;  // fixture edits and delivery checks

constexpr char kJson[] = "application/json";
constexpr char kForm[] = "application/x-www-form-urlencoded";
constexpr char kSha[] = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
constexpr char kZero[] = "0000000000000000000000000000000000000000";

Result<Delivery> parsePush(const std::string& body) {
  return parseGithubDelivery("push", kJson, body);
}

// ---- push: branches ----------------------------------------------------------------------------

TEST(GithubPushTest, ParsesBranchPush) {
  auto r = parsePush(fixture("github/push.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->kind, DeliveryKind::kPush);
  const PushEvent& p = r->push;
  expectRef(p, "refs/heads/master", RefType::kBranch, "master");
  EXPECT_EQ(p.before, kZero);
  EXPECT_EQ(p.after, kSha);

  EXPECT_EQ(p.head.sha, kSha);
  EXPECT_EQ(p.head.message, "Initial commit");
  EXPECT_EQ(p.head.author, "Codertocat <21031067+Codertocat@users.noreply.github.com>");
  EXPECT_EQ(p.head.timestamp, "2019-05-15T15:19:25Z");

  ASSERT_EQ(p.commits.size(), 1u);
  EXPECT_EQ(p.commits[0].sha, kSha);
  EXPECT_EQ(p.commits[0].added, std::vector<std::string>{"README.md"});
  EXPECT_TRUE(p.commits[0].modified.empty());
  EXPECT_TRUE(p.commits[0].removed.empty());
  EXPECT_FALSE(p.commits_truncated);

  EXPECT_EQ(p.repository.id, "186853002");
  EXPECT_EQ(p.repository.full_name, "Codertocat/Hello-World");
  EXPECT_EQ(p.repository.clone_url, "https://github.com/Codertocat/Hello-World.git");
  EXPECT_EQ(p.repository.ssh_url, "git@github.com:Codertocat/Hello-World.git");
  EXPECT_FALSE(p.repository.is_private);
  EXPECT_EQ(p.pushed_at, 1557933657);  // repository.pushed_at, signed with the body
}

TEST(GithubPushTest, PushTimeIsReadAsNumberOrDateAndZeroWhenUnknown) {
  auto iso = parsePush(
      withString(fixture("github/push.json"), "/repository/pushed_at", "2019-05-15T15:20:57Z"));
  ASSERT_TRUE(iso.ok()) << iso.error().message;
  EXPECT_EQ(iso->push.pushed_at, 1557933657);
  auto absent = parsePush(without(fixture("github/push.json"), "/repository/pushed_at"));
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent->push.pushed_at, 0);
  auto garbage =
      parsePush(withString(fixture("github/push.json"), "/repository/pushed_at", "yesterday"));
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(garbage->push.pushed_at, 0);
}

TEST(GithubPushTest, KeepsCommitOrderAndChangedPaths) {
  std::string body = edited(fixture("github/push.json"), [](rapidjson::Document& d) {
    auto& a = d.GetAllocator();
    rapidjson::Value second(d["commits"][0], a);
    second["id"].SetString("a10867b14bb761a232cd80139fbd4c0d33264240", a);
    second["message"].SetString("Second\n\nbody", a);
    second["added"].Clear();
    second["modified"].PushBack("src/main.cpp", a).PushBack("CMakeLists.txt", a);
    second["removed"].PushBack("old.txt", a);
    d["commits"].PushBack(second, a);
  });
  body = withBool(body, "/repository/private", true);
  auto r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const PushEvent& p = r->push;
  ASSERT_EQ(p.commits.size(), 2u);
  EXPECT_EQ(p.commits[0].sha, kSha);
  EXPECT_EQ(p.commits[1].sha, "a10867b14bb761a232cd80139fbd4c0d33264240");
  EXPECT_EQ(p.commits[1].message, "Second\n\nbody");
  EXPECT_EQ(p.commits[1].modified, (std::vector<std::string>{"src/main.cpp", "CMakeLists.txt"}));
  EXPECT_EQ(p.commits[1].removed, std::vector<std::string>{"old.txt"});
  EXPECT_TRUE(p.repository.is_private);
}

TEST(GithubPushTest, BranchNamesMayContainSlashes) {
  auto r = parsePush(withString(fixture("github/push.json"), "/ref", "refs/heads/feature/x-1"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.ref_name, "feature/x-1");
  EXPECT_EQ(r->push.ref_type, RefType::kBranch);
}

TEST(GithubPushTest, AcceptsContentTypeParametersAndCase) {
  std::string body = fixture("github/push.json");
  for (const char* ct : {"application/json; charset=utf-8", "Application/JSON",
                         " application/json ;charset=UTF-8", "application/json;"}) {
    auto r = parseGithubDelivery("push", ct, body);
    ASSERT_TRUE(r.ok()) << ct << ": " << r.error().message;
    EXPECT_EQ(r->kind, DeliveryKind::kPush);
  }
}

TEST(GithubPushTest, AuthorWithoutEmailIsTheNameAlone) {
  std::string body = without(fixture("github/push.json"), "/head_commit/author/email");
  auto r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.author, "Codertocat");
  r = parsePush(without(fixture("github/push.json"), "/head_commit/author"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.author, "");
}

// ---- push: tags --------------------------------------------------------------------------------

TEST(GithubPushTest, ParsesTagPushWithTheTaggedCommit) {
  auto r = parsePush(fixture("github/push-tag.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->kind, DeliveryKind::kPush);
  const PushEvent& p = r->push;
  expectRef(p, "refs/tags/simple-tag", RefType::kTag, "simple-tag");
  EXPECT_EQ(p.before, kZero);
  EXPECT_EQ(p.head.sha, kSha);
  EXPECT_EQ(p.head.message, "Adding a .gitignore file");
  EXPECT_EQ(p.head.timestamp, "2019-05-15T15:20:41Z");
  EXPECT_EQ(p.head.added, std::vector<std::string>{".gitignore"});
  EXPECT_TRUE(p.commits.empty());
  EXPECT_FALSE(p.commits_truncated);  // tags never list commits
  EXPECT_EQ(p.repository.full_name, "Codertocat/Hello-World");
}

TEST(GithubPushTest, AnnotatedTagBuildsTheCommitNotTheTagObject) {
  // For an annotated tag `after` is the tag object; head_commit is the commit it points to.
  const char* tag_object = "d8f1c3a4e5b6978800112233445566778899aabb";
  auto r = parsePush(withString(fixture("github/push-tag.json"), "/after", tag_object));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.after, tag_object);
  EXPECT_EQ(r->push.head.sha, kSha);
}

TEST(GithubPushTest, ShaIsNormalisedToLowerCase) {
  auto r = parsePush(withString(fixture("github/push.json"), "/head_commit/id",
                                "6113728F27AE82C7B1A177C8D03F9E96E0ADF246"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.sha, kSha);
}

TEST(GithubPushTest, AcceptsSha256Repositories) {
  std::string sha256(64, 'a');
  std::string body = withString(fixture("github/push.json"), "/after", sha256.c_str());
  body = withString(body, "/head_commit/id", sha256.c_str());
  auto r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.sha, sha256);
}

// ---- deletions and other refs ------------------------------------------------------------------

TEST(GithubPushTest, TagDeletionIsIgnored) {
  expectIgnored(parsePush(fixture("github/push-delete.json")), "tag deletion");
}

TEST(GithubPushTest, BranchDeletionIsIgnored) {
  std::string body = withString(fixture("github/push-delete.json"), "/ref", "refs/heads/gone");
  expectIgnored(parsePush(body), "branch deletion");
}

TEST(GithubPushTest, DeletionIsRecognisedByEitherSignal) {
  // deleted:false but an all-zero after.
  std::string body = withBool(fixture("github/push-delete.json"), "/deleted", false);
  expectIgnored(parsePush(body), "tag deletion");
  // deleted:true with a real after.
  body = withBool(fixture("github/push.json"), "/deleted", true);
  expectIgnored(parsePush(body), "branch deletion");
  // Without the deleted field at all.
  body = without(fixture("github/push-delete.json"), "/deleted");
  expectIgnored(parsePush(body), "tag deletion");
}

TEST(GithubPushTest, OtherRefsAreIgnoredWithAReason) {
  auto r = parsePush(withString(fixture("github/push.json"), "/ref", "refs/notes/commits"));
  expectIgnored(r, "ref 'refs/notes/commits' is neither a branch nor a tag");
  r = parsePush(withString(fixture("github/push.json"), "/ref", "refs/pull/1/head"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, DeliveryKind::kIgnored);
}

TEST(GithubPushTest, InvalidRefNamesAreRejected) {
  for (const char* ref :
       {"refs/heads/", "refs/tags/", "refs/heads/a..b", "refs/heads/a b", "refs/heads/x~1",
        "refs/heads/x^", "refs/heads/a:b", "refs/heads/*", "refs/heads/a\\b", "refs/heads/a//b",
        "refs/heads/.hidden", "refs/heads/x.lock", "refs/heads/x.", "refs/heads/a@{1}",
        "refs/heads/tab\there", "/refs/heads/x"}) {
    expectBadField(parsePush(withString(fixture("github/push.json"), "/ref", ref)), "ref");
  }
  std::string long_ref = "refs/heads/" + std::string(2000, 'a');
  expectBadField(parsePush(withString(fixture("github/push.json"), "/ref", long_ref.c_str())),
                 "ref");
}

// ---- commits_truncated
// ---------------------------------------------------------------------------

std::string withCommitCount(size_t n) {
  return edited(fixture("github/push.json"), [n](rapidjson::Document& d) {
    auto& a = d.GetAllocator();
    rapidjson::Value proto(d["commits"][0], a);
    d["commits"].Clear();
    for (size_t i = 0; i < n; ++i) d["commits"].PushBack(rapidjson::Value(proto, a), a);
  });
}

TEST(GithubPushTest, TwoThousandFortyEightCommitsMeansTruncated) {
  auto r = parsePush(withCommitCount(2047));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.commits.size(), 2047u);
  EXPECT_FALSE(r->push.commits_truncated);
  r = parsePush(withCommitCount(2048));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->push.commits_truncated);
}

TEST(GithubPushTest, BranchPushWithoutListedCommitsIsTruncated) {
  // A branch created at an existing commit lists no commits: path filters cannot know.
  auto r = parsePush(withCommitCount(0));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->push.commits.empty());
  EXPECT_TRUE(r->push.commits_truncated);
  EXPECT_EQ(r->push.head.sha, kSha);
}

// ---- ping
// ------------------------------------------------------------------------------------------

TEST(GithubPingTest, ParsesPing) {
  auto r = parseGithubDelivery("ping", kJson, fixture("github/ping.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, DeliveryKind::kPing);
  EXPECT_EQ(r->hook_id, "109948940");
}

TEST(GithubPingTest, FallsBackToHookId) {
  std::string body = withInt(without(fixture("github/ping.json"), "/hook_id"), "/hook/id", 42);
  auto r = parseGithubDelivery("ping", kJson, body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->hook_id, "42");
}

TEST(GithubPingTest, PingWithoutAnyHookIdIsRejected) {
  std::string body = without(without(fixture("github/ping.json"), "/hook_id"), "/hook/id");
  expectBadField(parseGithubDelivery("ping", kJson, body), "hook_id");
  expectBadField(parseGithubDelivery("ping", kJson, "{}"), "hook_id");
}

TEST(GithubPingTest, ParsesGithubsFormEncodedPingExample) {
  auto r = parseGithubDelivery("ping", kForm, fixture("github/ping-form-urlencoded.txt"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, DeliveryKind::kPing);
  EXPECT_EQ(r->hook_id, "1234");
}

// ---- form encoding
// -----------------------------------------------------------------------------------

TEST(GithubFormTest, FormEncodedPushEqualsJsonPush) {
  auto form = parseGithubDelivery("push", kForm, fixture("github/push-form-urlencoded.txt"));
  auto json = parsePush(fixture("github/push.json"));
  ASSERT_TRUE(form.ok()) << form.error().message;
  ASSERT_TRUE(json.ok()) << json.error().message;
  const PushEvent& a = form->push;
  const PushEvent& b = json->push;
  EXPECT_EQ(a.ref, b.ref);
  EXPECT_EQ(a.after, b.after);
  EXPECT_EQ(a.head.sha, b.head.sha);
  EXPECT_EQ(a.head.message, "Initial commit");  // '+' decoded as a space
  EXPECT_EQ(a.head.author, b.head.author);
  EXPECT_EQ(a.commits.size(), b.commits.size());
  EXPECT_EQ(a.repository.clone_url, b.repository.clone_url);
}

TEST(GithubFormTest, AcceptsOtherFieldsAndCharset) {
  std::string body = "foo=bar&payload=" + urlEncode(fixture("github/push.json")) + "&x=";
  auto r = parseGithubDelivery("push", "application/x-www-form-urlencoded; charset=utf-8", body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, DeliveryKind::kPush);
}

TEST(GithubFormTest, MissingPayloadFieldNamesPayload) {
  expectBadField(parseGithubDelivery("push", kForm, "foo=bar"), "payload");
  expectBadField(parseGithubDelivery("push", kForm, ""), "payload");
  expectBadField(parseGithubDelivery("push", kForm, "Payload=%7B%7D"), "payload");
}

TEST(GithubFormTest, RejectsBadEscapesDuplicatesAndBadJson) {
  expectBadField(parseGithubDelivery("push", kForm, "payload=%7"), "body");
  expectBadField(parseGithubDelivery("push", kForm, "payload=%zz"), "body");
  expectBadField(parseGithubDelivery("push", kForm, "payload=%7B%7D&payload=%7B%7D"), "payload");
  expectBadField(parseGithubDelivery("push", kForm, "payload="), "payload");
  expectBadField(parseGithubDelivery("push", kForm, "payload=not+json"), "payload");
  // A JSON body sent with the form content type is not form data with a payload field.
  expectBadField(parseGithubDelivery("push", kForm, fixture("github/push.json")), "payload");
}

// ---- content types and events
// ------------------------------------------------------------------------

TEST(GithubDeliveryTest, UnsupportedContentTypeIs415) {
  for (const char* ct : {"text/plain", "application/xml", "multipart/form-data; boundary=x",
                         "application/jsonx", "json"}) {
    auto r = parseGithubDelivery("push", ct, fixture("github/push.json"));
    ASSERT_FALSE(r.ok()) << ct;
    EXPECT_EQ(r.error().status, 415);
    EXPECT_EQ(r.error().field, "Content-Type");
    EXPECT_NE(r.error().message.find("application/json"), std::string::npos);
    EXPECT_NE(r.error().message.find("application/x-www-form-urlencoded"), std::string::npos);
  }
  auto r = parseGithubDelivery("push", "", fixture("github/push.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 415);
  EXPECT_NE(r.error().message.find("missing"), std::string::npos);
}

TEST(GithubDeliveryTest, ContentTypeInErrorsIsSanitised) {
  auto r = parseGithubDelivery("push", "text/\x01\"evil\"\n" + std::string(500, 'x'), "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  EXPECT_EQ(r.error().message.find('\x01'), std::string::npos);
  EXPECT_LT(r.error().message.size(), 300u);
}

TEST(GithubDeliveryTest, OtherEventsAreIgnoredWithoutParsing) {
  expectIgnored(parseGithubDelivery("issues", kJson, "{\"action\":\"opened\"}"),
                "event 'issues' is not handled");
  expectIgnored(parseGithubDelivery("create", kJson, "not even json"),
                "event 'create' is not handled");
  expectIgnored(parseGithubDelivery("Push", kJson, fixture("github/push.json")),
                "event 'Push' is not handled");
  auto r = parseGithubDelivery("evil\nevent", kJson, "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ignored_reason.find('\n'), std::string::npos);
}

TEST(GithubDeliveryTest, MissingEventHeaderIs400) {
  expectBadField(parseGithubDelivery("", kJson, fixture("github/push.json")), "X-GitHub-Event");
}

// ---- malformed payloads
// ------------------------------------------------------------------------------

TEST(GithubPushTest, MissingRequiredFieldsNameTheirPath) {
  expectEachRequired(parsePush, fixture("github/push.json"),
                     {
                         {"/ref", "ref"},
                         {"/before", "before"},
                         {"/after", "after"},
                         {"/repository", "repository"},
                         {"/repository/id", "repository.id"},
                         {"/repository/full_name", "repository.full_name"},
                         {"/repository/clone_url", "repository.clone_url"},
                         {"/repository/ssh_url", "repository.ssh_url"},
                         {"/repository/private", "repository.private"},
                         {"/head_commit", "head_commit"},
                         {"/head_commit/id", "head_commit.id"},
                         {"/commits", "commits"},
                         {"/commits/0/id", "commits[0].id"},
                     });
}

TEST(GithubPushTest, IllTypedFieldsNameTheirPath) {
  const std::string push = fixture("github/push.json");
  expectBadField(parsePush(withInt(push, "/ref", 7)), "ref");
  expectBadField(parsePush(withString(push, "/ref", "")), "ref");
  expectBadField(parsePush(withInt(push, "/after", 7)), "after");
  expectBadField(parsePush(withString(push, "/after", "not-a-sha")), "after");
  expectBadField(parsePush(withString(push, "/after", "6113728f27ae82c7b1a177c8d03f9e96e0adf24")),
                 "after");
  expectBadField(parsePush(withString(push, "/deleted", "yes")), "deleted");
  expectBadField(parsePush(withString(push, "/repository", "Codertocat/Hello-World")),
                 "repository");
  expectBadField(parsePush(withString(push, "/repository/private", "false")), "repository.private");
  expectBadField(parsePush(withInt(push, "/repository/id", -5)), "repository.id");
  expectBadField(parsePush(withInt(push, "/repository/clone_url", 1)), "repository.clone_url");
  expectBadField(parsePush(withNull(push, "/head_commit")), "head_commit");
  expectBadField(parsePush(withString(push, "/head_commit", "x")), "head_commit");
  expectBadField(parsePush(withInt(push, "/head_commit/message", 1)), "head_commit.message");
  expectBadField(parsePush(withInt(push, "/head_commit/timestamp", 1)), "head_commit.timestamp");
  expectBadField(parsePush(withString(push, "/head_commit/author", "me")), "head_commit.author");
  expectBadField(parsePush(withInt(push, "/head_commit/author/name", 1)),
                 "head_commit.author.name");
  expectBadField(parsePush(withString(push, "/commits", "none")), "commits");
  expectBadField(parsePush(withInt(push, "/commits/0", 1)), "commits[0]");
  expectBadField(parsePush(withString(push, "/commits/0/added", "README.md")), "commits[0].added");
  expectBadField(parsePush(withInt(push, "/commits/0/added/0", 1)), "commits[0].added[0]");
  expectBadField(parsePush(withBool(push, "/commits/0/modified/0", true)),
                 "commits[0].modified[0]");
}

TEST(GithubPushTest, NullOptionalFieldsAreEmpty) {
  std::string body = withNull(fixture("github/push.json"), "/head_commit/message");
  body = withNull(body, "/head_commit/author/email");
  body = withNull(body, "/commits/0/added");
  auto r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.message, "");
  EXPECT_EQ(r->push.head.author, "Codertocat");
  EXPECT_TRUE(r->push.commits[0].added.empty());
}

TEST(GithubPushTest, RepositoryIdMayBeAString) {
  auto r = parsePush(withString(fixture("github/push.json"), "/repository/id", "186853002"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.repository.id, "186853002");
}

TEST(GithubPushTest, NonObjectAndInvalidJsonAreRejected) {
  for (const char* body :
       {"", "[]", "null", "\"push\"", "42", "{", "{\"ref\":}", "{} trailing", "{\"a\":NaN}"}) {
    expectBadField(parsePush(body), "body");
  }
}

TEST(GithubPushTest, InvalidUtf8IsRejected) {
  std::string body = withString(fixture("github/push.json"), "/head_commit/message", "MARK");
  body.replace(body.find("MARK"), 4, "\xc3\x28\xff\xfe");
  expectBadField(parsePush(body), "body");
}

TEST(GithubPushTest, DeepNestingDoesNotCrash) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  expectBadField(parsePush(deep), "body");
  expectBadField(parsePush(std::string(100000, '{')), "body");
  auto nestedMessage = [](size_t depth) {
    std::string body = withString(fixture("github/push.json"), "/head_commit/message", "X");
    body.replace(body.find("\"X\""), 3, std::string(depth, '[') + std::string(depth, ']'));
    return parsePush(body);
  };
  // Within the depth limit the value is read and refused for its type...
  expectBadField(nestedMessage(500), "head_commit.message");
  // ...beyond it the whole body is refused, saying why.
  auto r = nestedMessage(200000);
  expectBadField(r, "body");
  EXPECT_NE(r.error().message.find("more than 1024 levels deep"), std::string::npos)
      << r.error().message;
}

TEST(GithubPushTest, HugeAndOddStringsSurvive) {
  std::string message(4 * 1024 * 1024, 'm');
  auto r =
      parsePush(withString(fixture("github/push.json"), "/head_commit/message", message.c_str()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.message.size(), message.size());
  // An escaped NUL inside a message is data, not a terminator.
  std::string body = withString(fixture("github/push.json"), "/head_commit/message", "MARK");
  body.replace(body.find("MARK"), 4, "a\\u0000b [ci skip]");
  r = parsePush(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->push.head.message, std::string("a\0b [ci skip]", 13));
  EXPECT_TRUE(hasSkipMarker(r->push.head.message));
}

}  // namespace
}  // namespace triggerd
