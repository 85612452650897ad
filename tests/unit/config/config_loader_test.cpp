// loadConfig/parseConfig: values, defaults, secret files and one test per class of error, each
// asserting the exact "file:line key:" prefix.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>

#include "config/config.h"
#include "tests/unit/config/config_test_util.h"

namespace triggerd::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(ConfigTest, MinimalConfigLoadsWithDefaults) {
  auto r = parse(minimal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Config& c = r.value();
  EXPECT_EQ(c.path, path());
  EXPECT_EQ(c.public_base_url, "https://triggerd.example.com");  // trailing slash removed
  EXPECT_EQ(c.public_listen.text, "0.0.0.0:8080");
  EXPECT_EQ(c.admin_listen.host, "127.0.0.1");
  EXPECT_EQ(c.admin_listen.port, 8081);
  EXPECT_EQ(c.master_key_file, dir_.file("master.key"));  // relative to the config's directory
  EXPECT_EQ(c.master_key.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(c.master_key[1]), 0x11);
  EXPECT_EQ(c.admin_token_sha256, std::vector<std::string>{kTokenHash});
  EXPECT_EQ(c.redis_address, "127.0.0.1:6379");
  EXPECT_EQ(c.redis_endpoint.port, 6379);
  EXPECT_EQ(c.max_body_bytes, 10u * 1024 * 1024);
  EXPECT_EQ(c.request_timeout, milliseconds(10000));
  EXPECT_EQ(c.visibility_timeout, seconds(900));
  EXPECT_EQ(c.delivery_ttl, seconds(72 * 3600));
  EXPECT_EQ(c.github_scopes, std::vector<std::string>{"repo"});
  EXPECT_TRUE(c.redis_password.empty());
  EXPECT_TRUE(c.spool_dir.empty());
  EXPECT_EQ(c.spool_max_bytes, size_t{1} << 30);
  EXPECT_EQ(c.spool_segment_bytes, size_t{16} << 20);
  EXPECT_EQ(c.spool_max_age, seconds(24 * 3600));
}

TEST_F(ConfigTest, ValuesOfEveryTypeAreStored) {
  dir_.write("redis.password", "s3cret\r\n");
  auto r = parse(configText(R"(public_listen = "[::]:9090"
admin_listen = "unix:/run/triggerd/admin.sock"
log_level = "warn"
)",
                            R"(allowed_networks = ["10.1.2.0/24", "FD00::/8"]
)",
                            R"(
[limits]
max_body_bytes = 2048
max_header_bytes = "16KiB"
request_timeout = "1m30s"
max_connections = 20
max_connections_per_address = 0
[redis]
address = "unix:/run/redis/redis.sock"
password_file = "redis.password"
allow_volatile_redis = true
[queue]
visibility_timeout = "2h"
[spool]
dir = "spool"
)"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Config& c = r.value();
  EXPECT_EQ(c.public_listen.host, "::");
  EXPECT_EQ(c.public_listen.port, 9090);
  EXPECT_EQ(c.admin_listen.unix_path, "/run/triggerd/admin.sock");
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.max_body_bytes, 2048u);
  EXPECT_EQ(c.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.request_timeout, milliseconds(90000));
  EXPECT_EQ(c.max_connections, 20);
  EXPECT_EQ(c.max_connections_per_address, 0);
  EXPECT_EQ(c.redis_endpoint.unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(c.redis_password, "s3cret");  // trailing CR/LF trimmed
  EXPECT_EQ(c.redis_password_file, dir_.file("redis.password"));
  EXPECT_TRUE(c.allow_volatile_redis);
  EXPECT_EQ(c.visibility_timeout, seconds(7200));
  EXPECT_EQ(c.allowed_networks, (std::vector<std::string>{"10.1.2.0/24", "fd00::/8"}));
  EXPECT_EQ(c.spool_dir, dir_.file("spool"));
}

