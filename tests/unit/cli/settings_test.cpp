#include "cli/settings.h"

#include <gtest/gtest.h>

#include "cli/local_files.h"
#include "tests/support/subprocess.h"

namespace triggerd::cli {
namespace {

using triggerd::testing::TempDir;

TEST(ResolveUrl, FlagThenEnvironmentThenDefault) {
  Environment env;
  EXPECT_EQ(resolveUrl("", env).value(), "http://127.0.0.1:8081");
  env.url = "http://admin.internal:9000";
  EXPECT_EQ(resolveUrl("", env).value(), "http://admin.internal:9000");
  EXPECT_EQ(resolveUrl("https://x.example.com/triggerd", env).value(),
            "https://x.example.com/triggerd");
}

TEST(ResolveUrl, SchemeIsRequired) {
  auto r = resolveUrl("127.0.0.1:8081", Environment{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "--url");
  EXPECT_NE(r.error().message.find("http://"), std::string::npos);
  Environment env;
  env.url = "unix:/run/triggerd.sock";
  auto e = resolveUrl("", env);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "TRIGGERCTL_URL");
  EXPECT_NE(e.error().message.find("--unix-socket"), std::string::npos);
}

TEST(ResolveToken, FileFlagWinsAndIsTrimmed) {
  TempDir dir;
  dir.write("flag", "  tdu_flag\n");
  dir.write("env", "tdu_env\n");
  Environment env;
  env.token_file = dir.file("env");
  env.token = "tdu_inline";
  EXPECT_EQ(resolveToken(dir.file("flag"), env).value(), "tdu_flag");
  EXPECT_EQ(resolveToken("", env).value(), "tdu_env");
  env.token_file.reset();
  EXPECT_EQ(resolveToken("", env).value(), "tdu_inline");
}

TEST(ResolveToken, MissingTokenExplainsWhyNotAnArgument) {
  auto r = resolveToken("", Environment{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--token-file"), std::string::npos);
  EXPECT_NE(r.error().message.find("shell history"), std::string::npos);
}

TEST(ResolveToken, BadFiles) {
  TempDir dir;
  dir.write("empty", "\n\n");
  dir.write("two-lines", "tdu_a\ntdu_b\n");
  auto missing = resolveToken(dir.file("nope"), Environment{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, dir.file("nope"));
  EXPECT_NE(missing.error().message.find("cannot be opened"), std::string::npos);
  auto empty = resolveToken(dir.file("empty"), Environment{});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("holds no token"), std::string::npos);
  auto two = resolveToken(dir.file("two-lines"), Environment{});
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("control character"), std::string::npos);
}

TEST(ReadTextFile, SizeLimit) {
  TempDir dir;
  dir.write("big", std::string(100, 'x'));
  EXPECT_TRUE(readTextFile(dir.file("big"), 100).ok());
  auto r = readTextFile(dir.file("big"), 99);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("larger than"), std::string::npos);
}

}  // namespace
}  // namespace triggerd::cli
