// A real Redis Cluster on loopback for one test: `primaries` redis-server processes with
// cluster-enabled, joined by `redis-cli --cluster create` (slots split evenly, no replicas), and
// helpers to reach the node owning a key and to move a slot by hand (a resharding).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "redis/redis_client.h"
#include "tests/support/redis_server.h"

namespace triggerd::testing {

class RedisCluster {
 public:
  explicit RedisCluster(int primaries = 3);

  size_t size() const { return nodes_.size(); }
  RedisServer& node(size_t i) { return *nodes_[i]; }
  // "127.0.0.1:port" of every node, for redis.cluster_nodes.
  std::vector<std::string> addresses() const;
  // The index of the node serving `slot` (CLUSTER SLOTS on node 0).
  size_t ownerOf(int slot);
  // A blocking command on the node serving `key`'s slot.
  RedisValue cmdFor(const std::string& key, const std::vector<std::string>& argv);
  // Moves `slot` and its keys to node `to` the way redis-cli --cluster reshard does: SETSLOT
  // IMPORTING on the target, MIGRATING on the source, MIGRATE every key, SETSLOT NODE on every
  // node. With `keep_migrating`, stops after the keys moved and leaves the slot MIGRATING on the
  // source (commands for moved keys there answer ASK); finishMove() completes it.
  void moveSlot(int slot, size_t to, bool keep_migrating = false);
  void finishMove(int slot, size_t to);
  std::string nodeId(size_t i);
  // True when every node reports cluster_state:ok and agrees on the owner of every slot.
  bool healthy();

 private:
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace triggerd::testing
