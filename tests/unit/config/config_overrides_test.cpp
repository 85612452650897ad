// `triggerd --set KEY=VALUE`: overrides laid over the file, checked like the file's own values,
// and reported as "--set KEY: why" when they are wrong.
#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/unit/config/config_test_util.h"

namespace triggerd::testing {
namespace {

using Overrides = std::vector<std::string>;

class ConfigOverridesTest : public ConfigTest {
 protected:
  Result<Config> parseWith(const std::string& text, const Overrides& overrides) const {
    return parseConfig(text, path(), overrides);
  }
};

TEST_F(ConfigOverridesTest, ValuesReplaceTheFilesAndFillMissingTables) {
  auto r = parseWith(
      withServer("admin_listen = \"127.0.0.1:9001\""),
      {"server.admin_listen=unix:/run/triggerd/2/admin.sock", "spool.dir=/var/lib/triggerd/spool-2",
       "server.reuse_port=true", "limits.max_connections=100", "limits.request_timeout=3s",
       "security.allowed_networks=[\"10.0.0.0/8\"]"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->admin_listen.unix_path, "/run/triggerd/2/admin.sock");
  EXPECT_EQ(r->spool_dir, "/var/lib/triggerd/spool-2");
  EXPECT_TRUE(r->reuse_port);
  EXPECT_EQ(r->max_connections, 100);
  EXPECT_EQ(r->request_timeout, std::chrono::seconds(3));
  EXPECT_EQ(r->allowed_networks, std::vector<std::string>{"10.0.0.0/8"});
  // Kept, so that a reload applies them again; shown by --check-config.
  EXPECT_EQ(r->overrides.size(), 6u);
  EXPECT_NE(renderEffectiveConfig(*r).find("# --set spool.dir=/var/lib/triggerd/spool-2"),
            std::string::npos);
}

TEST_F(ConfigOverridesTest, AQuotedValueStaysAStringAndARelativePathFollowsTheFile) {
  dir_.write("secret", "s3cret\n");
  // 12345 alone would be an integer, which client_id refuses; quoted, it is the string.
  auto r = parseWith(minimal(), {"github.client_id=\"12345\"", "github.client_secret_file=secret",
                                 "spool.dir=spool-3"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->github_client_id, "12345");
  EXPECT_EQ(r->spool_dir, dir_.file("spool-3"));
}

TEST_F(ConfigOverridesTest, ProblemsNameTheOverrideAndComeAfterTheFilesOwn) {
  auto r = parseWith(
      withServer("log_level = \"loud\""),
      {"spool.dri=/x", "server.reuse_port=maybe", "limits.max_connections=0", "no equals sign"});
  ASSERT_FALSE(r.ok());
  const std::string& e = r.error().message;
  EXPECT_TRUE(hasLine(e, at(3, "server.log_level"))) << e;
  EXPECT_TRUE(hasLine(e, "--set spool.dri: unknown key; did you mean spool.dir?")) << e;
  EXPECT_TRUE(hasLine(e, "--set server.reuse_port: expected boolean, got a string")) << e;
  EXPECT_TRUE(hasLine(e, "--set limits.max_connections: must be from")) << e;
  EXPECT_TRUE(hasLine(e, "--set no equals sign: expected KEY=VALUE")) << e;
  EXPECT_LT(e.find(at(3, "server.log_level")), e.find("--set")) << e;
}

TEST_F(ConfigOverridesTest, CrossKeyProblemsCausedByAnOverrideNameIt) {
  auto r = parseWith(minimal(), {"server.admin_listen=0.0.0.0:8080"});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(hasLine(r.error().message, "--set server.admin_listen: ")) << r.error().message;
}

}  // namespace
}  // namespace triggerd::testing
