#include "rules/build_rule.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/unit/rules/rule_test_util.h"

namespace triggerd {
namespace {

using testing::expectFixableError;
using testing::mustCompile;
using testing::mustParseRules;
using testing::parseJson;
using testing::parseRulesText;
using testing::rulesJson;

// A rule body with `extra` spliced in after kind, match and tags.
std::string rule(std::string_view extra = "", std::string_view match = "main",
                 std::string_view tags = R"(["latest"])", std::string_view kind = "branch") {
  std::string out = R"({"kind": ")" + std::string(kind) + R"(", "match": ")" + std::string(match) +
                    R"(", "tags": )" + std::string(tags);
  if (!extra.empty()) out += ", " + std::string(extra);
  return out + "}";
}
std::string one(std::string_view extra = "", std::string_view match = "main",
                std::string_view tags = R"(["latest"])", std::string_view kind = "branch") {
  return "[" + rule(extra, match, tags, kind) + "]";
}
std::string repeatJoin(std::string_view item, size_t n, std::string_view sep = ", ") {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += sep;
    out += item;
  }
  return out;
}
std::string buildArgs(size_t n) {
  std::string out = R"("build_args": {)";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += "\"A" + std::to_string(i) + "\": \"v\"";
  }
  return out + "}";
}

// ---------------------------------------------------------------------------------------------
// parseRules: accepted input

TEST(ParseRules, MinimalRuleGetsDefaults) {
  auto rules = mustParseRules(one());
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].kind, RefType::kBranch);
  EXPECT_EQ(rules[0].match, "main");
  EXPECT_EQ(rules[0].tags, std::vector<std::string>{"latest"});
  EXPECT_EQ(rules[0].dockerfile, "Dockerfile");
  EXPECT_EQ(rules[0].context, ".");
  EXPECT_TRUE(rules[0].build_args.empty());
  EXPECT_TRUE(rules[0].paths.empty());
}

TEST(ParseRules, EveryKeySet) {
  auto rules = mustParseRules(R"j([{"kind": "tag", "match": "v(\\d+)\\.(\\d+)\\.(\\d+)",
      "tags": ["{1}.{2}.{3}", "{1}.{2}", "{tag}-{sha:7}"], "dockerfile": "docker/Dockerfile.prod",
      "context": "services/api", "build_args": {"GO_VERSION": "1.22", "_X1": ""},
      "paths": ["services/api/**", "go.mod"]}])j");
  ASSERT_EQ(rules.size(), 1u);
  const BuildRule& r = rules[0];
  EXPECT_EQ(r.kind, RefType::kTag);
  EXPECT_EQ(r.match, R"(v(\d+)\.(\d+)\.(\d+))");
  EXPECT_EQ(r.tags.size(), 3u);
  EXPECT_EQ(r.dockerfile, "docker/Dockerfile.prod");
  EXPECT_EQ(r.context, "services/api");
  ASSERT_EQ(r.build_args.size(), 2u);
  EXPECT_EQ(r.build_args[0], (std::pair<std::string, std::string>{"GO_VERSION", "1.22"}));
  EXPECT_EQ(r.build_args[1], (std::pair<std::string, std::string>{"_X1", ""}));
  EXPECT_EQ(r.paths, (std::vector<std::string>{"services/api/**", "go.mod"}));
}

TEST(ParseRules, BuildArgsKeepTheirOrder) {
  auto rules = mustParseRules(one(R"("build_args": {"Z": "1", "A": "2", "M": "3"})"));
  ASSERT_EQ(rules.size(), 1u);
  ASSERT_EQ(rules[0].build_args.size(), 3u);
  EXPECT_EQ(rules[0].build_args[0].first, "Z");
  EXPECT_EQ(rules[0].build_args[1].first, "A");
  EXPECT_EQ(rules[0].build_args[2].first, "M");
}

TEST(ParseRules, SeveralRulesKeepTheirOrder) {
  auto rules =
      mustParseRules("[" + rule("", "main") + ", " + rule("", "v.*", R"(["{tag}"])", "tag") + "]");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].kind, RefType::kBranch);
  EXPECT_EQ(rules[1].kind, RefType::kTag);
}

