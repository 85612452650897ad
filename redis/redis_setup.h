// Which RedisBackend to run, from plain settings: one Redis (HiredisClient), the primary named by
// Sentinel (SentinelClient) or a Redis Cluster (ClusterClient).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "loop/event_loop.h"
#include "redis/redis_backend.h"

namespace triggerd {

struct RedisSetup {
  std::string address;                 // one Redis: "ip:port", "[ipv6]:port" or "unix:/path"
  std::vector<std::string> sentinels;  // non-empty: Sentinel
  std::string master_name;
  std::string sentinel_password;
  std::vector<std::string> cluster_nodes;  // non-empty: Cluster
  std::string home_key;                    // Cluster: keyless commands go to this key's primary
  std::string password;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::milliseconds check_interval{1000};  // Sentinel and Cluster: topology checks
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
};

std::unique_ptr<RedisBackend> makeRedisBackend(EventLoop& loop, const RedisSetup& setup);

}  // namespace triggerd
