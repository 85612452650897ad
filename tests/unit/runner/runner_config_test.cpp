// The runner's configuration table, and the shipped files that mirror it: the example config,
// the reference in docs/runner.md and the systemd unit.
#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <cstdlib>
#include <fstream>

#include "runner/runner_config.h"
#include "tests/support/generated_docs.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {
namespace {

constexpr char kBeginMarker[] = "<!-- BEGIN GENERATED: renderRunnerConfigReference() -->\n";
constexpr char kEndMarker[] = "<!-- END GENERATED -->";

TEST(RunnerConfigTest, DefaultsBuildWithBuildahAndKeepAliveAThirdOfTheVisibilityTimeout) {
  auto c = parseRunnerConfig("", "/etc/triggerd/runner.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->name.empty());  // the host name
  EXPECT_EQ(c->concurrency, 1);
  EXPECT_EQ(c->work_dir, "/var/lib/triggerd-runner/jobs");
  ASSERT_EQ(c->commands.size(), 2u);
  EXPECT_EQ(c->commands[1], "buildah push {local_image} docker://{image}:{tag}");
  EXPECT_EQ(c->keepaliveInterval(), std::chrono::minutes(5));
  EXPECT_EQ(c->log_chunk_bytes, 16u * 1024);
}

TEST(RunnerConfigTest, ClusterNodesAreIpPortPairs) {
  auto c = parseRunnerConfig("[redis]\ncluster_nodes = [\"127.0.0.1:7000\", \"[::1]:7001\"]\n",
                             "/etc/r.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->redis_cluster_nodes, (std::vector<std::string>{"127.0.0.1:7000", "[::1]:7001"}));
  auto bad = parseRunnerConfig("[redis]\ncluster_nodes = [\"127.0.0.1:7000\", \"redis-2:7001\"]\n",
                               "/etc/r.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find(
                "redis.cluster_nodes: item 2: host \"redis-2\" must be an IP address"),
            std::string::npos)
      << bad.error().message;
}

TEST(RunnerConfigTest, ReportsEveryProblemWithItsLine) {
  auto c = parseRunnerConfig(
      "[runner]\nconcurency = 2\nconcurrency = 0\n"
      "[redis]\naddress = \"redis.local:6379\"\n"
      "[build]\ncommands = [\"buildah bud {imagee}\"]\ntimeout = 30\n"
      "pass_environment = [\"GIT_DIR\"]\n"
      "[api]\nurl = \"http://127.0.0.1:8081\"\n",
      "/etc/r.toml");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("/etc/r.toml:2 runner.concurency: unknown key; did you mean "
                   "runner.concurrency?"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("/etc/r.toml:3 runner.concurrency: must be from 1 to 64 (got 0)"),
            std::string::npos);
  EXPECT_NE(m.find("redis.address: host \"redis.local\" must be an IP address"), std::string::npos);
  EXPECT_NE(m.find("/etc/r.toml:7 build.commands: item 1: unknown placeholder {imagee}"),
            std::string::npos);
  EXPECT_NE(m.find("/etc/r.toml:8 build.timeout: expected duration, got an integer"),
            std::string::npos);
  EXPECT_NE(m.find("build.pass_environment: item 1: \"GIT_DIR\": GIT_* variables"),
            std::string::npos);
  EXPECT_NE(m.find("api.token_file: required when api.url is set"), std::string::npos);
}

TEST(RunnerConfigTest, ReadsSecretsFromFilesAndNeverShowsThem) {
  TempDir dir;
  dir.write("token", "runner-secret-token\n");
  auto c = parseRunnerConfig("[api]\nurl = \"http://127.0.0.1:8081/\"\ntoken_file = \"token\"\n",
                             dir.file("runner.toml"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->api_token, "runner-secret-token");
  EXPECT_EQ(c->api_url, "http://127.0.0.1:8081");
  std::string shown = renderRunnerConfig(*c);
  EXPECT_EQ(shown.find("runner-secret-token"), std::string::npos);
  EXPECT_NE(shown.find("token_file = \"" + dir.file("token") + "\"  # contents: <set>"),
            std::string::npos)
      << shown;
  // The rendered configuration loads again as the same configuration.
  auto again = parseRunnerConfig(shown, dir.file("runner.toml"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(renderRunnerConfig(*again), shown);
}

TEST(RunnerConfigTest, ExampleConfigLoadsAndListsEveryKey) {
  std::string example = readFile(sourcePath("runner/triggerd-runner.example.toml"));
  ASSERT_FALSE(example.empty());
  TempDir dir;
  dir.write("runner.token", "t\n");
  dir.write("redis.password", "p\n");
  setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  auto c = parseRunnerConfig(example, "/etc/triggerd/runner.toml");
  unsetenv("CREDENTIALS_DIRECTORY");
  ASSERT_TRUE(c.ok()) << c.error().message;
  // Every key of the effective configuration appears in the example, after a comment.
  toml::table shown = toml::parse(renderRunnerConfig(*c));
  toml::table ex = toml::parse(example);
  for (auto&& [table, node] : shown) {
    for (auto&& [key, value] : *node.as_table()) {
      std::string name = std::string(table.str()) + "." + std::string(key.str());
      EXPECT_TRUE(ex[table.str()][key.str()]) << name << " is missing from the example";
    }
  }
}

// docs/runner.md embeds renderRunnerConfigReference() between two markers. To refresh it after
// changing the table, run this test with TRIGGERD_UPDATE_DOCS=1.
TEST(RunnerConfigTest, DocsReferenceIsCurrent) {
  expectGeneratedSection(sourcePath("docs/runner.md"), kBeginMarker, kEndMarker,
                         renderRunnerConfigReference());
}

TEST(RunnerConfigTest, ServiceUnitMatchesTheExample) {
  std::string unit = readFile(sourcePath("systemd/triggerd-runner.service"));
  std::string example = readFile(sourcePath("runner/triggerd-runner.example.toml"));
  EXPECT_NE(unit.find("\nExecStart=/usr/bin/triggerd-runner --config /etc/triggerd/runner.toml\n"),
            std::string::npos);
  EXPECT_NE(unit.find("\nStateDirectory=triggerd-runner\n"), std::string::npos);
  EXPECT_NE(example.find("\nwork_dir = \"/var/lib/triggerd-runner/jobs\"\n"), std::string::npos);
  EXPECT_NE(unit.find("\nLoadCredential=runner.token:/etc/triggerd/runner.token\n"),
            std::string::npos);
  EXPECT_NE(example.find("\ntoken_file = \"$CREDENTIALS_DIRECTORY/runner.token\"\n"),
            std::string::npos);
  // systemd must wait longer than the runner's own grace period.
  EXPECT_NE(unit.find("\nTimeoutStopSec=6min\n"), std::string::npos);
  EXPECT_NE(example.find("\nstop_grace = \"5m\"\n"), std::string::npos);
}

}  // namespace
}  // namespace triggerd::testing
