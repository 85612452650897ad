// Request bodies and human output of the trigger and source commands (pure parts).
#include <gtest/gtest.h>

#include "cli/commands_sources.h"
#include "cli/commands_triggers.h"
#include "cli/json_text.h"
#include "common/json.h"
#include "tests/support/json_doc.h"
#include "tests/support/subprocess.h"

namespace triggerd::cli {
namespace {

using triggerd::testing::parseJson;

TEST(TriggerCreateBody, FromRuleSpecs) {
  TriggerCreateArgs args{"alice",    "github",
                         "octo/app", "registry.example.com/team/app",
                         "",         {"branch:main=latest,main-{sha:7}"},
                         false};
  auto body = triggerCreateBody(args);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(
      body.value(),
      R"({"provider":"github","repository":"octo/app","image":"registry.example.com/team/app",)"
      R"("install_hook":true,"rules":[{"kind":"branch","match":"main","tags":["latest","main-{sha:7}"]}]})");
}

TEST(TriggerCreateBody, FromRulesFileAndDisabled) {
  triggerd::testing::TempDir dir;
  dir.write("rules.json", R"([{"kind": "tag", "match": ".*", "tags": ["{tag}"]}])");
  TriggerCreateArgs args{"alice", "gitlab", "g/p", "r/i", dir.file("rules.json"), {}, true, true};
  auto body = triggerCreateBody(args);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(body.value(),
            R"({"provider":"gitlab","repository":"g/p","image":"r/i","install_hook":false,)"
            R"("rules":[{"kind":"tag","match":".*","tags":["{tag}"]}],"enabled":false})");
}

TEST(TriggerCreateBody, NeedsRules) {
  TriggerCreateArgs args{"alice", "github", "octo/app", "r/i", "", {}, false};
  auto body = triggerCreateBody(args);
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().message.find("--rule KIND:PATTERN=TAG"), std::string::npos);
}

TEST(TriggerCreateBody, BadSpecOrMissingFile) {
  TriggerCreateArgs bad_spec{"a", "github", "o/a", "r/i", "", {"branch:main"}, false};
  EXPECT_EQ(triggerCreateBody(bad_spec).error().field, "--rule #1");
  TriggerCreateArgs no_file{"a", "github", "o/a", "r/i", "/nonexistent/rules.json", {}, false};
  EXPECT_EQ(triggerCreateBody(no_file).error().field, "/nonexistent/rules.json");
}

TEST(TriggerPatchBody, OnlyWhatWasGiven) {
  TriggerUpdateArgs args;
  args.user = "alice";
  args.id = "01J";
  EXPECT_NE(triggerPatchBody(args).error().message.find("nothing to update"), std::string::npos);
  args.enabled = false;
  EXPECT_EQ(triggerPatchBody(args).value(), R"({"enabled":false})");
  args.image = "r/new";
  args.rules = {"tag:.*={tag}"};
  EXPECT_EQ(
      triggerPatchBody(args).value(),
      R"({"image":"r/new","rules":[{"kind":"tag","match":".*","tags":["{tag}"]}],"enabled":false})");
}

constexpr const char* kTrigger = R"({
  "id": "01JABC", "user": "alice", "provider": "github",
  "repository": {"id": "", "full_name": "octo/app"},
  "hook": {"id": "", "installed": false, "verified": false},
  "image": "registry.example.com/team/app",
  "rules": [{"kind": "branch", "match": "main", "tags": ["latest", "main-{sha:7}"],
             "dockerfile": "Dockerfile", "context": "."},
            {"kind": "tag", "match": "v.*", "tags": ["{tag}"], "paths": ["src/**"]}],
  "enabled": true, "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T11:00:00Z"})";

TEST(DescribeTrigger, FieldsThenRules) {
  EXPECT_EQ(describeTrigger(parseJson(kTrigger)),
            "ID          01JABC\n"
            "USER        alice\n"
            "PROVIDER    github\n"
            "REPOSITORY  octo/app\n"
            "IMAGE       registry.example.com/team/app\n"
            "ENABLED     yes\n"
            "HOOK        manual, unverified\n"
            "CREATED     2026-11-25T10:00:00Z\n"
            "UPDATED     2026-11-25T11:00:00Z\n"
            "\n"
            "RULES\n"
            "#  KIND    MATCH  TAGS                  DOCKERFILE  CONTEXT  PATHS\n"
            "0  branch  main   latest, main-{sha:7}  Dockerfile  .        -\n"
            "1  tag     v.*    {tag}                 -           -        src/**\n");
}

TEST(WebhookInstructions, GithubAndGitlab) {
  auto webhook =
      parseJson(R"({"url": "https://t.example.com/webhooks/github/01J", "secret": "s3cr3t",
                            "content_type": "application/json", "events": ["push"]})");
  std::string gh = webhookInstructions("github", webhook);
  EXPECT_NE(gh.find("Settings > Webhooks > Add webhook"), std::string::npos) << gh;
  EXPECT_NE(gh.find("PAYLOAD URL   https://t.example.com/webhooks/github/01J\n"), std::string::npos)
      << gh;
  EXPECT_NE(gh.find("SECRET        s3cr3t\n"), std::string::npos) << gh;
  EXPECT_NE(gh.find("CONTENT TYPE  application/json\n"), std::string::npos) << gh;
  std::string gl = webhookInstructions("gitlab", webhook);
  EXPECT_NE(gl.find("SECRET TOKEN  s3cr3t\n"), std::string::npos) << gl;
  EXPECT_NE(gl.find("Push events, Tag push events"), std::string::npos) << gl;
}

TEST(DescribeSource, NeverExpires) {
  std::string text = describeSource(parseJson(R"({"provider": "gitlab", "login": "alice",
      "api_url": "https://gitlab.example.com", "scopes": ["api", "read_user"], "state": "valid",
      "expires_at": null})"));
  EXPECT_NE(text.find("EXPIRES     never\n"), std::string::npos) << text;
  EXPECT_NE(text.find("SCOPES      api, read_user\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ACCOUNT_ID  -\n"), std::string::npos) << text;
}

TEST(ValueText, Kinds) {
  auto doc = parseJson(R"({"s": "x", "n": 42, "neg": -1, "b": false, "a": ["", "y"], "o": {"k": 1},
                       "z": null, "d": 1.5})");
  EXPECT_EQ(memberText(doc, "s"), "x");
  EXPECT_EQ(memberText(doc, "n"), "42");
  EXPECT_EQ(memberText(doc, "neg"), "-1");
  EXPECT_EQ(memberText(doc, "b"), "no");
  EXPECT_EQ(memberText(doc, "a"), ", y");
  EXPECT_EQ(valueText(json::member(doc, "a"), ","), ",y");
  EXPECT_EQ(memberText(doc, "o"), R"({"k":1})");
  EXPECT_EQ(memberText(doc, "z"), "");
  EXPECT_EQ(memberText(doc, "missing"), "");
  EXPECT_EQ(memberTextOr(doc, "z", "never"), "never");
  EXPECT_EQ(memberText(doc, "d"), "1.5");
}

TEST(ValueText, Times) {
  auto doc = parseJson(R"({"s": "2026-11-25T10:00:00Z", "n": 1795600800, "z": null})");
  EXPECT_EQ(memberTimeOr(doc, "s"), "2026-11-25T10:00:00Z");
  EXPECT_EQ(memberTimeOr(doc, "n"), "2026-11-25T10:00:00Z");
  EXPECT_EQ(memberTimeOr(doc, "z", "never"), "never");
  EXPECT_EQ(memberTimeOr(doc, "missing"), "");
}

}  // namespace
}  // namespace triggerd::cli