TEST_F(ConfigTest, SyntaxErrorReportsLineAndColumn) {
  std::string e = errorOf("[server]\npublic_base_url = \"https://x\"\nlog_level = = \"info\"\n");
  EXPECT_EQ(e.rfind(path() + ":3:", 0), 0u) << e;
  EXPECT_NE(e.find("TOML syntax error: "), std::string::npos) << e;
}

TEST_F(ConfigTest, UnknownKeySuggestsTheClosestKey) {
  std::string e = errorOf(withServer("publc_listen = \"127.0.0.1:9000\""));
  EXPECT_EQ(e, at(3, "server.publc_listen") + "unknown key; did you mean server.public_listen?");
}

TEST_F(ConfigTest, UnknownKeyInTheWrongTableSuggestsItsTable) {
  std::string e = errorOf(withServer("max_body_bytes = \"1MiB\""));
  EXPECT_EQ(e, at(3, "server.max_body_bytes") + "unknown key; did you mean limits.max_body_bytes?");
}

TEST_F(ConfigTest, UnknownTableSuggestsTheClosestTable) {
  std::string e = errorOf(minimal("[limit]\nmax_body_bytes = \"1MiB\"\n"));
  EXPECT_EQ(e, at(6, "limit") + "unknown table; did you mean [limits]?");
  e = errorOf(minimal("[nonsense]\n"));
  EXPECT_EQ(e, at(6, "nonsense") + "unknown table");
  e = errorOf("log_level = \"debug\"\n" + minimal());
  EXPECT_EQ(e, at(1, "log_level") + "unknown key; did you mean server.log_level?");
}

TEST_F(ConfigTest, TableGivenAsValueIsATypeError) {
  std::string e = errorOf("limits = 3\n" + minimal());
  EXPECT_EQ(e, at(1, "limits") + "expected a table ([limits]), got an integer");
}

TEST_F(ConfigTest, PerAddressConnectionCapDefaultsAndRange) {
  auto r = parse(minimal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->max_connections_per_address, 256);
  std::string e = errorOf(minimal("[limits]\nmax_connections_per_address = -1\n"));
  EXPECT_EQ(e, at(7, "limits.max_connections_per_address") + "must be from 0 to 1000000 (got -1)");
}

