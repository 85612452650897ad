// triggerd-runner's configuration as the rest of the runner sees it: plain values, already
// validated. Every key, its default and its help text live in one table in
// runner_config_schema.cpp; docs/runner.md and runner/triggerd-runner.example.toml mirror it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"

namespace triggerd {

struct RunnerConfig {
  std::string path;  // the file it was loaded from

  // [runner]
  std::string name;  // the consumer name in the group "runners"; default: the host name
  std::string work_dir = "/var/lib/triggerd-runner/jobs";  // one subdirectory per job
  int concurrency = 1;                                     // jobs built at once
  std::chrono::milliseconds stop_grace{300000};            // SIGTERM: jobs in hand get this long
  std::string log_level = "info";
  std::string metrics_listen;  // "127.0.0.1:9464" or "unix:/path": GET /metrics; empty: off

  // [redis]
  std::string redis_address = "127.0.0.1:6379";
  // Redis Cluster: some of its nodes; when set, redis_address is not used and keys carry the
  // cluster's hash tags (as triggerd's redis.cluster_nodes).
  std::vector<std::string> redis_cluster_nodes;
  std::string redis_password_file;
  std::string redis_password;  // read from password_file; never logged
  std::string key_prefix = "triggerd:";
  std::chrono::milliseconds redis_connect_timeout{2000};
  std::chrono::milliseconds redis_command_timeout{2000};

  // [queue]
  std::chrono::milliseconds visibility_timeout{900000};  // as triggerd's queue.visibility_timeout

  // [api]
  std::string api_url;  // triggerd's admin API base, e.g. "http://127.0.0.1:8081"
  std::string api_token_file;
  std::string api_token;  // the runner token, read from token_file; never logged
  std::string api_ca_file;
  std::string api_ca_pem;  // read from ca_file
  std::chrono::milliseconds api_timeout{15000};

  // [build]
  std::vector<std::string> commands;  // command templates (runner/command_template.h)
  std::vector<std::string> cleanup;   // run after every job, whatever its outcome
  std::chrono::milliseconds build_timeout{3600000};  // the whole job: clone, build, push
  std::chrono::milliseconds kill_grace{10000};       // SIGTERM to SIGKILL of a process group
  std::vector<std::string> pass_environment;         // variables handed to build commands
  size_t log_chunk_bytes = 16 * 1024;                // one log stream entry at most
  std::chrono::milliseconds log_flush_interval{1000};
  int log_max_entries = 10000;  // MAXLEN ~ of a job's log stream

  // Derived: keep-alive XCLAIMs run this often (a third of the visibility timeout).
  std::chrono::milliseconds keepaliveInterval() const { return visibility_timeout / 3; }
};

// Loads and validates a TOML file. Every problem is reported, one per line, as
// "file:line key: why". Secret files (Redis password, runner token) and the CA file are read
// here, before the loop runs. Never throws.
Result<RunnerConfig> loadRunnerConfig(const std::string& path);
// Parses TOML text (tests); `path` labels errors and anchors relative paths.
Result<RunnerConfig> parseRunnerConfig(const std::string& toml_text, const std::string& path);
// The effective configuration as TOML, every key (secrets only as "<set>"/"<unset>").
std::string renderRunnerConfig(const RunnerConfig& config);
// The reference table of every key as Markdown: the generated part of docs/runner.md.
std::string renderRunnerConfigReference();

}  // namespace triggerd
