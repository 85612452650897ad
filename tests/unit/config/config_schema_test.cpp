// The schema table itself: complete rows, defaults that agree with Config's initialisers,
// reload classification and the --check-config rendering.
#include "config/config_schema.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <set>

#include "tests/unit/config/config_test_util.h"

namespace triggerd::testing {
namespace {

using config::configSchema;
using config::configTables;
using config::Reload;

TEST(ConfigSchemaTest, EveryRowIsComplete) {
  std::set<std::string> tables, keys;
  for (const auto& t : configTables()) tables.insert(std::string(t.name));
  for (const auto& k : configSchema()) {
    std::string key(k.key);
    EXPECT_TRUE(keys.insert(key).second) << "duplicate " << key;
    EXPECT_TRUE(tables.count(key.substr(0, key.find('.')))) << key << ": table not listed";
    EXPECT_EQ(key.find('.'), key.rfind('.')) << key << ": keys are table.name";
    EXPECT_GT(k.help.size(), 20u) << key;
    EXPECT_FALSE(k.bind.type_doc.empty()) << key;
    EXPECT_FALSE(k.bind.example.empty()) << key;
    EXPECT_TRUE(k.bind.apply && k.bind.show && k.bind.same) << key;
  }
}

// Config's member initialisers and the table's defaults must agree, or code that builds a
// Config{} (tests, tools) would see different values from a loaded file.
TEST_F(ConfigTest, DefaultsMatchConfigInitialisers) {
  auto loaded = parse(minimal());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const Config blank;
  std::set<std::string> set_by_minimal{"server.public_base_url", "security.master_key_file",
                                       "security.admin_token_sha256"};
  for (const auto& k : configSchema()) {
    std::string key(k.key);
    if (set_by_minimal.count(key)) continue;
    ASSERT_TRUE(k.default_toml.has_value()) << key;
    EXPECT_EQ(k.bind.show(loaded.value()), k.bind.show(blank)) << key;
  }
  // Fields filled alongside a key, which show() does not print.
  for (auto [a, b] : {std::pair{&loaded->public_listen, &blank.public_listen},
                      std::pair{&loaded->admin_listen, &blank.admin_listen},
                      std::pair{&loaded->redis_endpoint, &blank.redis_endpoint}}) {
    EXPECT_EQ(a->host, b->host) << a->text;
    EXPECT_EQ(a->port, b->port) << a->text;
    EXPECT_EQ(a->unix_path, b->unix_path) << a->text;
    EXPECT_EQ(a->text, b->text);
  }
}

TEST_F(ConfigTest, ReloadableChangesAreNotReported) {
  auto a = parse(minimal());
  auto b =
      parse(minimal("[limits]\nmax_body_bytes = \"1MiB\"\nrequest_timeout = \"3s\"\n"
                    "[tokens]\ncheck_interval = \"5m\"\n"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(nonReloadableChanges(a.value(), b.value()).empty());
  Config c = a.value();
  c.log_level = "debug";
  c.admin_token_sha256.push_back(std::string(64, 'e'));
  c.allowed_networks = {"10.0.0.0/8"};
  EXPECT_TRUE(nonReloadableChanges(a.value(), c).empty());
}

TEST_F(ConfigTest, RestartOnlyChangesAreNamed) {
  auto a = parse(minimal());
  auto b = parse(withServer("admin_listen = \"127.0.0.1:9999\"")
                     .append("[redis]\naddress = \"127.0.0.1:6380\"\nkey_prefix = \"t2:\"\n"));
  ASSERT_TRUE(a.ok() && b.ok()) << (b.ok() ? "" : b.error().message);
  EXPECT_EQ(nonReloadableChanges(a.value(), b.value()),
            (std::vector<std::string>{"server.admin_listen", "redis.address", "redis.key_prefix"}));
  // A new key in the same file is a change even though the path is not.
  dir_.write("master.key", std::string(64, '7'), 0600);
  auto rotated = parse(minimal());
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(nonReloadableChanges(a.value(), rotated.value()),
            std::vector<std::string>{"security.master_key_file"});
}

TEST_F(ConfigTest, EffectiveConfigHidesSecretsAndParsesBack) {
  dir_.write("redis.password", "hunter2\n");
  auto r = parse(minimal("[redis]\npassword_file = \"redis.password\"\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string text = renderEffectiveConfig(r.value());
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_EQ(text.find(kKeyHex), std::string::npos) << text;
  EXPECT_NE(text.find("password_file = \"" + dir_.file("redis.password") +
                      "\"  # contents: <set>, restart\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("master_key_file = \"" + dir_.file("master.key") + "\"  # key: <set>, restart\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("client_secret_file = \"\"  # contents: <unset>, restart\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[limits]\nmax_body_bytes = \"10MiB\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("public_base_url = \"https://triggerd.example.com\"  # restart\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("request_timeout = \"10s\"\n"), std::string::npos) << text;

  // The rendering is itself a valid config that loads to the same values.
  auto again = parseConfig(text, path());
  ASSERT_TRUE(again.ok()) << again.error().message << "\n" << text;
  EXPECT_EQ(renderEffectiveConfig(again.value()), text);
  EXPECT_EQ(again->redis_password, "hunter2");
}

// Found by tests/fuzz/config_fuzz: the rendering lists the hashes read from token files under
// admin_token_sha256 as well, and loading it read the files again, listing them twice.
TEST_F(ConfigTest, EffectiveConfigWithTokenFilesParsesBackToTheSameTokens) {
  const std::string from_file(64, 'e');
  dir_.write("tokens.sha256", from_file + "\n", 0644);
  auto r = parse(withSecurity("admin_token_sha256_files = [\"tokens.sha256\"]"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->admin_token_sha256, (std::vector<std::string>{kTokenHash, from_file}));
  std::string text = renderEffectiveConfig(r.value());
  auto again = parseConfig(text, path());
  ASSERT_TRUE(again.ok()) << again.error().message << "\n" << text;
  EXPECT_EQ(again->admin_token_sha256, r->admin_token_sha256);
  EXPECT_EQ(renderEffectiveConfig(again.value()), text);
}

TEST(ConfigSchemaTest, ReferenceListsEveryKey) {
  std::string ref = renderConfigReference();
  for (const auto& k : configSchema()) {
    EXPECT_NE(ref.find("| `" + std::string(k.key) + "` |"), std::string::npos) << k.key;
  }
  EXPECT_NE(ref.find("### [limits]"), std::string::npos);
  EXPECT_NE(ref.find("**required**"), std::string::npos);
}

}  // namespace
}  // namespace triggerd::testing
