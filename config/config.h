// The daemon's configuration as the rest of the code sees it: plain values, already validated.
// Every key, its default, whether SIGHUP may change it and its help text live in one table in
// config_schema.cpp; docs/configuration.md and config/triggerd.example.toml mirror it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace triggerd {

struct ListenAddress {
  std::string host;  // IPv4/IPv6 literal, or empty with unix_path
  uint16_t port = 0;
  std::string unix_path;  // "unix:/run/triggerd/admin.sock"
  std::string text;       // as written in the config
};

struct Config {
  std::string path;  // the file it was loaded from
  // `--set KEY=VALUE` overrides laid over the file, applied again on every reload.
  std::vector<std::string> overrides;

  // [server]
  // webhooks, OAuth callback, health
  ListenAddress public_listen{"0.0.0.0", 8080, "", "0.0.0.0:8080"};
  // /api/v1, /metrics; "127.0.0.1:8081" or "unix:/path"
  ListenAddress admin_listen{"127.0.0.1", 8081, "", "127.0.0.1:8081"};
  std::string public_base_url;  // "https://triggerd.example.com": used in hook URLs (no trailing /)
  std::string log_level = "info";
  bool reuse_port = false;  // SO_REUSEPORT on the public listener: processes share its port

  // [limits]
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_header_bytes = 64 * 1024;
  std::chrono::milliseconds request_timeout{10000};  // whole request, first byte to last
  std::chrono::milliseconds idle_timeout{30000};     // keep-alive between requests
  int max_connections = 1024;                        // per listener; beyond it accept pauses
  int max_connections_per_address = 256;             // public listener; 0: no limit

  // [redis]
  std::string redis_address = "127.0.0.1:6379";  // host:port (IP literal) or unix:/path
  ListenAddress redis_endpoint{"127.0.0.1", 6379, "", "127.0.0.1:6379"};  // redis_address, parsed
  std::string redis_password;  // read from password_file; never logged
  std::string redis_password_file;
  std::string key_prefix = "triggerd:";
  bool allow_volatile_redis = false;
  std::chrono::milliseconds redis_connect_timeout{2000};
  std::chrono::milliseconds redis_command_timeout{2000};
  std::chrono::milliseconds redis_ping_interval{1000};
  // High availability (docs/redis-ha.md): Sentinel or Cluster, at most one of them.
  std::vector<std::string> redis_sentinels;  // "ip:port" of each sentinel; empty: no Sentinel
  std::string redis_master_name;             // the primary's name at the sentinels
  std::string redis_sentinel_password;       // read from sentinel_password_file; never logged
  std::string redis_sentinel_password_file;
  std::vector<std::string> redis_cluster_nodes;  // "ip:port" seeds; non-empty: Redis Cluster
  int redis_wait_replicas = 0;                   // WAIT after each enqueue; 0: no WAIT
  std::chrono::milliseconds redis_wait_timeout{500};

  // [queue]
  std::chrono::seconds visibility_timeout{900};
  int max_attempts = 3;
  std::chrono::seconds delivery_ttl{72 * 3600};
  std::chrono::seconds job_retention{7 * 86400};  // job records, logs and job lists
  int history_length = 100;                       // job ids kept per trigger
  int user_history_length = 1000;                 // job ids kept per user
  std::chrono::milliseconds reclaim_interval{30000};

  // [statuses]
  bool statuses_enabled = true;
  std::string status_target_url;  // template: {job}, {user}, {trigger}
  int status_max_attempts = 6;
  std::chrono::milliseconds status_retry_delay{2000};

  // [runners]
  std::chrono::seconds credentials_ttl{900};

  // [security]
  std::string master_key_file;  // 32 raw bytes or 64 hex chars; mode 0400/0600
  std::string master_key;       // the 32 raw key bytes read from master_key_file
  std::vector<std::string> previous_master_key_files;  // older keys, still opened (rotation)
  std::vector<std::string> previous_master_keys;       // 32 raw bytes each, same order
  std::vector<std::string> admin_token_sha256;         // hex SHA-256 of each admin bearer token
                                                       // (inline ones, then those read from files)
  std::vector<std::string> admin_token_sha256_files;   // files of hashes, one per line
  std::vector<std::string> allowed_networks;  // CIDRs outbound calls may reach despite SSRF guard

