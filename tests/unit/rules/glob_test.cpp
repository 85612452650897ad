#include <gtest/gtest.h>
#include <re2/re2.h>

#include <chrono>
#include <string>
#include <vector>

#include "rules/build_rule.h"

namespace triggerd {
namespace {

struct GlobCase {
  std::string pattern;
  std::string path;
  bool matches;
};
void PrintTo(const GlobCase& c, std::ostream* os) {
  *os << "\"" << c.pattern << "\" vs \"" << c.path << "\"";
}

class Glob : public ::testing::TestWithParam<GlobCase> {};
TEST_P(Glob, Matches) {
  EXPECT_EQ(globMatch(GetParam().pattern, GetParam().path), GetParam().matches);
}

INSTANTIATE_TEST_SUITE_P(
    GlobMatch, Glob,
    ::testing::Values(
        // Literal paths: the whole path must match.
        GlobCase{"Dockerfile", "Dockerfile", true},
        GlobCase{"Dockerfile", "docker/Dockerfile", false},
        GlobCase{"Dockerfile", "Dockerfile.prod", false},
        GlobCase{"docker/Dockerfile", "docker/Dockerfile", true}, GlobCase{"", "", true},
        GlobCase{"", "a", false},
        // '*' stays inside one segment: "*.md" is top-level only.
        GlobCase{"*.md", "README.md", true}, GlobCase{"*.md", "docs/README.md", false},
        GlobCase{"*.md", ".md", true}, GlobCase{"*", ".env", true}, GlobCase{"*", "a/b", false},
        GlobCase{"*", "", true}, GlobCase{"src/*/main.go", "src/x/main.go", true},
        GlobCase{"src/*/main.go", "src/main.go", false},
        GlobCase{"src/*/main.go", "src/x/y/main.go", false}, GlobCase{"a*b*c", "abc", true},
        GlobCase{"a*b*c", "axxbyyc", true}, GlobCase{"a*b*c", "axxbyy/c", false},
        // '**' as a whole segment crosses segments, zero included.
        GlobCase{"**", "a", true}, GlobCase{"**", "a/b/c", true}, GlobCase{"**", "", true},
        GlobCase{"docs/**", "docs/a.md", true}, GlobCase{"docs/**", "docs/a/b.md", true},
        GlobCase{"docs/**", "docs", false}, GlobCase{"docs/**", "docsx/a", false},
        GlobCase{"docs/**", "x/docs/a", false}, GlobCase{"**/*.go", "main.go", true},
        GlobCase{"**/*.go", "a/b/c.go", true}, GlobCase{"**/*.go", "a/b/c.go.txt", false},
        GlobCase{"**/*.go", "a/b/go", false}, GlobCase{"a/**/b", "a/b", true},
        GlobCase{"a/**/b", "a/x/b", true}, GlobCase{"a/**/b", "a/x/y/b", true},
        GlobCase{"a/**/b", "a/xb", false}, GlobCase{"a/**/b", "ab", false},
        GlobCase{"a/**/b", "a/x/b/c", false}, GlobCase{"**/docs/**", "docs/x", true},
        GlobCase{"**/docs/**", "a/b/docs/x/y", true}, GlobCase{"**/docs/**", "a/docsx/y", false},
        GlobCase{"**/Dockerfile", "Dockerfile", true},
        GlobCase{"**/Dockerfile", "svc/api/Dockerfile", true},
        GlobCase{"**/Dockerfile", "svc/xDockerfile", false}, GlobCase{"**/**/x", "x", true},
        GlobCase{"**/**/x", "a/b/x", true},
        GlobCase{"***", "a/b", true},  // a run of stars as a whole segment is "**"
        // '**' inside a segment is a plain '*'.
        GlobCase{"a**b", "axxb", true}, GlobCase{"a**b", "ax/xb", false},
        GlobCase{"**.md", "a.md", true}, GlobCase{"**.md", "a/b.md", false},
        // '?' is one character other than '/'.
        GlobCase{"?.txt", "a.txt", true}, GlobCase{"?.txt", "ab.txt", false},
        GlobCase{"?.txt", ".txt", false}, GlobCase{"a?b", "a/b", false},
        GlobCase{"???", "abc", true}, GlobCase{"???", "ab", false},
        // Character classes.
        GlobCase{"[abc].txt", "b.txt", true}, GlobCase{"[abc].txt", "d.txt", false},
        GlobCase{"[a-c]x", "bx", true}, GlobCase{"[a-c]x", "dx", false},
        GlobCase{"[!a-c]x", "dx", true}, GlobCase{"[!a-c]x", "ax", false},
        GlobCase{"[^a]x", "bx", true}, GlobCase{"[^a]x", "ax", false}, GlobCase{"[]]x", "]x", true},
        GlobCase{"[!]]x", "]x", false}, GlobCase{"[a-]x", "-x", true},
        GlobCase{"a[!x]b", "a/b", false}, GlobCase{"a[/]b", "a/b", false},
        GlobCase{"v[0-9].[0-9]", "v1.2", true},
        // Escapes and unclosed classes.
        GlobCase{"\\*.md", "*.md", true}, GlobCase{"\\*.md", "a.md", false},
        GlobCase{"a\\?", "a?", true}, GlobCase{"a\\?", "ab", false}, GlobCase{"[abc", "[abc", true},
        GlobCase{"[abc", "a", false},
        // Case-sensitive, like Git paths.
        GlobCase{"*.MD", "a.md", false}, GlobCase{"Docs/**", "docs/a", false},
        // Non-ASCII bytes are ordinary characters.
        GlobCase{"docs/*.md", "docs/Ä.md", true}, GlobCase{"docs/?.md", "docs/Ä.md", false}));

// An independent oracle: translate the glob to an RE2 regex by the documented rules and check
// both agree on every short pattern and path over a small alphabet.
std::string globToRegex(std::string_view g) {
  std::string re;
  size_t i = 0;
  while (i < g.size()) {
    if (g[i] == '*') {
      size_t end = i;
      while (end < g.size() && g[end] == '*') ++end;
      bool whole =
          end - i >= 2 && (i == 0 || g[i - 1] == '/') && (end == g.size() || g[end] == '/');
      if (whole && end == g.size()) {
        re += ".*";
        i = end;
      } else if (whole) {
        re += "(?:.*/)?";
        i = end + 1;
      } else {
        re += "[^/]*";
        i = end;
      }
      continue;
    }
    if (g[i] == '?') {
      re += "[^/]";
    } else {
      re += RE2::QuoteMeta(std::string(1, g[i]));
    }
    ++i;
  }
  return re;
}

TEST(GlobMatch, AgreesWithRegexOracle) {
  const std::string pattern_alphabet = "a*/?";
  const std::string path_alphabet = "ab/";
  auto all = [](const std::string& alphabet, size_t max_len) {
    std::vector<std::string> out = {""};
    std::vector<std::string> layer = {""};
    for (size_t len = 1; len <= max_len; ++len) {
      std::vector<std::string> next;
      for (const auto& s : layer) {
        for (char c : alphabet) next.push_back(s + c);
      }
      out.insert(out.end(), next.begin(), next.end());
      layer = std::move(next);
    }
    return out;
  };
  const auto patterns = all(pattern_alphabet, 5);
  const auto paths = all(path_alphabet, 5);
  size_t checked = 0;
  for (const auto& p : patterns) {
    RE2 oracle(globToRegex(p));
    ASSERT_TRUE(oracle.ok()) << p;
    for (const auto& path : paths) {
      ASSERT_EQ(globMatch(p, path), RE2::FullMatch(path, oracle))
          << "pattern \"" << p << "\" path \"" << path << "\" regex " << globToRegex(p);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100000u);
}

// No backtracking: each of these is at most pattern × path steps.
struct SlowCase {
  std::string name;
  std::string pattern;
  std::string path;
};
void PrintTo(const SlowCase& c, std::ostream* os) {
  *os << c.name;
}

class PathologicalGlob : public ::testing::TestWithParam<SlowCase> {};
TEST_P(PathologicalGlob, FinishesFast) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(globMatch(GetParam().pattern, GetParam().path));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string deepPath(size_t segments) {
  std::string out;
  for (size_t i = 0; i < segments; ++i) out += "a/";
  return out + "y";
}

INSTANTIATE_TEST_SUITE_P(
    GlobMatch, PathologicalGlob,
    ::testing::Values(SlowCase{"Stars", "*a*a*a*a*a*a*a*a*a*b", std::string(100000, 'a')},
                      SlowCase{"StarsAndQuestions", "*?*?*?*?*?*?*?*?*?b",
                               std::string(100000, 'a')},
                      SlowCase{"GlobStars", "**/**/**/**/**/**/**/**/x", deepPath(20000)},
                      SlowCase{"GlobStarSegments", "**/a*/**/a*/**/a*/**/b", deepPath(20000)},
                      SlowCase{"LongPattern", repeat("*a", 500) + "b", std::string(20000, 'a')}),
    [](const auto& case_info) { return case_info.param.name; });

TEST(ValidateGlob, AcceptsAndRejects) {
  for (const char* ok : {"a", "**", "**/*.go", "docs/**", "[!.]*", "\\*", "a/**/b", "a..b",
                         ".github/workflows/*.yml"}) {
    EXPECT_TRUE(validateGlob(ok, "p").ok()) << ok;
  }
  for (const char* bad : {"", "/a", "./a", "a//b", "a/../b", "..", "a/.", "a/", "[x", "a\\"}) {
    auto st = validateGlob(bad, "rules[2].paths[3]");
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().status, 422);
    EXPECT_EQ(st.error().field, "rules[2].paths[3]");
  }
}

}  // namespace
}  // namespace triggerd
