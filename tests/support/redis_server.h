// A real redis-server on a free loopback port, private to one test, plus a blocking client.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "redis/redis_client.h"
#include "tests/support/subprocess.h"

struct redisContext;

namespace triggerd::testing {

class RedisServer {
 public:
  struct Options {
    bool appendonly = true;
    std::string password;                      // requirepass when set
    int port = 0;                              // 0: a free port
    std::vector<std::string> extra_args = {};  // appended to the command line ("--replicaof", ...)
    // "always" makes every acknowledged write durable before its reply. Redis's default,
    // "everysec", may postpone the write behind a slow background fsync and answer meanwhile,
    // so even a process crash (SIGKILL) can lose up to two seconds of acknowledged writes.
    std::string appendfsync = "everysec";
  };
  RedisServer();
  explicit RedisServer(Options options);
  ~RedisServer();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_.path(); }

  // Blocking command on a private connection; Redis errors come back as kError values.
  RedisValue cmd(const std::vector<std::string>& argv);
  // Stops the server (for outage tests) and starts it again on the same port and data dir.
  void stop();
  void start();
  // The server process, for SIGSTOP/SIGCONT (a frozen Redis) and SIGKILL tests.
  pid_t pid() const;

 private:
  Options options_;
  TempDir dir_;
  int port_;
  std::unique_ptr<Subprocess> proc_;
  redisContext* ctx_ = nullptr;
};

// One command on a blocking hiredis connection, for tests; throws when the connection fails.
RedisValue blockingCommand(redisContext* ctx, const std::vector<std::string>& argv);

}  // namespace triggerd::testing
