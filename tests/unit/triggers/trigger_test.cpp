#include "triggers/trigger.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json.h"
#include "tests/support/error_checks.h"
#include "tests/support/json_doc.h"

namespace triggerd {
namespace {

using testing::expectFixableError;
using testing::jsonBool;
using testing::jsonString;
using testing::parseJson;

constexpr char kRules[] = R"([{"kind": "branch", "match": "main", "tags": ["latest"]}])";

Result<Trigger> create(std::string_view text) {
  rapidjson::Document doc = parseJson(text);
  return parseTriggerCreate(doc);
}

// A create body with `extra` appended; each of the others replaced when given.
std::string body(std::string_view extra = "", std::string_view provider = R"("github")",
                 std::string_view repository = R"("octo/app")",
                 std::string_view image = R"("registry.example.com/team/app")",
                 std::string_view rules = kRules) {
  std::string out = R"({"provider": )" + std::string(provider) + R"(, "repository": )" +
                    std::string(repository) + R"(, "image": )" + std::string(image) +
                    R"(, "rules": )" + std::string(rules);
  if (!extra.empty()) out += ", " + std::string(extra);
  return out + "}";
}
std::string gitlab(std::string_view repository) {
  return body("", R"("gitlab")", repository);
}
std::string github(std::string_view repository) {
  return body("", R"("github")", repository);
}
std::string withImage(std::string_view image) {
  return body("", R"("github")", R"("octo/app")", image);
}

// ---------------------------------------------------------------------------------------------
// parseTriggerCreate: accepted

TEST(ParseTriggerCreate, GithubWithDefaults) {
  auto t = create(body());
  ASSERT_TRUE(t.ok()) << t.error().field << ": " << t.error().message;
  EXPECT_EQ(t->provider, Provider::kGithub);
  EXPECT_EQ(t->repository_full_name, "octo/app");
  EXPECT_EQ(t->repository_id, "");
  EXPECT_EQ(t->image, "registry.example.com/team/app");
  ASSERT_EQ(t->rules.size(), 1u);
  EXPECT_EQ(t->rules[0].match, "main");
  EXPECT_TRUE(t->install_hook);  // triggerd installs the hook unless told not to
  EXPECT_TRUE(t->enabled);
  // The caller fills these.
  EXPECT_EQ(t->id, "");
  EXPECT_EQ(t->user, "");
  EXPECT_EQ(t->secret, "");
  EXPECT_EQ(t->created_at, 0);
}

TEST(ParseTriggerCreate, ExplicitFlags) {
  auto t = create(body(R"("install_hook": false, "enabled": false)"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_FALSE(t->install_hook);
  EXPECT_FALSE(t->enabled);
}

TEST(ParseTriggerCreate, GitlabSigningTokenCanBeDeclined) {
  TriggerCreateOptions options;
  rapidjson::Document doc = parseJson(body(R"("signing_token": false)", R"("gitlab")", R"("g/p")"));
  auto t = parseTriggerCreate(doc, &options);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_FALSE(options.signing_token);
  rapidjson::Document plain = parseJson(gitlab(R"("g/p")"));
  ASSERT_TRUE(parseTriggerCreate(plain, &options).ok());
  EXPECT_TRUE(options.signing_token);  // the default: GitLab hooks get a signing token
}

TEST(ParseTriggerCreate, GitlabProjectPath) {
  auto t = create(gitlab(R"("group/sub.group/my_project-2")"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->provider, Provider::kGitlab);
  EXPECT_EQ(t->repository_full_name, "group/sub.group/my_project-2");
  EXPECT_EQ(t->repository_id, "");
}

TEST(ParseTriggerCreate, GitlabProjectId) {
  auto t = create(gitlab(R"("278964")"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->repository_id, "278964");
  EXPECT_EQ(t->repository_full_name, "");
}

class AcceptedRepository : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};
TEST_P(AcceptedRepository, Validates) {
  auto st = validateRepository(*parseProvider(GetParam().first), GetParam().second, "repository");
  EXPECT_TRUE(st.ok()) << GetParam().second << ": " << st.error().message;
}
INSTANTIATE_TEST_SUITE_P(
    ValidateRepository, AcceptedRepository,
    ::testing::Values(std::pair{"github", "octo/app"}, std::pair{"github", "Octo-Org/My.App_2"},
                      std::pair{"github", "a/b"}, std::pair{"github", "octo/.github"},
                      std::pair{"github", "octo_acme/app"},  // Enterprise managed user
                      std::pair{"github", std::string(39, 'o') + "/" + std::string(100, 'n')},
                      std::pair{"gitlab", "group/project"},
                      std::pair{"gitlab", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u"},
                      std::pair{"gitlab", "_group/project"}, std::pair{"gitlab", "1"},
                      std::pair{"gitlab", "9223372036854775807"}));

// ---------------------------------------------------------------------------------------------
// parseTriggerCreate: every error path

struct ErrorCase {
  std::string name;
  std::string json;
  std::string field;
  std::vector<std::string> fragments;
};
void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

constexpr char kExample[] = "registry.example.com/team/app";

std::vector<ErrorCase> createErrorCases() {
  return {
      {"BodyArray", "[]", "body", {"must be a JSON object", "got an array"}},
      {"BodyString", R"("x")", "body", {"got a string"}},
      {"UnknownKeyTypo",
       body(R"("repo": "x")"),
       "repo",
       {"unknown key \"repo\"", "did you mean \"repository\"?"}},
      {"UnknownKeyCase", body(R"("Enabled": true)"), "Enabled", {"did you mean \"enabled\"?"}},
      {"UnknownKeyFar",
       body(R"("webhook_url": "x")"),
       "webhook_url",
       {"unknown key", "\"provider\", \"repository\""}},
      {"SecretNotAccepted", body(R"("secret": "x")"), "secret", {"unknown key \"secret\""}},
      {"DuplicateKey", body(R"("image": "other")"), "image", {"more than once"}},
      // provider
      {"ProviderMissing",
       R"({"repository": "octo/app", "image": "app", "rules": []})",
       "provider",
       {"provider is required", "\"github\" or \"gitlab\""}},
      {"ProviderNumber", body("", "1"), "provider", {"must be a string, got a number"}},
      {"ProviderUnknown",
       body("", R"("bitbucket")"),
       "provider",
       {"\"bitbucket\" is not supported", "\"github\" or \"gitlab\""}},
      {"ProviderCase", body("", R"("GitHub")"), "provider", {"\"GitHub\" is not supported"}},
      // repository
      {"RepositoryMissing",
       R"({"provider": "gitlab", "image": "app", "rules": []})",
       "repository",
       {"repository is required", "group/project"}},
      {"RepositoryNumberGithub",
       github("1296269"),
       "repository",
       {"must be a string, got a number", "owner/name"}},
      {"RepositoryNumberGitlab",
       gitlab("278964"),
       "repository",
       {"must be a string, got a number", "in quotes"}},
      {"RepositoryEmpty", github(R"("")"), "repository", {"must not be empty"}},
      {"GithubNoSlash", github(R"("octo")"), "repository", {"not an owner/name pair", "octo/app"}},
      {"GithubThreeParts", github(R"("octo/app/extra")"), "repository", {"not an owner/name pair"}},
      {"GithubUrl",
       github(R"("https://github.com/octo/app")"),
       "repository",
       {"not a URL", "\"octo/app\""}},
      {"GithubSshUrl", github(R"("git@github.com:octo/app.git")"), "repository", {"not a URL"}},
      {"GithubEmptyOwner", github(R"("/app")"), "repository", {"owner \"\""}},
      {"GithubEmptyName", github(R"("octo/")"), "repository", {"name \"\""}},
      {"GithubOwnerDash",
       github(R"("-octo/app")"),
       "repository",
       {"owner \"-octo\" is not a valid"}},
      {"GithubOwnerTooLong",
       github("\"" + std::string(40, 'o') + "/app\""),
       "repository",
       {"is not a valid GitHub user"}},
      {"GithubNameDotDot", github(R"("octo/..")"), "repository", {"name \"..\" is not a valid"}},
      {"GithubNameSpace", github(R"("octo/my app")"), "repository", {"name \"my app\""}},
      {"GithubNameTooLong",
       github("\"octo/" + std::string(101, 'n') + "\""),
       "repository",
       {"not a valid GitHub repository name"}},
      {"GitlabSingleSegment",
       gitlab(R"("project")"),
       "repository",
       {"not a GitLab project path", "group/subgroup/project", "\"12345\""}},
      {"GitlabLeadingZeroId", gitlab(R"("0123")"), "repository", {"out of range"}},
      {"GitlabIdTooLong",
       gitlab("\"" + std::string(20, '9') + "\""),
       "repository",
       {"out of range"}},
      {"GitlabDashSegment",
       gitlab(R"("group/-project")"),
       "repository",
       {"\"-project\" is not a valid GitLab"}},
      {"GitlabDotGit", gitlab(R"("group/project.git")"), "repository", {"\"project.git\""}},
      {"GitlabDotAtom", gitlab(R"("group/project.atom")"), "repository", {"\"project.atom\""}},
      {"GitlabEmptySegment", gitlab(R"("group//project")"), "repository", {"segment \"\""}},
      {"GitlabTooDeep",
       gitlab(R"("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v")"),
       "repository",
       {"not a GitLab project path"}},
      {"GitlabUrl",
       gitlab(R"("https://gitlab.example.com/group/project")"),
       "repository",
       {"not a URL", "\"group/project\""}},
      {"RepositoryTooLong",
       gitlab("\"g/" + std::string(1100, 'p') + "\""),
       "repository",
       {"at most 1024"}},
      // image
      {"ImageMissing",
       R"({"provider": "github", "repository": "octo/app", "rules": []})",
       "image",
       {"image is required", kExample}},
      {"ImageNumber", withImage("7"), "image", {"must be a string, got a number", kExample}},
      {"ImageInvalid", withImage(R"("Team/App")"), "image", {"upper-case", kExample}},
      {"ImageWithTag",
       withImage(R"("registry.example.com/team/app:latest")"),
       "image",
       {"must not carry a tag", "tags come from the rules"}},
      // rules
      {"RulesMissing",
       R"({"provider": "github", "repository": "octo/app", "image": "team/app"})",
       "rules",
       {"rules is required", "\"kind\": \"branch\""}},
      {"RulesNotArray",
       body("", R"("github")", R"("octo/app")", R"("team/app")", "{}"),
       "rules",
       {"must be an array"}},
      {"RulesEmpty",
       body("", R"("github")", R"("octo/app")", R"("team/app")", "[]"),
       "rules",
       {"at least one rule"}},
      {"RuleInvalid",
       body("", R"("github")", R"("octo/app")", R"("team/app")",
            R"([{"kind": "branch", "match": "(", "tags": ["x"]}])"),
       "rules[0].match",
       {"not a valid RE2 pattern"}},
      // flags
      {"SigningTokenOnGithub",
       body(R"("signing_token": true)"),
       "signing_token",
       {"for GitLab hooks", "leave it out"}},
      {"SigningTokenString",
       body(R"("signing_token": "no")", R"("gitlab")", R"("group/project")"),
       "signing_token",
       {"must be true or false"}},
      {"InstallHookString",
       body(R"("install_hook": "false")"),
       "install_hook",
       {"must be true or false, got a string", "without quotes"}},
      {"EnabledNumber",
       body(R"("enabled": 1)"),
       "enabled",
       {"must be true or false, got a number"}},
      {"EnabledNull", body(R"("enabled": null)"), "enabled", {"got null"}},
  };
}

class CreateError : public ::testing::TestWithParam<ErrorCase> {};
TEST_P(CreateError, Is422AtFieldWithFix) {
  auto t = create(GetParam().json);
  ASSERT_FALSE(t.ok()) << GetParam().json;
  expectFixableError(t.error(), GetParam().field, GetParam().fragments);
}
INSTANTIATE_TEST_SUITE_P(ParseTriggerCreate, CreateError, ::testing::ValuesIn(createErrorCases()),
                         [](const auto& case_info) { return case_info.param.name; });

// ---------------------------------------------------------------------------------------------
// validateImageName

class ValidImage : public ::testing::TestWithParam<std::string> {};
TEST_P(ValidImage, Accepted) {
  auto st = validateImageName(GetParam(), "image");
  EXPECT_TRUE(st.ok()) << GetParam() << ": " << st.error().message;
}
INSTANTIATE_TEST_SUITE_P(
    ValidateImageName, ValidImage,
    ::testing::Values("app", "team/app", "registry.example.com/team/app",
                      "registry.example.com/a/b/c/d", "localhost/app", "localhost:5000/app",
                      "registry:5000/team/app", "192.168.1.10:5000/app", "[::1]:5000/app",
                      "[fe80::1]/app", "Registry.Example.COM/team/app",  // hosts are any case
                      "my-registry.io/app", "ghcr.io/octo/app", "team/a.b_c__d-e---f/x0", "0/1",
                      "app.v2", "x" + std::string(254, 'y')));

struct ImageCase {
  std::string name;
  std::string image;
  std::vector<std::string> fragments;
};
void PrintTo(const ImageCase& c, std::ostream* os) {
  *os << c.name;
}

class InvalidImage : public ::testing::TestWithParam<ImageCase> {};
TEST_P(InvalidImage, Rejected) {
  auto st = validateImageName(GetParam().image, "patch.image");
  ASSERT_FALSE(st.ok()) << GetParam().image;
  std::vector<std::string> fragments = GetParam().fragments;
  fragments.push_back(kExample);  // every image error shows a good example
  expectFixableError(st.error(), "patch.image", fragments);
}
INSTANTIATE_TEST_SUITE_P(
    ValidateImageName, InvalidImage,
    ::testing::Values(
        ImageCase{"Empty", "", {"must not be empty"}},
        ImageCase{"TooLong", std::string(256, 'a'), {"256 characters", "at most 255"}},
        ImageCase{"Tag", "app:latest", {"must not carry a tag", "\":latest\"", "rules"}},
        ImageCase{"TagWithRegistryPort", "registry:5000/app:v1", {"must not carry a tag"}},
        ImageCase{"BareHostPort", "registry:5000", {"must not carry a tag"}},
        ImageCase{"Digest", "app@sha256:abcdef", {"must not carry a digest", "rules"}},
        ImageCase{"TagAndDigest", "app:v1@sha256:abcdef", {"digest"}},
        ImageCase{"UpperCase", "Team/App", {"\"Team\" has upper-case", "write \"team\""}},
        ImageCase{"UpperCaseAfterRegistry", "reg.io/team/MyApp", {"write \"myapp\""}},
        ImageCase{"LeadingSlash", "/app", {"empty path component"}},
        ImageCase{"TrailingSlash", "team/app/", {"empty path component"}},
        ImageCase{"DoubleSlash", "team//app", {"empty path component"}},
        ImageCase{"LeadingDash", "-app", {"\"-app\" is not valid", "'.', '_', '__' or '-'"}},
        ImageCase{"TrailingDash", "app-", {"\"app-\" is not valid"}},
        ImageCase{"DoubleDot", "a..b", {"\"a..b\" is not valid"}},
        ImageCase{"TripleUnderscore", "a___b", {"\"a___b\" is not valid"}},
        ImageCase{"DotUnderscore", "a._b", {"not valid"}},
        ImageCase{"Space", "team/my app", {"\"my app\" is not valid"}},
        ImageCase{"NonAscii", "team/äpp", {"is not valid"}},
        ImageCase{"HostDoubleDot", "registry..example.com/app", {"registry", "host[:port]"}},
        ImageCase{"HostBadPort", "registry.example.com:99999/app", {"host[:port]"}},
        ImageCase{"HostEmptyPort", "registry.example.com:/app", {"host[:port]"}},
        ImageCase{"HostUnderscore", "my_registry.io/app", {"host[:port]"}},
        ImageCase{"HostDashEdge", "-reg.io/app", {"host[:port]"}},
        ImageCase{"HostUnclosedIpv6", "[::1/app", {"host[:port]"}},
        ImageCase{"Scheme", "https://registry.example.com/app", {"scheme", "\"https://\""}}),
    [](const auto& case_info) { return case_info.param.name; });

// ---------------------------------------------------------------------------------------------
// applyTriggerPatch

Trigger existing() {
  auto t = create(body());
  EXPECT_TRUE(t.ok());
  Trigger out = std::move(t).value();
  out.id = "01JD0000000000000000000000";
  out.user = "alice";
  out.secret = "s3cret";
  out.hook_verified = true;
  out.created_at = 1764064800;
  out.updated_at = 1764064800;
  return out;
}

Result<Trigger> patch(std::string_view text) {
  rapidjson::Document doc = parseJson(text);
  return applyTriggerPatch(existing(), doc);
}

TEST(ApplyTriggerPatch, EmptyPatchChangesNothing) {
  auto t = patch("{}");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->image, existing().image);
  EXPECT_TRUE(t->enabled);
  EXPECT_EQ(t->rules.size(), 1u);
}

TEST(ApplyTriggerPatch, ChangesOnlyWhatIsGiven) {
  auto t = patch(R"j({"image": "ghcr.io/octo/other", "enabled": false,
                     "rules": [{"kind": "tag", "match": "v(.+)", "tags": ["{1}"]},
                               {"kind": "branch", "match": ".*", "tags": ["{branch}"]}]})j");
  ASSERT_TRUE(t.ok()) << t.error().field << ": " << t.error().message;
  EXPECT_EQ(t->image, "ghcr.io/octo/other");
  EXPECT_FALSE(t->enabled);
  ASSERT_EQ(t->rules.size(), 2u);
  EXPECT_EQ(t->rules[0].kind, RefType::kTag);
  // Everything else is kept.
  Trigger before = existing();
  EXPECT_EQ(t->id, before.id);
  EXPECT_EQ(t->user, before.user);
  EXPECT_EQ(t->provider, before.provider);
  EXPECT_EQ(t->repository_full_name, before.repository_full_name);
  EXPECT_EQ(t->secret, before.secret);
  EXPECT_TRUE(t->hook_verified);
  EXPECT_EQ(t->created_at, before.created_at);
  EXPECT_EQ(t->updated_at, before.updated_at);  // the caller stamps it
}

TEST(ApplyTriggerPatch, OnlyEnabled) {
  auto t = patch(R"({"enabled": false})");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->enabled);
  EXPECT_EQ(t->image, existing().image);
}

std::vector<ErrorCase> patchErrorCases() {
  return {
      {"BodyArray", "[]", "body", {"must be a JSON object", "{\"enabled\": false}"}},
      {"Provider",
       R"({"provider": "gitlab"})",
       "provider",
       {"cannot be changed", "delete the trigger and create a new one"}},
      {"Repository",
       R"({"repository": "octo/other"})",
       "repository",
       {"cannot be changed", "delete the trigger"}},
      {"InstallHook", R"({"install_hook": false})", "install_hook", {"cannot be changed"}},
      {"Id", R"({"id": "x"})", "id", {"read-only", "image, rules or enabled"}},
      {"CreatedAt",
       R"({"enabled": true, "created_at": "2026-01-01T00:00:00Z"})",
       "created_at",
       {"read-only"}},
      {"Hook", R"({"hook": {}})", "hook", {"read-only"}},
      {"UnknownTypo", R"({"imgae": "team/app"})", "imgae", {"did you mean \"image\"?"}},
      {"Unknown", R"({"tags": ["x"]})", "tags", {"unknown key \"tags\"", "\"image\", \"rules\""}},
      {"Duplicate", R"({"enabled": true, "enabled": false})", "enabled", {"more than once"}},
      {"ImageInvalid", R"({"image": "App:1"})", "image", {kExample}},
      {"ImageNull", R"({"image": null})", "image", {"must be a string, got null"}},
      {"RulesInvalid",
       R"({"rules": [{"kind": "branch", "match": "main", "tags": ["{1}"]}]})",
       "rules[0].tags[0]",
       {"no capture groups"}},
      {"RulesEmpty", R"({"rules": []})", "rules", {"at least one rule"}},
      {"EnabledString", R"({"enabled": "no"})", "enabled", {"must be true or false"}},
  };
}

class PatchError : public ::testing::TestWithParam<ErrorCase> {};
TEST_P(PatchError, Is422AtFieldWithFix) {
  auto t = patch(GetParam().json);
  ASSERT_FALSE(t.ok()) << GetParam().json;
  expectFixableError(t.error(), GetParam().field, GetParam().fragments);
}
INSTANTIATE_TEST_SUITE_P(ApplyTriggerPatch, PatchError, ::testing::ValuesIn(patchErrorCases()),
                         [](const auto& case_info) { return case_info.param.name; });

// ---------------------------------------------------------------------------------------------
// writeTriggerPublic

std::string publicJson(const Trigger& t) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  writeTriggerPublic(w, t);
  return std::string(buf.GetString(), buf.GetSize());
}

TEST(WriteTriggerPublic, WritesTheApiView) {
  Trigger t = existing();
  t.repository_id = "1296269";
  t.hook_id = "42";
  t.updated_at = 1764068400;
  std::string text = publicJson(t);
  rapidjson::Document doc = parseJson(text);
  ASSERT_TRUE(doc.IsObject()) << text;
  EXPECT_EQ(jsonString(doc, "/id"), "01JD0000000000000000000000");
  EXPECT_EQ(jsonString(doc, "/user"), "alice");
  EXPECT_EQ(jsonString(doc, "/provider"), "github");
  const auto* repo = json::member(doc, "repository");
  ASSERT_NE(repo, nullptr);
  EXPECT_EQ(jsonString(*repo, "/id"), "1296269");
  EXPECT_EQ(jsonString(*repo, "/full_name"), "octo/app");
  const auto* hook = json::member(doc, "hook");
  ASSERT_NE(hook, nullptr);
  EXPECT_EQ(*json::getString(*hook, "id"), "42");
  EXPECT_EQ(*json::getBool(*hook, "installed"), true);
  EXPECT_EQ(*json::getBool(*hook, "verified"), true);
  EXPECT_EQ(*json::getBool(*hook, "active"), false);
  EXPECT_TRUE(json::member(*hook, "last_checked_at")->IsNull());  // never checked
  EXPECT_TRUE(json::member(*hook, "last_error")->IsNull());
  EXPECT_TRUE(json::member(*hook, "last_repair")->IsNull());
  EXPECT_TRUE(json::member(*hook, "missed_pushes")->IsArray());
  EXPECT_EQ(*json::getString(doc, "image"), "registry.example.com/team/app");
  EXPECT_EQ(*json::getBool(doc, "enabled"), true);
  EXPECT_EQ(*json::getString(doc, "created_at"), "2025-11-25T10:00:00Z");
  EXPECT_EQ(*json::getString(doc, "updated_at"), "2025-11-25T11:00:00Z");
  const auto* rules = json::member(doc, "rules");
  ASSERT_NE(rules, nullptr);
  auto parsed = parseRules(*rules);  // the view's rules are valid input again
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->size(), 1u);
}

TEST(WriteTriggerPublic, NeverWritesSecrets) {
  Trigger t = existing();
  t.secret = "first-secret-value";
  t.previous_secret = "previous-secret-value";
  t.previous_secret_until = 1764068400;
  t.signing_key = "signing-key-bytes";
  std::string text = publicJson(t);
  for (const char* leak :
       {"first-secret-value", "previous-secret-value", "signing-key-bytes", "secret", "signing"}) {
    EXPECT_EQ(text.find(leak), std::string::npos) << leak << " in " << text;
  }
}

}  // namespace
}  // namespace triggerd
