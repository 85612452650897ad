// The shipped files stay in step with the schema: the example and local configs load, the
// example lists and comments every key, and docs/configuration.md carries the current reference.
#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/config_schema.h"
#include "tests/support/generated_docs.h"
#include "tests/unit/config/config_test_util.h"

namespace triggerd::testing {
namespace {

constexpr char kBeginMarker[] = "<!-- BEGIN GENERATED: renderConfigReference() -->\n";
constexpr char kEndMarker[] = "<!-- END GENERATED -->";

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

TEST_F(ConfigTest, ExampleConfigLoads) {
  // The example's secrets come from /etc/triggerd and $CREDENTIALS_DIRECTORY: provide both.
  std::string example = readFile(sourcePath("config/triggerd.example.toml"));
  ASSERT_FALSE(example.empty());
  std::filesystem::create_directory(dir_.file("creds"));
  dir_.write("creds/master.key", std::string(kKeyHex), 0400);
  dir_.write("admin-tokens.sha256", std::string(kTokenHash) + "\n", 0644);
  setenv("CREDENTIALS_DIRECTORY", dir_.file("creds").c_str(), 1);
  std::string text = replaceAll(example, "\"/etc/triggerd/", "\"" + dir_.path() + "/");

  auto r = parse(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->master_key_file, dir_.file("creds/master.key"));
  EXPECT_EQ(r->admin_token_sha256, std::vector<std::string>{kTokenHash});
  EXPECT_EQ(r->public_base_url, "https://triggerd.example.com");
  EXPECT_EQ(r->spool_dir, "/var/lib/triggerd/spool");
}

TEST(ConfigFilesTest, ExampleConfigListsAndExplainsEveryKey) {
  std::string example = readFile(sourcePath("config/triggerd.example.toml"));
  toml::table root = toml::parse(example);  // throws (fails the test) on a syntax error
  for (const auto& k : config::configSchema()) {
    std::string key(k.key);
    std::string table = key.substr(0, key.find('.'));
    std::string leaf = key.substr(key.find('.') + 1);
    const toml::table* t = root[table].as_table();
    EXPECT_TRUE(t && t->contains(leaf)) << key << " is missing from triggerd.example.toml";
  }
  // Every assignment follows a comment, which says "[restart]" exactly for restart-only keys.
  std::string table, comment;
  size_t pos = 0;
  int number = 0;
  while (pos < example.size()) {
    size_t end = example.find('\n', pos);
    if (end == std::string::npos) end = example.size();
    std::string line = example.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (line.rfind("#", 0) == 0) {
      comment += line + "\n";
      continue;
    }
    if (line.rfind("[", 0) == 0) table = line.substr(1, line.find(']') - 1);
    if (!line.empty() && line[0] != '[') {
      std::string key = table + "." + line.substr(0, line.find(' '));
      EXPECT_FALSE(comment.empty())
          << "triggerd.example.toml:" << number << " " << key << " has no comment";
      for (const auto& k : config::configSchema()) {
        if (k.key != key) continue;
        bool restart = k.reload == config::Reload::kRestart;
        EXPECT_EQ(comment.find("[restart]") != std::string::npos, restart)
            << "triggerd.example.toml:" << number << " " << key << ": the comment should "
            << (restart ? "" : "not ") << "say [restart]";
      }
    }
    comment.clear();
  }
}

TEST_F(ConfigTest, LocalConfigLoads) {
  // Laid out as in the repository: config/triggerd.local.toml and keys in state/.
  std::filesystem::create_directories(dir_.file("config"));
  std::filesystem::create_directories(dir_.file("state"));
  dir_.write("state/master.key", std::string(kKeyHex) + "\n", 0600);
  dir_.write("state/admin-tokens.sha256", std::string(kTokenHash) + "  -\n", 0600);
  std::string text = readFile(sourcePath("config/triggerd.local.toml"));
  ASSERT_FALSE(text.empty());

  auto r = parseConfig(text, dir_.file("config/triggerd.local.toml"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->public_listen.text, "127.0.0.1:8080");
  EXPECT_EQ(r->admin_listen.text, "127.0.0.1:8081");
  EXPECT_EQ(r->redis_endpoint.host, "127.0.0.1");
  EXPECT_EQ(r->redis_endpoint.port, 6380);
  EXPECT_FALSE(r->allow_volatile_redis);  // the local Redis runs with appendonly yes
  EXPECT_EQ(r->master_key_file, dir_.file("state/master.key"));
  EXPECT_EQ(r->admin_token_sha256, std::vector<std::string>{kTokenHash});
  EXPECT_EQ(r->spool_dir, dir_.file("state/spool"));
}

// docs/configuration.md embeds renderConfigReference() between two markers. To refresh it after
// changing the table, run this test with TRIGGERD_UPDATE_DOCS=1.
TEST(ConfigFilesTest, DocsReferenceIsCurrent) {
  expectGeneratedSection(sourcePath("docs/configuration.md"), kBeginMarker, kEndMarker,
                         renderConfigReference());
}

TEST(ConfigFilesTest, ServiceUnitPassesTheMasterKeyTheExampleReads) {
  std::string unit = readFile(sourcePath("systemd/triggerd.service"));
  std::string example = readFile(sourcePath("config/triggerd.example.toml"));
  EXPECT_NE(unit.find("\nLoadCredential=master.key:/etc/triggerd/master.key\n"), std::string::npos);
  EXPECT_NE(example.find("\nmaster_key_file = \"$CREDENTIALS_DIRECTORY/master.key\"\n"),
            std::string::npos);
  EXPECT_NE(unit.find("\nExecStart=/usr/bin/triggerd --config /etc/triggerd/triggerd.toml\n"),
            std::string::npos);
  EXPECT_NE(example.find("\ndir = \"/var/lib/triggerd/spool\"\n"), std::string::npos);
  EXPECT_NE(unit.find("\nStateDirectory=triggerd\n"), std::string::npos);
}

}  // namespace
}  // namespace triggerd::testing
