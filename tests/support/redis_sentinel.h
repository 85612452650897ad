// A real Redis Sentinel setup on loopback for one test: a primary, `replicas` replicas of it
// (--replicaof) and `sentinels` redis-sentinel processes (redis-server --sentinel) monitoring it
// under one name with a quorum of two, a 1 s down-after and a short failover timeout, so a
// failover (SENTINEL FAILOVER, or the primary killed) completes within a few seconds.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "redis/redis_client.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {

class RedisSentinelSet {
 public:
  static constexpr const char* kMasterName = "triggerd-primary";

  explicit RedisSentinelSet(int replicas = 1, int sentinels = 3);
  ~RedisSentinelSet();

  // Server 0 starts as the primary, the others as its replicas.
  RedisServer& server(size_t i) { return *servers_[i]; }
  size_t servers() const { return servers_.size(); }
  std::vector<std::string> sentinelAddresses() const;
  // A blocking command on sentinel i.
  RedisValue sentinelCmd(size_t i, const std::vector<std::string>& argv);
  // The primary as sentinel 0 names it, and the index of that server.
  std::string primaryAddress();
  size_t primaryIndex();
  // True when every sentinel knows the primary, its replicas and the other sentinels, and every
  // replica is in sync: a failover can then be started.
  bool ready();
  // SENTINEL FAILOVER on sentinel 0 (a replica is promoted, the primary demoted).
  RedisValue failover();
  // Waits until the sentinels name a primary other than `old_address` and it answers ROLE master.
  bool waitForNewPrimary(const std::string& old_address,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  struct Sentinel {
    int port = 0;
    TempDir dir;
    std::unique_ptr<Subprocess> proc;
  };
  std::vector<std::unique_ptr<RedisServer>> servers_;
  std::vector<std::unique_ptr<Sentinel>> sentinels_;
};

}  // namespace triggerd::testing