TEST(ParseRules, LimitsAreInclusive) {
  EXPECT_EQ(mustParseRules("[" + repeatJoin(rule(), kMaxRules) + "]").size(), kMaxRules);
  auto tags = "[" + repeatJoin(R"("{sha:7}")", kMaxTagsPerRule) + "]";
  EXPECT_EQ(mustParseRules(one("", "main", tags))[0].tags.size(), kMaxTagsPerRule);
  EXPECT_EQ(mustParseRules(one(buildArgs(kMaxBuildArgs)))[0].build_args.size(), kMaxBuildArgs);
  auto paths = R"("paths": [)" + repeatJoin(R"("src/**")", kMaxPathGlobs) + "]";
  EXPECT_EQ(mustParseRules(one(paths))[0].paths.size(), kMaxPathGlobs);
  EXPECT_EQ(mustParseRules(one("", std::string(kMaxPatternLength, 'a')))[0].match.size(),
            kMaxPatternLength);
}

TEST(ParseRules, EmptyPathsMeansEveryPush) {
  auto rules = mustParseRules(one(R"("paths": [])"));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_TRUE(rules[0].paths.empty());
}

// Templates and paths that look odd but are fine.
class AcceptedRule : public ::testing::TestWithParam<std::string> {};
TEST_P(AcceptedRule, Parses) {
  auto rules = parseRulesText(GetParam());
  EXPECT_TRUE(rules.ok()) << GetParam() << "\n  " << rules.error().field << ": "
                          << rules.error().message;
}
INSTANTIATE_TEST_SUITE_P(
    ParseRules, AcceptedRule,
    ::testing::Values(
        one("", "main", R"(["{branch}-{sha:7}"])"), one("", "main", R"(["{sha}"])"),
        one("", "main", R"(["{sha:1}", "{sha:40}", "{sha:07}"])"),
        one("", "main", R"(["{timestamp}", "build-{timestamp}-{sha:8}"])"),
        one("", "main", R"(["Latest Build"])"),          // fixed text, sanitised to Latest-Build
        one("", "main", R"(["{branch}", "{branch}"])"),  // duplicates collapse at render time
        one("", "(.*)", R"(["{1}"])"), one("", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", R"(["{9}"])"),
        one("", "release/(?P<version>.+)", R"(["{1}"])"),          // named groups count too
        one("", "v.*", R"(["{tag}"])", "tag"), one("", "^main$"),  // anchors are harmless
        one("", "main|develop|release/.+"), one("", "(?i)MAIN"), one("", "\\\\pL+"),
        one("", "feature/\\\\p{Greek}+"), one("", "[[:alpha:]]+"),
        one(R"("dockerfile": "a..b/Dockerfile")"),  // ".." inside a name is not a segment
        one(R"("dockerfile": "./Dockerfile", "context": "./")"),
        one(R"("context": "services/api/")"), one(R"("dockerfile": "docker/Dockerfile.ÄÖ")"),
        one(R"("paths": ["**", "**/*.go", "docs/**", "[!.]*", "\\*literal", "a/**/b", "?"])"),
        one(R"("build_args": {"_": "x", "a1": "ÄÖ", "LONG": ")" + std::string(4096, 'v') +
            R"("})")));

// ---------------------------------------------------------------------------------------------
// parseRules: every error path

