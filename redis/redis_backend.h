// RedisBackend: the RedisClient the daemon owns and runs: one Redis (HiredisClient), the primary
// Sentinel names (SentinelClient) or a Redis Cluster (ClusterClient). Callers that only send
// commands see the RedisClient; the owner also starts it, learns when it is up or down, reads its
// counters and describes it in /readyz and logs. makeRedisBackend() picks the kind.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "redis/redis_client.h"

namespace triggerd {

// Errors and events by kind, for metrics. Monotonic counters; a backend of several connections
// sums theirs.
struct RedisStats {
  uint64_t connects = 0;            // connections that completed the handshake
  uint64_t connect_failures = 0;    // TCP connect errors and connect timeouts
  uint64_t auth_failures = 0;       // AUTH or the handshake PING refused (wrong password, ...)
  uint64_t disconnects = 0;         // ready connections lost, for any reason
  uint64_t command_timeouts = 0;    // connections closed because a command timed out
  uint64_t failed_unavailable = 0;  // commands failed fast while not connected
  uint64_t failed_in_flight = 0;    // commands failed by a timeout or a lost connection
  uint64_t error_replies = 0;       // Redis error replies (delivered as kError values)
  uint64_t not_primary = 0;         // a server that answered ROLE or a write as a replica
  uint64_t discovery_failures = 0;  // no sentinel (or cluster node) could name where to connect
  uint64_t primary_changes = 0;     // Sentinel: connected to another primary than before
  uint64_t replication_short = 0;   // WAIT counted fewer replicas than redis.wait_replicas
  uint64_t moved = 0;               // Cluster: MOVED redirections followed
  uint64_t ask = 0;                 // Cluster: ASK redirections followed
  uint64_t slot_map_refreshes = 0;  // Cluster: CLUSTER SLOTS read
};

inline RedisStats& operator+=(RedisStats& a, const RedisStats& b) {
  a.connects += b.connects;
  a.connect_failures += b.connect_failures;
  a.auth_failures += b.auth_failures;
  a.disconnects += b.disconnects;
  a.command_timeouts += b.command_timeouts;
  a.failed_unavailable += b.failed_unavailable;
  a.failed_in_flight += b.failed_in_flight;
  a.error_replies += b.error_replies;
  a.not_primary += b.not_primary;
  a.discovery_failures += b.discovery_failures;
  a.primary_changes += b.primary_changes;
  a.replication_short += b.replication_short;
  a.moved += b.moved;
  a.ask += b.ask;
  a.slot_map_refreshes += b.slot_map_refreshes;
  return a;
}

class RedisBackend : public RedisClient {
 public:
  // Starts connecting; from then on it reconnects with backoff forever after a failure or loss.
  virtual void start() = 0;
  // State notifications, each on a later loop turn: on_connected every time the backend becomes
  // able to serve every command; on_disconnected(reason) when it stops being able to. Set before
  // start().
  virtual void setStateCallbacks(
      std::function<void()> on_connected,
      std::function<void(const std::string& reason)> on_disconnected) = 0;
  virtual RedisStats counters() const = 0;
  // Where commands go, for /readyz and logs: "127.0.0.1:6379", "sentinel master mymaster at
  // 10.0.0.5:6379", "cluster of 3 primaries".
  virtual std::string describe() const = 0;
  // Why the backend is not connected (empty once connected): for /readyz and logs.
  virtual std::string lastError() const = 0;
  // Commands written to Redis whose reply has not arrived.
  virtual size_t inFlight() const = 0;
  // While urgent (deliveries are waiting for Redis), reconnect attempts are at most 200 ms apart
  // instead of backing off up to the maximum.
  virtual void setUrgent(bool urgent) = 0;
};

}  // namespace triggerd