TEST_F(ConfigTest, TriggerCacheMaxAgeDefaultsZeroTurnsItOffAndIsBounded) {
  auto r = parse(minimal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->trigger_cache_max_age, std::chrono::milliseconds(1000));
  r = parse(minimal("[triggers]\ncache_max_age = \"0s\"\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->trigger_cache_max_age.count(), 0);
  r = parse(minimal("[triggers]\ncache_max_age = \"250ms\"\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->trigger_cache_max_age, std::chrono::milliseconds(250));
  std::string e = errorOf(minimal("[triggers]\ncache_max_age = \"2m\"\n"));
  EXPECT_EQ(e, at(7, "triggers.cache_max_age") + "must be from 0s to 1m (got 2m)");
}

TEST_F(ConfigTest, WrongTypeNamesTheTypeAndShowsAnExample) {
  std::string e = errorOf(minimal("[limits]\nmax_connections = \"many\"\n"));
  EXPECT_EQ(e, at(7, "limits.max_connections") +
                   "expected integer, got a string; e.g. max_connections = 1024");
  e = errorOf(minimal("[redis]\nallow_volatile_redis = \"yes\"\n"));
  EXPECT_EQ(e, at(7, "redis.allow_volatile_redis") +
                   "expected boolean, got a string; e.g. allow_volatile_redis = false");
  e = errorOf(withSecurity("allowed_networks = \"10.0.0.0/8\""));
  EXPECT_EQ(e.rfind(at(6, "security.allowed_networks") +
                        "expected array of strings (CIDR), got a string; e.g. allowed_networks = "
                        "[\"10.0.0.0/8\"]",
                    0),
            0u)
      << e;
  e = errorOf(minimal("[limits]\nmax_body_bytes = 1.5\n"));
  EXPECT_EQ(e.rfind(at(7, "limits.max_body_bytes") + "expected size, got a floating-point", 0), 0u)
      << e;
}

TEST_F(ConfigTest, WrongItemTypeInAnArrayPointsAtTheItem) {
  std::string e = errorOf(minimal("[github]\nscopes = [\n  \"repo\",\n  7,\n]\n"));
  EXPECT_EQ(e.rfind(at(9, "github.scopes") + "item 2: expected a string, got an integer", 0), 0u)
      << e;
}

TEST_F(ConfigTest, BadDuration) {
  std::string e = errorOf(minimal("[limits]\nrequest_timeout = \"10 sec\"\n"));
  EXPECT_EQ(e.rfind(at(7, "limits.request_timeout") + "\"10 sec\" is not a duration", 0), 0u) << e;
  e = errorOf(minimal("[limits]\nrequest_timeout = 10\n"));
  EXPECT_EQ(e.rfind(at(7, "limits.request_timeout") + "expected duration, got an integer (a "
                                                      "duration needs a unit: \"10s\", not 10)",
                    0),
            0u)
      << e;
  e = errorOf(minimal("[limits]\nrequest_timeout = \"1ms\"\n"));
  EXPECT_EQ(e, at(7, "limits.request_timeout") + "must be from 100ms to 10m (got 1ms)");
  e = errorOf(minimal("[queue]\nvisibility_timeout = \"10500ms\"\n"));
  EXPECT_EQ(e, at(7, "queue.visibility_timeout") + "must be a whole number of seconds");
}

TEST_F(ConfigTest, BadSize) {
  std::string e = errorOf(minimal("[limits]\nmax_body_bytes = \"10MB\"\n"));
  EXPECT_EQ(e.rfind(at(7, "limits.max_body_bytes") + "\"10MB\" is not a size: use binary units", 0),
            0u)
      << e;
  e = errorOf(minimal("[limits]\nmax_body_bytes = -5\n"));
  EXPECT_EQ(e, at(7, "limits.max_body_bytes") + "a size cannot be negative");
  e = errorOf(minimal("[limits]\nmax_body_bytes = \"1GiB\"\n"));
  EXPECT_EQ(e, at(7, "limits.max_body_bytes") + "must be from 1KiB to 100MiB (got 1GiB)");
}

TEST_F(ConfigTest, BadIntegerRange) {
  std::string e = errorOf(minimal("[queue]\nmax_attempts = 0\n"));
  EXPECT_EQ(e, at(7, "queue.max_attempts") + "must be from 1 to 100 (got 0)");
}

TEST_F(ConfigTest, BadUrl) {
  std::string e = errorOf(
      "[server]\npublic_base_url = \"ftp://triggerd.example.com\"\n[security]\nmaster_key_file "
      "= \"master.key\"\nadmin_token_sha256 = [\"" +
      std::string(kTokenHash) + "\"]\n");
  EXPECT_EQ(e.rfind(at(2, "server.public_base_url") +
                        "\"ftp://triggerd.example.com\" is not a usable URL: only http and https",
                    0),
            0u)
      << e;
  e = errorOf(minimal("[github]\napi_url = \"https://ghe.example.com/api/v3?x\"\n"));
  EXPECT_EQ(e.rfind(at(7, "github.api_url"), 0), 0u) << e;
  EXPECT_NE(e.find("query or fragment"), std::string::npos) << e;
}

TEST_F(ConfigTest, BadLogLevel) {
  std::string e = errorOf(withServer("log_level = \"verbose\""));
  EXPECT_EQ(e, at(3, "server.log_level") +
                   "\"verbose\" is not a log level; use debug, info, warn or error");
}

TEST_F(ConfigTest, MissingRequiredKeyReportsItsTableLine) {
  std::string e = errorOf("[security]\nmaster_key_file = \"master.key\"\nadmin_token_sha256 = [\"" +
                          std::string(kTokenHash) + "\"]\n[server]\nlog_level = \"info\"\n");
  EXPECT_EQ(e, at(4, "server.public_base_url") +
                   "required; e.g. public_base_url = \"https://triggerd.example.com\"");
}

TEST_F(ConfigTest, MissingRequiredKeyAndTableReportsLineZero) {
  std::string e = errorOf("[server]\npublic_base_url = \"https://t.example.com\"\n");
  EXPECT_TRUE(hasLine(e, at(0, "security.master_key_file") + "required; e.g. master_key_file = "))
      << e;
  EXPECT_TRUE(hasLine(e, at(0, "security.admin_token_sha256") + "required: at least one admin "))
      << e;
}

TEST_F(ConfigTest, EmptyAdminTokenListIsMissingRequired) {
  std::string e = errorOf(
      "[server]\npublic_base_url = \"https://t.example.com\"\n[security]\nmaster_key_file = "
      "\"master.key\"\nadmin_token_sha256 = []\n");
  EXPECT_EQ(e.rfind(at(5, "security.admin_token_sha256") + "required: at least one admin token", 0),
            0u)
      << e;
}

TEST_F(ConfigTest, AdminTokenThatIsNotAHashIsRefusedWithoutEchoingIt) {
  std::string text = minimal();
  text.replace(text.find(kTokenHash), 64, "ghp_rawTokenPasted");
  std::string e = errorOf(text);
  EXPECT_EQ(e.rfind(at(5, "security.admin_token_sha256") + "item 1: not a SHA-256 digest", 0), 0u)
      << e;
  EXPECT_EQ(e.find("ghp_rawTokenPasted"), std::string::npos) << e;
}

TEST_F(ConfigTest, AdminTokenHashFilesAreMerged) {
  std::string upper(kTokenHash);
  for (char& ch : upper) ch = static_cast<char>(toupper(ch));
  dir_.write("tokens.sha256", "# ops team\n\n" + std::string(64, 'b') + "  -\n" + upper + "\n",
             0644);
  auto r = parseConfig(
      "[server]\npublic_base_url = \"https://t.example.com\"\n[security]\nmaster_key_file = "
      "\"master.key\"\nadmin_token_sha256 = [\"" +
          std::string(64, 'A') + "\"]\nadmin_token_sha256_files = [\"tokens.sha256\"]\n",
      path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->admin_token_sha256,
            (std::vector<std::string>{std::string(64, 'a'), std::string(64, 'b'), kTokenHash}));
  EXPECT_EQ(r->admin_token_sha256_files, std::vector<std::string>{dir_.file("tokens.sha256")});

  dir_.write("tokens.sha256", "\nghp_rawTokenPasted\n", 0600);
  std::string e = errorOf(withSecurity("admin_token_sha256_files = [\"tokens.sha256\"]"));
  EXPECT_EQ(e, at(6, "security.admin_token_sha256_files") +
                   "item 1: " + dir_.file("tokens.sha256") +
                   " line 2: not a SHA-256 digest (64 hex characters)");
}

// open() of a FIFO for reading waits for a writer: a secret file that is one must be refused,
// not hang the start-up or the reload thread.
TEST_F(ConfigTest, AFifoAsSecretFileIsRefusedWithoutWaiting) {
  ASSERT_EQ(::mkfifo(dir_.file("redis.password").c_str(), 0600), 0);
  auto loading = std::async(std::launch::async, [&] {
    return errorOf(minimal("[redis]\npassword_file = \"redis.password\"\n"));
  });
  if (loading.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    int unblock = ::open(dir_.file("redis.password").c_str(), O_WRONLY);  // lets it finish
    ::close(unblock);
    ADD_FAILURE() << "loading the config waited for a writer on the FIFO";
  }
  EXPECT_EQ(loading.get(),
            at(7, "redis.password_file") + dir_.file("redis.password") + " is not a regular file");
}

TEST_F(ConfigTest, BadCidrPointsAtTheItemLine) {
  std::string e =
      errorOf(withSecurity("allowed_networks = [\n  \"10.0.0.0/8\",\n  \"192.168.1.1/16\",\n]"));
  EXPECT_EQ(e, at(8, "security.allowed_networks") +
                   "item 2: \"192.168.1.1/16\" is not a network: bits are set after the prefix; "
                   "did you mean \"192.168.0.0/16\"?");
  e = errorOf(withSecurity("allowed_networks = [\"10.0.0.0/40\"]"));
  EXPECT_EQ(e.rfind(at(6, "security.allowed_networks") + "item 1: \"10.0.0.0/40\"", 0), 0u) << e;
}

TEST_F(ConfigTest, WorldReadableKeyFileIsRefused) {
  chmod(dir_.file("master.key").c_str(), 0644);
  std::string e = errorOf(minimal());
  EXPECT_EQ(e, at(4, "security.master_key_file") + dir_.file("master.key") +
                   " is accessible to group or other (mode 0644); run: chmod 600 " +
                   dir_.file("master.key"));
  chmod(dir_.file("master.key").c_str(), 0640);
  EXPECT_NE(errorOf(minimal()).find("(mode 0640)"), std::string::npos);
  chmod(dir_.file("master.key").c_str(), 0400);
  EXPECT_TRUE(parse(minimal()).ok());
}

TEST_F(ConfigTest, KeyFileUnderCredentialsDirectoryMayBeGroupReadable) {
  std::filesystem::create_directory(dir_.file("creds"));
  dir_.write("creds/master.key", std::string(kKeyHex), 0440);
  setenv("CREDENTIALS_DIRECTORY", dir_.file("creds").c_str(), 1);
  std::string text = minimal();
  text.replace(text.find("\"master.key\""), 12, "\"$CREDENTIALS_DIRECTORY/master.key\"");
  auto r = parse(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->master_key_file, dir_.file("creds/master.key"));
  EXPECT_EQ(r->master_key.size(), 32u);
  // The same file named by its absolute path is exempt too.
  text = minimal();
  text.replace(text.find("\"master.key\""), 12, "\"" + dir_.file("creds/master.key") + "\"");
  EXPECT_TRUE(parse(text).ok());
}

TEST_F(ConfigTest, CredentialsDirectoryMustBeSetToUseIt) {
  std::string text = minimal();
  text.replace(text.find("\"master.key\""), 12, "\"${CREDENTIALS_DIRECTORY}/master.key\"");
  std::string e = errorOf(text);
  EXPECT_EQ(e.rfind(at(4, "security.master_key_file") + "$CREDENTIALS_DIRECTORY is not set", 0), 0u)
      << e;
  text = minimal();
  text.replace(text.find("\"master.key\""), 12, "\"$HOME/master.key\"");
  EXPECT_NE(errorOf(text).find("only a leading $CREDENTIALS_DIRECTORY/ is expanded"),
            std::string::npos);
}

TEST_F(ConfigTest, KeyFileWithTheWrongLengthIsRefused) {
  dir_.write("master.key", std::string(31, 'k'), 0600);
  std::string e = errorOf(minimal());
  EXPECT_EQ(e, at(4, "security.master_key_file") + dir_.file("master.key") +
                   " must hold 32 raw bytes or 64 hex characters (it has 31 bytes); create one "
                   "with: openssl rand -hex 32 > " +
                   dir_.file("master.key"));
  dir_.write("master.key", std::string(kKeyHex).substr(0, 32), 0600);
  EXPECT_NE(errorOf(minimal()).find("holds 32 hex characters (16 bytes)"), std::string::npos);
  dir_.write("master.key", std::string(kKeyHex) + "\n\n", 0600);
  EXPECT_NE(errorOf(minimal()).find("(it has 66 bytes)"), std::string::npos);
  std::filesystem::remove(dir_.file("master.key"));
  EXPECT_EQ(errorOf(minimal()), at(4, "security.master_key_file") + "cannot read " +
                                    dir_.file("master.key") + ": No such file or directory");
}

TEST_F(ConfigTest, KeyFileAcceptsRawBytesAndHex) {
  std::string raw(32, '\0');
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<char>(0xe0 + i % 16);
  dir_.write("master.key", raw, 0600);
  auto r = parse(minimal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->master_key, raw);
  dir_.write("master.key", std::string(kKeyHex) + "\r\n", 0600);
  r = parse(minimal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(static_cast<unsigned char>(r->master_key[31]), 0xff);
}

TEST_F(ConfigTest, PreviousMasterKeysAreRead) {
  dir_.write("old.key", std::string(64, 'c'), 0600);
  dir_.write("older.key", std::string(64, 'd'), 0644);
  auto r = parse(withSecurity("previous_master_key_files = [\"old.key\"]"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->previous_master_keys.size(), 1u);
  EXPECT_EQ(r->previous_master_keys[0], std::string(32, '\xcc'));
  std::string e =
      errorOf(withSecurity("previous_master_key_files = [\n  \"old.key\",\n  \"older.key\"\n]"));
  EXPECT_EQ(e.rfind(at(8, "security.previous_master_key_files") +
                        "item 2: " + dir_.file("older.key") + " is accessible to group or other",
                    0),
            0u)
      << e;
}

TEST_F(ConfigTest, RedisHostNameIsRefused) {
  std::string e = errorOf(minimal("[redis]\naddress = \"redis.internal:6379\"\n"));
  EXPECT_EQ(e, at(7, "redis.address") +
                   "host \"redis.internal\" must be an IP address or the address must be "
                   "unix:/path: hiredis resolves host names with a blocking lookup on the event "
                   "loop");
  e = errorOf(minimal("[redis]\naddress = \"127.0.0.1\"\n"));
  EXPECT_EQ(e.rfind(at(7, "redis.address") + "\"127.0.0.1\" is not a listen address: missing", 0),
            0u)
      << e;
}

TEST_F(ConfigTest, ListenersMustDiffer) {
  std::string e = errorOf(withServer("public_listen = \"127.0.0.1:8081\""));
  EXPECT_EQ(e, at(1, "server.admin_listen") +
                   "\"127.0.0.1:8081\" overlaps server.public_listen \"127.0.0.1:8081\"; the two "
                   "listeners need different addresses");
  e = errorOf(withServer("public_listen = \"0.0.0.0:9000\"\nadmin_listen = \"127.0.0.1:9000\""));
  EXPECT_EQ(e.rfind(at(4, "server.admin_listen") + "\"127.0.0.1:9000\" overlaps", 0), 0u) << e;
  EXPECT_TRUE(
      parse(withServer("public_listen = \"127.0.0.1:9000\"\nadmin_listen = \"127.0.0.2:9000\""))
          .ok());
  e = errorOf(withServer("admin_listen = \"localhost:8081\""));
  EXPECT_EQ(e.rfind(at(3, "server.admin_listen") + "\"localhost:8081\" is not a listen address", 0),
            0u)
      << e;
}

TEST_F(ConfigTest, GithubClientIdNeedsASecretFile) {
  std::string e = errorOf(minimal("[github]\nclient_id = \"Iv1.abc\"\n"));
  EXPECT_EQ(
      e.rfind(at(6, "github.client_secret_file") + "required when github.client_id is set", 0), 0u)
      << e;
  dir_.write("gh.secret", "", 0600);
  e = errorOf(minimal("[github]\nclient_id = \"Iv1.abc\"\nclient_secret_file = \"gh.secret\"\n"));
  EXPECT_EQ(e, at(8, "github.client_secret_file") + dir_.file("gh.secret") + " is empty");
  dir_.write("gh.secret", "topsecretvalue\n", 0600);
  auto r =
      parse(minimal("[github]\nclient_id = \"Iv1.abc\"\nclient_secret_file = \"gh.secret\"\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->github_client_secret, "topsecretvalue");
  e = errorOf(minimal("[github]\nclient_secret_file = \"gh.secret\"\n"));
  EXPECT_EQ(e, at(6, "github.client_id") + "required when github.client_secret_file is set");
}

TEST_F(ConfigTest, OutboundTimeoutsMustNest) {
  std::string e =
      errorOf(minimal("[outbound]\nconnect_timeout = \"30s\"\ntotal_timeout = \"10s\"\n"));
  EXPECT_EQ(e, at(8, "outbound.total_timeout") + "must be at least outbound.connect_timeout (30s)");
}

TEST_F(ConfigTest, SpoolKeysAreStoredAndChecked) {
  auto r =
      parse(minimal("[spool]\ndir = \"spool\"\nmax_bytes = \"64MiB\"\nsegment_bytes = \"4MiB\"\n"
                    "max_age = \"12h\"\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->spool_dir, dir_.file("spool"));
  EXPECT_EQ(r->spool_max_bytes, 64u << 20);
  EXPECT_EQ(r->spool_segment_bytes, 4u << 20);
  EXPECT_EQ(r->spool_max_age, seconds(12 * 3600));

  std::string e = errorOf(minimal("[spool]\nmax_bytes = \"8MiB\"\nsegment_bytes = \"6MiB\"\n"));
  EXPECT_EQ(e, at(8, "spool.segment_bytes") +
                   "must be at most half of spool.max_bytes (8MiB), so that deleting consumed "
                   "segments can free space");
  e = errorOf(minimal("[queue]\ndelivery_ttl = \"20h\"\n[spool]\nmax_age = \"20h\"\n"));
  EXPECT_EQ(e, at(9, "spool.max_age") +
                   "must be shorter than queue.delivery_ttl (20h): a delivery replayed after its "
                   "id was forgotten could build twice");
  e = errorOf(minimal("[spool]\nmax_age = \"90500ms\"\n"));
  EXPECT_EQ(e, at(7, "spool.max_age") + "must be a whole number of seconds");
}

TEST_F(ConfigTest, EveryErrorIsReportedInLineOrder) {
  std::string e = errorOf(
      minimal("[limits]\nmax_connections = 0\nrequest_timeout = \"fast\"\n[redis]\naddress = "
              "\"redis:6379\"\n[webhook]\n"));
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < e.size();) {
    size_t end = e.find('\n', pos);
    if (end == std::string::npos) end = e.size();
    lines.push_back(e.substr(pos, end - pos));
    pos = end + 1;
  }
  ASSERT_EQ(lines.size(), 4u) << e;
  EXPECT_EQ(lines[0].rfind(at(7, "limits.max_connections"), 0), 0u) << e;
  EXPECT_EQ(lines[1].rfind(at(8, "limits.request_timeout"), 0), 0u) << e;
  EXPECT_EQ(lines[2].rfind(at(10, "redis.address"), 0), 0u) << e;
  EXPECT_EQ(lines[3], at(11, "webhook") + "unknown table; did you mean [webhooks]?") << e;
}

TEST_F(ConfigTest, SecretsNeverAppearInErrors) {
  dir_.write("redis.password", "hunter2-very-secret\n", 0644);
  dir_.write("master.key", "hunter3-very-secret-but-too-short", 0600);
  std::string e =
      errorOf(minimal("[redis]\npassword_file = \"redis.password\"\n[github]\n"
                      "client_id = \"Iv1.abc\"\n"));
  EXPECT_EQ(e.find("hunter"), std::string::npos) << e;
}

TEST_F(ConfigTest, LoadConfigReadsTheFile) {
  dir_.write("triggerd.toml", minimal());
  auto r = loadConfig(dir_.file("triggerd.toml"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->path, dir_.file("triggerd.toml"));
  auto missing = loadConfig(dir_.file("absent.toml"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.rfind(dir_.file("absent.toml") + ":0: cannot open", 0), 0u);
}

TEST_F(ConfigTest, RelativePathsResolveAgainstTheConfigDirectory) {
  std::filesystem::create_directories(dir_.file("etc/keys"));
  dir_.write("etc/keys/master.key", std::string(kKeyHex), 0600);
  std::string text = minimal();
  text.replace(text.find("\"master.key\""), 12, "\"keys/../keys/master.key\"");
  auto r = parseConfig(text, dir_.file("etc/triggerd.toml"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->master_key_file, dir_.file("etc/keys/master.key"));
}

}  // namespace
}  // namespace triggerd::testing