struct ErrorCase {
  std::string name;
  std::string json;
  std::string field;
  std::vector<std::string> fragments;  // each must appear in the message
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<ErrorCase> ruleErrorCases() {
  const std::string valid = rule();
  return {
      // The array itself
      {"NotArray", "{}", "rules", {"must be an array", "got an object"}},
      {"Null", "null", "rules", {"got null"}},
      {"Empty", "[]", "rules", {"at least one rule"}},
      {"TooMany",
       "[" + repeatJoin(valid, kMaxRules + 1) + "]",
       "rules",
       {"33 rules", "at most 32", "main|develop"}},
      {"RuleNotObject", R"(["main"])", "rules[0]", {"must be an object", "got a string"}},
      {"SecondRuleNotObject", "[" + valid + ", 7]", "rules[1]", {"got a number"}},
      // Keys
      {"UnknownKeyTypo",
       one(R"("dockerFile": "x")"),
       "rules[0].dockerFile",
       {"unknown key \"dockerFile\"", "did you mean \"dockerfile\"", "\"build_args\""}},
      {"UnknownKeyTypoEdit", one(R"("path": ["x"])"), "rules[0].path", {"did you mean \"paths\""}},
      {"UnknownKeyFar",
       one(R"("colour": "red")"),
       "rules[0].colour",
       {"unknown key \"colour\"", "\"kind\", \"match\"", "\"paths\""}},
      {"UnknownKeyInSecondRule",
       "[" + valid + ", " + rule(R"("buildargs": {})") + "]",
       "rules[1].buildargs",
       {"did you mean \"build_args\""}},
      {"DuplicateKey",
       R"([{"kind": "branch", "match": "main", "match": "dev", "tags": ["x"]}])",
       "rules[0].match",
       {"more than once"}},
      // kind
      {"KindMissing",
       R"([{"match": "main", "tags": ["x"]}])",
       "rules[0].kind",
       {"kind is required", "\"branch\" or \"tag\""}},
      {"KindNumber",
       R"([{"kind": 1, "match": "main", "tags": ["x"]}])",
       "rules[0].kind",
       {"must be a string, got a number"}},
      {"KindUnknown",
       one("", "main", R"(["x"])", "branches"),
       "rules[0].kind",
       {"\"branches\" is not valid", "\"branch\" or \"tag\""}},
      {"KindUpperCase",
       one("", "main", R"(["x"])", "Branch"),
       "rules[0].kind",
       {"\"Branch\" is not valid"}},
      // match
      {"MatchMissing",
       R"([{"kind": "tag", "tags": ["x"]}])",
       "rules[0].match",
       {"match is required", "v(.+)"}},
      {"MatchArray",
       R"([{"kind": "branch", "match": ["main"], "tags": ["x"]}])",
       "rules[0].match",
       {"must be a string, got an array"}},
      {"MatchEmpty", one("", ""), "rules[0].match", {"must not be empty", ".*"}},
      {"MatchUnbalanced",
       one("", "(abc"),
       "rules[0].match",
       {"not a valid RE2 pattern", "missing )", "release/(.+)"}},
      {"MatchLookahead",
       one("", "(?=x)main"),
       "rules[0].match",
       {"not a valid RE2 pattern", "no lookaround"}},
      {"MatchBackreference", one("", "(a)\\\\1"), "rules[0].match", {"not a valid RE2 pattern"}},
      {"MatchBadRepeat",
       one("", "a{1001}"),
       "rules[0].match",
       {"not a valid RE2 pattern", "{1001}"}},
      {"MatchBadEscape", one("", "\\\\q"), "rules[0].match", {"not a valid RE2 pattern"}},
      {"MatchTooLarge",
       one("", "\\\\pL{1000}"),
       "rules[0].match",
       {"too large to compile", "1 MiB"}},
      {"MatchTooLong",
       one("", std::string(kMaxPatternLength + 1, 'a')),
       "rules[0].match",
       {"1025 bytes", "at most 1024"}},
      {"MatchInvalidUtf8Escape",
       one("", "\\\\xff\\\\x"),
       "rules[0].match",
       {"not a valid RE2 pattern"}},
      {"MatchErrorInSecondRule",
       "[" + valid + ", " + one("", "[a-").substr(1),
       "rules[1].match",
       {"not a valid RE2 pattern"}},
      // tags: shape
      {"TagsMissing",
       R"([{"kind": "branch", "match": "main"}])",
       "rules[0].tags",
       {"tags is required"}},
      {"TagsString",
       one("", "main", R"("latest")"),
       "rules[0].tags",
       {"must be an array of strings, got a string"}},
      {"TagsEmpty", one("", "main", "[]"), "rules[0].tags", {"at least one tag template"}},
      {"TagsTooMany",
       one("", "main", "[" + repeatJoin(R"("x")", kMaxTagsPerRule + 1) + "]"),
       "rules[0].tags",
       {"17 templates", "at most 16"}},
      {"TagNotString",
       one("", "main", "[1]"),
       "rules[0].tags[0]",
       {"must be a string, got a number"}},
      {"TagNull", one("", "main", R"(["x", null])"), "rules[0].tags[1]", {"got null"}},
      {"TagEmpty", one("", "main", R"([""])"), "rules[0].tags[0]", {"must not be empty"}},
      {"TagTooLong",
       one("", "main", "[\"" + std::string(257, 'a') + "\"]"),
       "rules[0].tags[0]",
       {"257 bytes", "at most 256"}},
      // tags: placeholders
      {"GroupBeyondPattern",
       one("", "release/(\\\\d+)\\\\.(\\\\d+)", R"(["{1}.{2}.{3}"])"),
       "rules[0].tags[0]",
       {"{3}", "only 2 capture groups", "{1} to {2}"}},
      {"GroupWithOneGroup",
       one("", "release/(.+)", R"(["{2}"])"),
       "rules[0].tags[0]",
       {"only 1 capture group;", "use {1}"}},
      {"GroupWithoutGroups",
       one("", "main", R"(["{1}"])"),
       "rules[0].tags[0]",
       {"no capture groups", "parentheses"}},
      {"GroupNonCapturingOnly",
       one("", "(?:main)", R"(["{1}"])"),
       "rules[0].tags[0]",
       {"no capture groups"}},
      {"GroupZero", one("", "(main)", R"(["{0}"])"), "rules[0].tags[0]", {"{0}", "{1} to {9}"}},
      {"GroupTen",
       one("", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", R"(["{10}"])"),
       "rules[0].tags[0]",
       {"{10}", "{1} to {9}"}},
      {"UnknownPlaceholder",
       one("", "main", R"(["{foo}"])"),
       "rules[0].tags[0]",
       {"unknown placeholder {foo}", "{branch}, {sha}, {sha:N}", "{timestamp}"}},
      {"UnknownPlaceholderListsGroups",
       one("", "(a)(b)", R"(["{x}"])"),
       "rules[0].tags[0]",
       {"{1} to {2}"}},
      {"UnknownPlaceholderTagRule",
       one("", "v(.+)", R"(["{version}"])", "tag"),
       "rules[0].tags[0]",
       {"unknown placeholder {version}", "{tag}, {sha}", "{1}"}},
      {"PlaceholderCase",
       one("", "main", R"(["{Branch}"])"),
       "rules[0].tags[0]",
       {"did you mean {branch}?"}},
      {"PlaceholderTypo",
       one("", "main", R"(["{timestmp}"])"),
       "rules[0].tags[0]",
       {"did you mean {timestamp}?"}},
      {"PlaceholderSpaces",
       one("", "main", R"(["{ branch }"])"),
       "rules[0].tags[0]",
       {"unknown placeholder { branch }"}},
      {"PlaceholderEmpty",
       one("", "main", R"(["v{}"])"),
       "rules[0].tags[0]",
       {"unknown placeholder {}"}},
      {"BranchInTagRule",
       one("", "v.*", R"(["{branch}"])", "tag"),
       "rules[0].tags[0]",
       {"{branch} is not available in a tag rule", "use {tag}"}},
      {"TagInBranchRule",
       one("", "main", R"(["{tag}"])"),
       "rules[0].tags[0]",
       {"{tag} is not available in a branch rule", "use {branch}"}},
      {"BranchTypoInTagRule",
       one("", "v.*", R"(["{brnch}"])", "tag"),
       "rules[0].tags[0]",
       {"did you mean {tag}?"}},
      {"ShaZero",
       one("", "main", R"(["{sha:0}"])"),
       "rules[0].tags[0]",
       {"{sha:0}", "from 1 to 40", "{sha:7}"}},
      {"ShaTooLong", one("", "main", R"(["{sha:41}"])"), "rules[0].tags[0]", {"from 1 to 40"}},
      {"ShaHuge",
       one("", "main", R"(["{sha:99999999999999999999}"])"),
       "rules[0].tags[0]",
       {"from 1 to 40"}},
      {"ShaNegative", one("", "main", R"(["{sha:-1}"])"), "rules[0].tags[0]", {"from 1 to 40"}},
      {"ShaNotNumber", one("", "main", R"(["{sha:abc}"])"), "rules[0].tags[0]", {"from 1 to 40"}},
      {"ShaNoLength", one("", "main", R"(["{sha:}"])"), "rules[0].tags[0]", {"from 1 to 40"}},
      {"Unclosed",
       one("", "main", R"(["v{sha"])"),
       "rules[0].tags[0]",
       {"'{' at position 1", "never closed"}},
      {"StrayClose",
       one("", "main", R"(["v}1"])"),
       "rules[0].tags[0]",
       {"'}' at position 1", "without a matching '{'"}},
      {"NestedBraces",
       one("", "main", R"(["{{branch}}"])"),
       "rules[0].tags[0]",
       {"unknown placeholder"}},
      {"FixedTextNeverValid",
       one("", "main", R"(["..."])"),
       "rules[0].tags[0]",
       {"never produces a valid image tag", "latest"}},
      {"FixedTextOnlySpaces",
       one("", "main", R"(["   "])"),
       "rules[0].tags[0]",
       {"never produces a valid image tag"}},
      {"ErrorInSecondTag",
       one("", "main", R"(["latest", "{nope}"])"),
       "rules[0].tags[1]",
       {"{nope}"}},
      // dockerfile
      {"DockerfileNumber",
       one(R"("dockerfile": 1)"),
       "rules[0].dockerfile",
       {"must be a string, got a number"}},
      {"DockerfileEmpty",
       one(R"("dockerfile": "")"),
       "rules[0].dockerfile",
       {"must not be empty", "\"Dockerfile\""}},
      {"DockerfileAbsolute",
       one(R"("dockerfile": "/etc/passwd")"),
       "rules[0].dockerfile",
       {"relative to the repository root", "drop the leading '/'"}},
      {"DockerfileParent",
       one(R"("dockerfile": "../Dockerfile")"),
       "rules[0].dockerfile",
       {"inside the repository", "\"..\""}},
      {"DockerfileParentInside",
       one(R"("dockerfile": "a/../../Dockerfile")"),
       "rules[0].dockerfile",
       {"\"..\""}},
      {"DockerfileParentAtEnd", one(R"("dockerfile": "a/..")"), "rules[0].dockerfile", {"\"..\""}},
      {"DockerfileNul", one(R"("dockerfile": "Docker\u0000file")"), "rules[0].dockerfile", {"NUL"}},
      {"DockerfileNewline",
       one(R"("dockerfile": "Docker\nfile")"),
       "rules[0].dockerfile",
       {"control character"}},
      {"DockerfileDirectory",
       one(R"("dockerfile": "docker/")"),
       "rules[0].dockerfile",
       {"names a directory"}},
      {"DockerfileDot", one(R"("dockerfile": ".")"), "rules[0].dockerfile", {"names a directory"}},
      {"DockerfileTooLong",
       one(R"("dockerfile": ")" + std::string(1025, 'd') + "\""),
       "rules[0].dockerfile",
       {"at most 1024"}},
      {"DockerfileBadUtf8",
       one("\"dockerfile\": \"a\xff\""),
       "rules[0].dockerfile",
       {"not valid UTF-8"}},
      // context
      {"ContextBool",
       one(R"("context": true)"),
       "rules[0].context",
       {"must be a string, got a boolean"}},
      {"ContextEmpty", one(R"("context": "")"), "rules[0].context", {"must not be empty", "\".\""}},
      {"ContextAbsolute",
       one(R"("context": "/srv")"),
       "rules[0].context",
       {"drop the leading '/'"}},
      {"ContextParent", one(R"("context": "..")"), "rules[0].context", {"\"..\""}},
      {"ContextNul", one(R"("context": "a\u0000")"), "rules[0].context", {"NUL"}},
      // build_args
      {"BuildArgsArray",
       one(R"("build_args": ["A=1"])"),
       "rules[0].build_args",
       {"must be an object of strings, got an array"}},
      {"BuildArgNumber",
       one(R"("build_args": {"GO_VERSION": 1.22})"),
       "rules[0].build_args.GO_VERSION",
       {"must be a string, got a number", "quotes"}},
      {"BuildArgNested",
       one(R"("build_args": {"A": {}})"),
       "rules[0].build_args.A",
       {"got an object"}},
      {"BuildArgLeadingDigit",
       one(R"("build_args": {"1ABC": "x"})"),
       "rules[0].build_args",
       {"\"1ABC\" is not valid", "GO_VERSION"}},
      {"BuildArgDash",
       one(R"("build_args": {"GO-VERSION": "x"})"),
       "rules[0].build_args",
       {"\"GO-VERSION\" is not valid"}},
      {"BuildArgEquals",
       one(R"("build_args": {"A=B": "x"})"),
       "rules[0].build_args",
       {"not valid"}},
      {"BuildArgEmptyName",
       one(R"("build_args": {"": "x"})"),
       "rules[0].build_args",
       {"not valid"}},
      {"BuildArgNameTooLong",
       one("\"build_args\": {\"" + std::string(129, 'A') + "\": \"x\"}"),
       "rules[0].build_args",
       {"at most 128"}},
      {"BuildArgDuplicate",
       one(R"("build_args": {"A": "1", "A": "2"})"),
       "rules[0].build_args.A",
       {"more than once"}},
      {"BuildArgTooMany",
       one(buildArgs(kMaxBuildArgs + 1)),
       "rules[0].build_args",
       {"65 entries", "at most 64"}},
      {"BuildArgValueNul",
       one(R"("build_args": {"A": "x\u0000y"})"),
       "rules[0].build_args.A",
       {"NUL"}},
      {"BuildArgValueTooLong",
       one(R"("build_args": {"A": ")" + std::string(4097, 'v') + "\"}"),
       "rules[0].build_args.A",
       {"4097 bytes", "at most 4096"}},
      {"BuildArgValueBadUtf8",
       one("\"build_args\": {\"A\": \"\xc3\"}"),
       "rules[0].build_args.A",
       {"not valid UTF-8"}},
      // paths
      {"PathsString",
       one(R"("paths": "src/**")"),
       "rules[0].paths",
       {"must be an array of strings, got a string"}},
      {"PathNumber",
       one(R"("paths": ["src/**", 3])"),
       "rules[0].paths[1]",
       {"must be a string, got a number"}},
      {"PathEmpty", one(R"("paths": [""])"), "rules[0].paths[0]", {"must not be empty"}},
      {"PathAbsolute",
       one(R"("paths": ["/docs/**"])"),
       "rules[0].paths[0]",
       {"starts with '/'", "drop the leading '/'"}},
      {"PathDotSlash",
       one(R"("paths": ["./docs/**"])"),
       "rules[0].paths[0]",
       {"starts with \"./\""}},
      {"PathDoubleSlash", one(R"("paths": ["docs//x"])"), "rules[0].paths[0]", {"empty segment"}},
      {"PathParent", one(R"("paths": ["docs/../src"])"), "rules[0].paths[0]", {"\"..\" segment"}},
      {"PathDotSegment", one(R"("paths": ["docs/./x"])"), "rules[0].paths[0]", {"\".\" segment"}},
      {"PathTrailingSlash",
       one(R"("paths": ["docs/"])"),
       "rules[0].paths[0]",
       {"ends with '/'", "dir/**"}},
      {"PathUnclosedClass",
       one(R"("paths": ["src/[abc"])"),
       "rules[0].paths[0]",
       {"never closed", "']'"}},
      {"PathTrailingBackslash", one(R"("paths": ["src\\"])"), "rules[0].paths[0]", {"lone '\\'"}},
      {"PathControl", one(R"("paths": ["a\tb"])"), "rules[0].paths[0]", {"control character"}},
      {"PathTooLong",
       one(R"("paths": [")" + std::string(1025, 'p') + "\"]"),
       "rules[0].paths[0]",
       {"at most 1024"}},
      {"PathsTooMany",
       one(R"("paths": [)" + repeatJoin(R"("a")", kMaxPathGlobs + 1) + "]"),
       "rules[0].paths",
       {"65 globs", "at most 64"}},
  };
}

class RuleError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RuleError, Is422AtFieldWithFix) {
  const ErrorCase& c = GetParam();
  auto rules = parseRulesText(c.json);
  ASSERT_FALSE(rules.ok()) << c.json;
  expectFixableError(rules.error(), c.field, c.fragments);
}

INSTANTIATE_TEST_SUITE_P(ParseRules, RuleError, ::testing::ValuesIn(ruleErrorCases()),
                         [](const auto& case_info) { return case_info.param.name; });

// ---------------------------------------------------------------------------------------------
// writeRules

TEST(WriteRules, RoundTripsThroughParseRules) {
  const std::string text = R"j([
    {"kind": "branch", "match": "main|develop", "tags": ["latest", "{branch}-{sha:7}"]},
    {"kind": "tag", "match": "v(\\d+)\\.(\\d+)", "tags": ["{1}.{2}", "{tag}"],
     "dockerfile": "docker/Dockerfile", "context": "app",
     "build_args": {"B": "2", "A": "1 \"quoted\" \\ ÄÖ"}, "paths": ["app/**", "*.md"]}])j";
  auto first = mustParseRules(text);
  ASSERT_EQ(first.size(), 2u);
  std::string written = rulesJson(first);
  auto second = mustParseRules(written);
  ASSERT_EQ(second.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(second[i].kind, first[i].kind);
    EXPECT_EQ(second[i].match, first[i].match);
    EXPECT_EQ(second[i].tags, first[i].tags);
    EXPECT_EQ(second[i].dockerfile, first[i].dockerfile);
    EXPECT_EQ(second[i].context, first[i].context);
    EXPECT_EQ(second[i].build_args, first[i].build_args);
    EXPECT_EQ(second[i].paths, first[i].paths);
  }
  EXPECT_EQ(rulesJson(second), written);  // stable: the same rules serialise the same way
}

TEST(WriteRules, WritesDefaultsExplicitly) {
  std::string written = rulesJson(mustParseRules(one()));
  EXPECT_EQ(written,
            R"([{"kind":"branch","match":"main","tags":["latest"],"dockerfile":"Dockerfile",)"
            R"("context":".","build_args":{},"paths":[]}])");
}

// ---------------------------------------------------------------------------------------------
// CompiledRules

TEST(CompiledRules, CompilesEachPatternOnce) {
  CompiledRules rules = mustCompile("[" + rule("", "main") + ", " + rule("", "release/(.+)") + "]");
  ASSERT_EQ(rules.rules().size(), 2u);
  EXPECT_EQ(rules.pattern(0).pattern(), "main");
  EXPECT_EQ(rules.pattern(1).NumberOfCapturingGroups(), 1);
  CompiledRules copy = rules;  // copies share the compiled patterns
  EXPECT_EQ(&copy.pattern(1), &rules.pattern(1));
}

TEST(CompiledRules, RejectsStoredRulesThatNoLongerValidate) {
  BuildRule bad;
  bad.match = "(unclosed";
  bad.tags = {"latest"};
  auto compiled = CompiledRules::compile({bad});
  ASSERT_FALSE(compiled.ok());
  expectFixableError(compiled.error(), "rules[0].match", {"not a valid RE2 pattern"});

  BuildRule bad_tag;
  bad_tag.match = "main";
  bad_tag.tags = {"latest", "{1}"};
  compiled = CompiledRules::compile({BuildRule{.match = "x", .tags = {"x"}}, bad_tag});
  ASSERT_FALSE(compiled.ok());
  expectFixableError(compiled.error(), "rules[1].tags[1]", {"no capture groups"});
}

TEST(CompiledRules, RejectsNoRulesAndTooMany) {
  auto none = CompiledRules::compile({});
  ASSERT_FALSE(none.ok());
  expectFixableError(none.error(), "rules", {"at least one rule"});
  std::vector<BuildRule> many(kMaxRules + 1, BuildRule{.match = "main", .tags = {"x"}});
  auto too_many = CompiledRules::compile(many);
  ASSERT_FALSE(too_many.ok());
  expectFixableError(too_many.error(), "rules", {"at most 32"});
}

// The budget check stops at the first pattern over it: rules[2] is never compiled (its syntax
// error would otherwise be the answer), so heavy rules cost one pattern's compile, not all.
TEST(CompiledRules, ProgramBudgetStopsAtTheFirstPatternOverIt) {
  std::vector<BuildRule> rules = {BuildRule{.match = "main", .tags = {"x"}},
                                  BuildRule{.match = "\\p{L}{50}", .tags = {"x"}},
                                  BuildRule{.match = "(unclosed", .tags = {"x"}}};
  auto compiled = CompiledRules::compile(rules, 1000);
  ASSERT_FALSE(compiled.ok());
  expectFixableError(compiled.error(), "rules[1].match",
                     {"more than the 1000", "triggers.max_rule_program_size"});
  auto small = CompiledRules::compile({rules[0]}, 1000);
  ASSERT_TRUE(small.ok());
  EXPECT_LE(small->programSize(), 1000u);
}

// ---------------------------------------------------------------------------------------------
// planBuilds

const auto kReceivedAt = std::chrono::system_clock::time_point(std::chrono::seconds(1764064800));
constexpr char kSha[] = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

PushEvent branchPush(std::string name) {
  PushEvent p;
  p.ref_type = RefType::kBranch;
  p.ref = "refs/heads/" + name;
  p.ref_name = std::move(name);
  p.after = kSha;
  p.head.sha = kSha;
  return p;
}
PushEvent tagPush(std::string name) {
  PushEvent p = branchPush(std::move(name));
  p.ref_type = RefType::kTag;
  p.ref = "refs/tags/" + p.ref_name;
  return p;
}
CommitInfo commitTouching(std::vector<std::string> modified) {
  CommitInfo c;
  c.sha = kSha;
  c.modified = std::move(modified);
  return c;
}

std::vector<std::string> tagsFor(std::string_view rules_json, const PushEvent& push) {
  auto builds = planBuilds(mustCompile(rules_json), push, kReceivedAt);
  if (builds.empty()) return {};
  EXPECT_EQ(builds.size(), 1u);
  return builds[0].tags;
}

TEST(PlanBuilds, RendersEveryPlaceholder) {
  auto tags = tagsFor(one("", "main",
                          R"(["{branch}", "{sha}", "{sha:7}", "{timestamp}",
                              "{branch}-{sha:7}-{timestamp}", "latest"])"),
                      branchPush("main"));
  EXPECT_EQ(tags, (std::vector<std::string>{"main", kSha, "1a2b3c4", "20251125100000",
                                            "main-1a2b3c4-20251125100000", "latest"}));
}

TEST(PlanBuilds, CaptureGroupsOfATagRule) {
  auto tags = tagsFor(one("", "v(\\\\d+)\\\\.(\\\\d+)\\\\.(\\\\d+)",
                          R"(["{1}.{2}.{3}", "{1}.{2}", "{1}", "{tag}"])", "tag"),
                      tagPush("v1.20.3"));
  EXPECT_EQ(tags, (std::vector<std::string>{"1.20.3", "1.20", "1", "v1.20.3"}));
}

TEST(PlanBuilds, GroupThatDidNotParticipateIsEmpty) {
  auto tags =
      tagsFor(one("", "(?:hotfix-(\\\\d+)/)?(.+)", R"(["x{1}y-{2}"])"), branchPush("login"));
  EXPECT_EQ(tags, std::vector<std::string>{"xy-login"});
  tags = tagsFor(one("", "(?:hotfix-(\\\\d+)/)?(.+)", R"(["x{1}y-{2}"])"),
                 branchPush("hotfix-12/login"));
  EXPECT_EQ(tags, std::vector<std::string>{"x12y-login"});
}

TEST(PlanBuilds, RuleWhoseTagsAllRenderEmptyYieldsNoBuild) {
  // "{1}" is empty when the optional group is absent: nothing valid remains, no build.
  EXPECT_TRUE(tagsFor(one("", "(?:x-(\\\\d+))?main", R"(["{1}"])"), branchPush("main")).empty());
  // ...but the same rule builds when the group takes part.
  EXPECT_EQ(tagsFor(one("", "(?:x-(\\\\d+))?main", R"(["{1}"])"), branchPush("x-7main")),
            std::vector<std::string>{"7"});
  // One empty template among others just drops out.
  EXPECT_EQ(tagsFor(one("", "(?:x-(\\\\d+))?main", R"(["{1}", "dev"])"), branchPush("main")),
            std::vector<std::string>{"dev"});
}

TEST(PlanBuilds, IsAFullMatch) {
  std::string rules = one("", "main|develop");
  EXPECT_EQ(tagsFor(rules, branchPush("main")), std::vector<std::string>{"latest"});
  EXPECT_EQ(tagsFor(rules, branchPush("develop")), std::vector<std::string>{"latest"});
  EXPECT_TRUE(tagsFor(rules, branchPush("main2")).empty());
  EXPECT_TRUE(tagsFor(rules, branchPush("xmain")).empty());
  EXPECT_TRUE(tagsFor(rules, branchPush("maindevelop")).empty());
  EXPECT_TRUE(tagsFor(one("", "release/.*"), branchPush("old/release/1")).empty());
  EXPECT_EQ(tagsFor(one("", "release/.*"), branchPush("release/1")).size(), 1u);
}

TEST(PlanBuilds, KindMustMatchTheRefType) {
  std::string rules = "[" + rule("", "v1", R"(["branch-{branch}"])") + ", " +
                      rule("", "v1", R"(["tag-{tag}"])", "tag") + "]";
  auto on_branch = planBuilds(mustCompile(rules), branchPush("v1"), kReceivedAt);
  ASSERT_EQ(on_branch.size(), 1u);
  EXPECT_EQ(on_branch[0].rule_index, 0u);
  EXPECT_EQ(on_branch[0].tags, std::vector<std::string>{"branch-v1"});
  auto on_tag = planBuilds(mustCompile(rules), tagPush("v1"), kReceivedAt);
  ASSERT_EQ(on_tag.size(), 1u);
  EXPECT_EQ(on_tag[0].rule_index, 1u);
  EXPECT_EQ(on_tag[0].tags, std::vector<std::string>{"tag-v1"});
}

TEST(PlanBuilds, SeveralMatchingRulesGiveSeveralBuilds) {
  std::string rules =
      "[" + rule("", "main", R"(["latest"])") + ", " + rule("", "nothing-matches") + ", " +
      rule(R"("dockerfile": "Dockerfile.debug")", ".*", R"(["{branch}-debug"])") + "]";
  CompiledRules compiled = mustCompile(rules);
  auto builds = planBuilds(compiled, branchPush("main"), kReceivedAt);
  ASSERT_EQ(builds.size(), 2u);
  EXPECT_EQ(builds[0].rule_index, 0u);
  EXPECT_EQ(builds[0].tags, std::vector<std::string>{"latest"});
  EXPECT_EQ(builds[1].rule_index, 2u);
  EXPECT_EQ(builds[1].tags, std::vector<std::string>{"main-debug"});
  EXPECT_EQ(compiled.rules()[builds[1].rule_index].dockerfile, "Dockerfile.debug");
}

TEST(PlanBuilds, NoRuleMatchesNoBuilds) {
  EXPECT_TRUE(planBuilds(mustCompile(one()), branchPush("dev"), kReceivedAt).empty());
}

TEST(PlanBuilds, SanitisesAndDeduplicatesPreservingOrder) {
  auto tags = tagsFor(one("", ".*", R"(["{branch}", "feature-login", "b", "{branch}", "a"])"),
                      branchPush("feature/login"));
  EXPECT_EQ(tags, (std::vector<std::string>{"feature-login", "b", "a"}));
}

TEST(PlanBuilds, OddBranchNames) {
  const std::string rules = one("", ".*", R"(["{branch}", "{branch}-{sha:7}"])");
  EXPECT_EQ(tagsFor(rules, branchPush("feature/ÄÖ")),
            (std::vector<std::string>{"feature---", "feature----1a2b3c4"}));
  EXPECT_EQ(tagsFor(rules, branchPush("a..b")), (std::vector<std::string>{"a..b", "a..b-1a2b3c4"}));
  EXPECT_EQ(tagsFor(rules, branchPush("-leading")),
            (std::vector<std::string>{"leading", "leading-1a2b3c4"}));
  EXPECT_EQ(tagsFor(rules, branchPush(".hidden/x")),
            (std::vector<std::string>{"hidden-x", "hidden-x-1a2b3c4"}));
  EXPECT_EQ(tagsFor(rules, branchPush("user@host:fix #1")),
            (std::vector<std::string>{"user-host-fix--1", "user-host-fix--1-1a2b3c4"}));
  // A name of invalid characters only: "{branch}" vanishes, the sha survives.
  EXPECT_EQ(tagsFor(rules, branchPush("ÄÖ")), std::vector<std::string>{"1a2b3c4"});
}

TEST(PlanBuilds, LongBranchIsClippedTo128) {
  const std::string name(300, 'b');
  auto tags = tagsFor(one("", ".*", R"(["{branch}", "{sha:7}-{branch}", "{branch}-{sha:7}"])"),
                      branchPush(name));
  // The third template clips to the same 128 'b' as the first and is de-duplicated.
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0], std::string(128, 'b'));
  EXPECT_EQ(tags[1], "1a2b3c4-" + std::string(120, 'b'));
  RE2 valid("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  for (const auto& t : tags) EXPECT_TRUE(RE2::FullMatch(t, valid)) << t;
}

TEST(PlanBuilds, ShortShaRendersWhatThereIs) {
  PushEvent p = branchPush("main");
  p.head.sha = "abc";
  EXPECT_EQ(tagsFor(one("", "main", R"(["{sha:7}", "x{sha}"])"), p),
            (std::vector<std::string>{"abc", "xabc"}));
}

TEST(PlanBuilds, PathFilters) {
  const std::string rules = one(R"("paths": ["docs/**", "*.md"])");
  PushEvent p = branchPush("main");
  // No commit touches a matching path.
  p.commits = {commitTouching({"src/main.go"}), commitTouching({"docs.txt", "a/README.md"})};
  EXPECT_TRUE(tagsFor(rules, p).empty());
  // One commit does (modified).
  p.commits.push_back(commitTouching({"docs/guide/intro.md"}));
  EXPECT_EQ(tagsFor(rules, p), std::vector<std::string>{"latest"});
  // Added and removed paths count too.
  p.commits = {CommitInfo{.added = {"README.md"}}};
  EXPECT_EQ(tagsFor(rules, p).size(), 1u);
  p.commits = {CommitInfo{.removed = {"docs/old.md"}}};
  EXPECT_EQ(tagsFor(rules, p).size(), 1u);
  // The head commit's own paths count.
  p.commits.clear();
  p.head.modified = {"docs/x"};
  EXPECT_EQ(tagsFor(rules, p).size(), 1u);
  // No commits listed at all: nothing is known to touch the paths.
  p.head.modified.clear();
  EXPECT_TRUE(tagsFor(rules, p).empty());
  // A truncated commit list cannot rule the build out.
  p.commits = {commitTouching({"src/main.go"})};
  p.commits_truncated = true;
  EXPECT_EQ(tagsFor(rules, p).size(), 1u);
}

TEST(PlanBuilds, PathFiltersApplyPerRule) {
  std::string rules = "[" + rule(R"("paths": ["api/**"])", ".*", R"(["api"])") + ", " +
                      rule(R"("paths": ["web/**"])", ".*", R"(["web"])") + ", " +
                      rule("", ".*", R"(["all"])") + "]";
  PushEvent p = branchPush("main");
  p.commits = {commitTouching({"web/index.html"})};
  auto builds = planBuilds(mustCompile(rules), p, kReceivedAt);
  ASSERT_EQ(builds.size(), 2u);
  EXPECT_EQ(builds[0].tags, std::vector<std::string>{"web"});
  EXPECT_EQ(builds[1].tags, std::vector<std::string>{"all"});
}

// RE2 matches in time linear in the input, so patterns that make backtracking engines explode
// finish quickly. Generous bounds: these run in Debug and under sanitizers.
class PathologicalPattern : public ::testing::TestWithParam<std::string> {};
TEST_P(PathologicalPattern, FinishesFast) {
  CompiledRules rules = mustCompile(one("", GetParam(), R"(["{branch}"])"));
  const std::string name = std::string(50000, 'a') + "!";
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(planBuilds(rules, branchPush(name), kReceivedAt).empty());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}
INSTANTIATE_TEST_SUITE_P(PlanBuilds, PathologicalPattern,
                         ::testing::Values("(a+)+$", "(a|aa)+", "(a|a)+", "(a*)*b", "(.*a){20}",
                                           "(x+x+)+y", "((a+)+)+b", "(\\\\w+\\\\s?)+$"));

// ---------------------------------------------------------------------------------------------
// sanitizeImageTag

struct SanitizeCase {
  std::string raw;
  std::string want;
};
void PrintTo(const SanitizeCase& c, std::ostream* os) {
  *os << "\"" << c.raw << "\"";
}

class Sanitize : public ::testing::TestWithParam<SanitizeCase> {};
TEST_P(Sanitize, Produces) {
  EXPECT_EQ(sanitizeImageTag(GetParam().raw), GetParam().want);
}
INSTANTIATE_TEST_SUITE_P(
    SanitizeImageTag, Sanitize,
    ::testing::Values(SanitizeCase{"main", "main"}, SanitizeCase{"v1.2.3", "v1.2.3"},
                      SanitizeCase{"Release_2024-01", "Release_2024-01"},
                      SanitizeCase{"feature/login", "feature-login"},
                      SanitizeCase{"a/b/c", "a-b-c"}, SanitizeCase{"a b", "a-b"},
                      SanitizeCase{"a:b@c+d", "a-b-c-d"}, SanitizeCase{"a..b", "a..b"},
                      SanitizeCase{"_leading", "_leading"}, SanitizeCase{"-rc", "rc"},
                      SanitizeCase{".hidden", "hidden"}, SanitizeCase{"--..-x", "x"},
                      SanitizeCase{"/feature", "feature"}, SanitizeCase{"trailing-", "trailing-"},
                      SanitizeCase{"trailing.", "trailing."}, SanitizeCase{"", ""},
                      SanitizeCase{"///", ""}, SanitizeCase{"...", ""}, SanitizeCase{"-", ""},
                      SanitizeCase{"feature/ÄÖ", "feature---"}, SanitizeCase{"ÄÖ", ""},
                      SanitizeCase{"ÄxÖ", "x-"}, SanitizeCase{"x😀y", "x-y"},
                      SanitizeCase{"日本語-branch", "branch"},
                      SanitizeCase{"a\xff\xfe"
                                   "b",
                                   "a--b"},
                      SanitizeCase{"a\x80"
                                   "b",
                                   "a-b"},
                      SanitizeCase{"a\tb\nc", "a-b-c"}, SanitizeCase{std::string("a\0b", 3), "a-b"},
                      SanitizeCase{std::string(300, 'a'), std::string(128, 'a')},
                      SanitizeCase{"/" + std::string(200, 'z'), std::string(128, 'z')},
                      SanitizeCase{std::string(127, 'a') + "/b", std::string(127, 'a') + "-"}));

TEST(SanitizeImageTag, AlwaysValidOrEmpty) {
  RE2 valid("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  std::vector<std::string> inputs;
  for (int b = 0; b < 256; ++b) {
    inputs.push_back(std::string(1, static_cast<char>(b)));
    inputs.push_back("x" + std::string(1, static_cast<char>(b)) + "y");
    inputs.push_back(std::string(1, static_cast<char>(b)) + std::string(200, 'q'));
  }
  // Every string over a few awkward bytes (NUL included), up to 5 long.
  const std::string alphabet = std::string("a.-/_\xc3\x84 ", 9);
  std::vector<std::string> layer = {""};
  for (int len = 1; len <= 5; ++len) {
    std::vector<std::string> next;
    for (const auto& s : layer) {
      for (char c : alphabet) next.push_back(s + c);
    }
    inputs.insert(inputs.end(), next.begin(), next.end());
    layer = std::move(next);
  }
  for (const auto& in : inputs) {
    std::string out = sanitizeImageTag(in);
    if (!out.empty()) {
      EXPECT_TRUE(RE2::FullMatch(out, valid)) << "\"" << in << "\" -> \"" << out << "\"";
    }
    EXPECT_EQ(sanitizeImageTag(out), out) << "not idempotent for \"" << in << "\"";
  }
}

}  // namespace
}  // namespace triggerd
