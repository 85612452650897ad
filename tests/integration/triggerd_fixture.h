// Integration fixture: a real redis-server and the real triggerd binary on free loopback ports,
// configured from a temp dir, plus helpers to call its public and admin listeners.
#pragma once

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/fixtures.h"
#include "tests/support/http_call.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct TriggerdOptions {
  std::string extra_toml;      // appended to the generated config (extra tables)
  std::string security_extra;  // lines added to [security]
  std::string github_extra;    // lines added to [github]
  std::string limits_toml;     // the [limits] table body
  std::string redis_extra;     // lines added to [redis]
  bool redis_appendonly = true;
  std::string redis_appendfsync = "everysec";  // RedisServer::Options::appendfsync
  bool wait_ready = true;
  std::map<std::string, std::string> files;  // written into the config dir before start
  std::map<std::string, std::string> env;    // extra environment of the daemon
  std::string master_key_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  std::vector<std::string> previous_master_keys_hex;
  // The public base URL is the public listener itself (http://127.0.0.1:port), so the fake
  // providers' deliveries to installed hooks, and a browser on this machine, reach this triggerd.
  bool public_base_url_is_listener = false;
  std::string public_base_url;  // verbatim when set (replicas behind one URL)
  // Another instance's redis-server to share (two triggerd processes on one Redis); the public
  // listener's port of `public_port` likewise (0: a free one).
  RedisServer* shared_redis = nullptr;
  int public_port = 0;
  std::string server_extra;       // lines added to [server]
  std::vector<std::string> args;  // more command-line arguments, e.g. {"--set", "k=v"}
};

class TriggerdInstance {
 public:
  explicit TriggerdInstance(TriggerdOptions options = {});
  ~TriggerdInstance();

  // Starts (or restarts) the daemon and, unless told otherwise, waits for /readyz.
  void start();
  // Stops the daemon, rewrites its key files and config, and starts it again.
  void restartWithKeys(const std::string& master_key_hex,
                       const std::vector<std::string>& previous_hex);
  int stop(int sig = 15);
  Subprocess& process() { return *proc_; }
  // Whether the daemon's own admin listener answers /readyz with 200.
  bool ready();
  RedisServer& redis() { return *redis_; }
  // Replaces the config's extra TOML and restarts the daemon with it.
  void restartWithExtraToml(const std::string& extra_toml);
  const TempDir& dir() const { return dir_; }
  std::string log() const { return proc_ ? proc_->log() : ""; }

  std::string publicUrl(const std::string& path) const;
  std::string adminUrl(const std::string& path) const;
  const std::string& adminToken() const { return admin_token_; }
  const std::string& configPath() const { return config_path_; }
  int publicPort() const { return public_port_; }
  int adminPort() const { return admin_port_; }

  // Admin API call with the admin bearer token (or `token` when given).
  HttpCallResult admin(const std::string& method, const std::string& path,
                       const std::string& body = "", const std::string& token = "");
  HttpCallResult post(const std::string& path, const std::string& body, const Headers& headers);

  // Creates a manual-hook trigger and returns {id, secret}.
  std::pair<std::string, std::string> createTrigger(const std::string& user,
                                                    const std::string& provider,
                                                    const std::string& repository,
                                                    const std::string& rules_json);
  // Number of entries in the job stream.
  long long streamLength();
  // Every job JSON in the stream, oldest first.
  std::vector<std::string> streamJobs();

 private:
  void writeConfig();

  TriggerdOptions options_;
  TempDir dir_;
  std::unique_ptr<RedisServer> own_redis_;
  RedisServer* redis_ = nullptr;
  std::unique_ptr<Subprocess> proc_;
  int public_port_ = 0;
  int admin_port_ = 0;
  std::string admin_token_;
  std::string config_path_;
};

// The binaries under test: $TRIGGERD_BIN / $TRIGGERCTL_BIN / $TRIGGERD_RUNNER_BIN, else the
// ones this build made.
inline std::string triggerdBinary() {
  const char* env = getenv("TRIGGERD_BIN");
  return env && *env ? env : TRIGGERD_BIN_DEFAULT;
}
inline std::string triggerctlBinary() {
  const char* env = getenv("TRIGGERCTL_BIN");
  return env && *env ? env : TRIGGERCTL_BIN_DEFAULT;
}
inline std::string runnerBinary() {
  const char* env = getenv("TRIGGERD_RUNNER_BIN");
  return env && *env ? env : TRIGGERD_RUNNER_BIN_DEFAULT;
}

// A GitHub push fixture as GitHub would send it now: repository.pushed_at set to the current
// time (triggerd refuses pushes older than its delivery window as replays). A `variant` other
// than 0 also gives the push another head commit, so it is a different push, not a replay.
std::string githubPush(const std::string& relative, int variant = 0);
// Every occurrence of `from` in `text` becomes `to`.
void replaceAll(std::string& text, const std::string& from, const std::string& to);

}  // namespace triggerd::testing