  // [github]
  std::string github_api_url = "https://api.github.com";
  std::string github_oauth_url = "https://github.com";
  std::string github_client_id;
  std::string github_client_secret;  // read from client_secret_file
  std::string github_client_secret_file;
  std::vector<std::string> github_scopes{"repo"};
  std::string github_oauth_success_url;  // where the callback redirects; empty: an HTML page
  std::string github_oauth_handoff_url;  // API-started flows hand their code here; empty: none

  // [tokens]
  std::chrono::seconds token_check_interval{3600};
  std::chrono::seconds token_expiry_warning{7 * 86400};

  // [outbound]
  std::chrono::milliseconds outbound_connect_timeout{5000};
  std::chrono::milliseconds outbound_total_timeout{15000};
  size_t outbound_max_response_bytes = 8 * 1024 * 1024;
  std::string user_agent = "triggerd/0.1";
  std::string outbound_proxy;            // "" or http://IP:port
  bool allow_plain_http_gitlab = false;  // http:// GitLab outside allowed_networks
  bool allow_core_dumps = false;

  // [spool] (spool/spool.h, docs/spool.md)
  std::string spool_dir;  // where deliveries wait while Redis cannot take them; empty: no spool
  size_t spool_max_bytes = size_t{1} << 30;              // segment files on disk
  size_t spool_segment_bytes = size_t{16} << 20;         // a segment is closed at this size
  std::chrono::seconds spool_max_age{24 * 3600};         // older records are moved aside
  std::chrono::milliseconds spool_redis_deadline{1000};  // then the delivery is spooled

  // [webhooks]
  std::chrono::seconds secret_rotation_grace{86400};  // old hook secret still verifies this long
  std::chrono::seconds signature_tolerance{300};      // Standard Webhooks timestamp window

  // [hooks]
  std::chrono::seconds hooks_reconcile_interval{3600};   // every installed hook repaired this often
  std::chrono::seconds hooks_startup_delay{10};          // first pass after start-up
  int hooks_max_concurrency = 8;                         // triggers worked on at once in a job
  std::chrono::seconds hooks_max_rate_limit_wait{3600};  // background work waits out limits
  std::chrono::seconds hooks_recover_window{72 * 3600};  // failed deliveries looked for back to

  // [triggers]
  int max_triggers_per_user = 200;
  int max_rule_program_size = 20000;      // RE2 instructions per trigger, all patterns together
  int rule_cache_program_size = 5000000;  // RE2 instructions kept compiled, all triggers
  std::chrono::milliseconds trigger_cache_max_age{1000};  // a trigger read this recently is reused
  int manual_run_limit = 10;                              // manual runs per trigger per window
  std::chrono::seconds manual_run_window{60};

  // [console]
  std::chrono::seconds session_idle_timeout{1800};   // an unused session ends
  std::chrono::seconds session_lifetime{12 * 3600};  // a session ends, however busy
};

// Loads and validates a TOML file. Every problem found is reported, one per line of the
// message, each as "file:line key: why" (for a missing key, the line of its [table], or 0 when
// the table is missing too); a TOML syntax error reads "file:line:col: ...". Relative file
// paths resolve against the config file's directory; a leading "$CREDENTIALS_DIRECTORY/" is
// replaced by that environment variable (systemd LoadCredential=). Secret files are read here,
// at start-up or reload, never on the loop. Never throws.
//
// `overrides` are "KEY=VALUE" items (`triggerd --set`) laid over the file before it is checked:
// one process of several sharing a file gets its own spool.dir or admin_listen this way. VALUE
// is a TOML value when it reads as one (true, 8080, "text") and a string otherwise; problems
// with them are reported as "--set KEY: why".
Result<Config> loadConfig(const std::string& path, const std::vector<std::string>& overrides = {});
// Parses TOML text (tests); `path` labels error messages and its directory anchors relative
// paths, but is not read. Secret files are still read.
Result<Config> parseConfig(const std::string& toml_text, const std::string& path,
                           const std::vector<std::string>& overrides = {});
// Lists the keys whose change needs a restart that differ between two configs.
std::vector<std::string> nonReloadableChanges(const Config& running, const Config& next);
// Parses "host:port", "[v6]:port" or "unix:/path".
Result<ListenAddress> parseListenAddress(const std::string& text, const std::string& key);
// The effective configuration as TOML text, every key in schema order (defaults included);
// secret file contents appear only as "<set>" / "<unset>". For `triggerd --check-config`.
std::string renderEffectiveConfig(const Config& config);
// The reference table of every key (type, default, reloadable, meaning) as Markdown; the
// generated part of docs/configuration.md.
std::string renderConfigReference();

}  // namespace triggerd
