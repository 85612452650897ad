#include "tests/support/redis_cluster.h"

#include <stdexcept>

#include "redis/cluster_map.h"
#include "redis/cluster_slots.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {

RedisCluster::RedisCluster(int primaries) {
  for (int i = 0; i < primaries; ++i) {
    RedisServer::Options o;
    // Redis refuses a cluster node above port 55535 (its bus listens 10000 higher).
    do o.port = freePort();
    while (o.port > 55535);
    o.extra_args = {"--cluster-enabled",      "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000"};
    nodes_.push_back(std::make_unique<RedisServer>(o));
  }
  std::vector<std::string> argv{"redis-cli", "--cluster", "create"};
  for (const auto& a : addresses()) argv.push_back(a);
  argv.push_back("--cluster-yes");
  TempDir dir;
  Subprocess create(argv, dir.file("create.log"));
  if (create.wait(std::chrono::seconds(30)) != 0)
    throw std::runtime_error("redis-cli --cluster create failed: " + create.log());
  if (!waitUntil([this] { return healthy(); }, std::chrono::seconds(20)))
    throw std::runtime_error("the test cluster did not become healthy");
}

std::vector<std::string> RedisCluster::addresses() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(n->address());
  return out;
}

std::string RedisCluster::nodeId(size_t i) {
  return nodes_[i]->cmd({"CLUSTER", "MYID"}).str;
}

bool RedisCluster::healthy() {
  std::vector<std::string> owners;
  for (auto& n : nodes_) {
    RedisValue info = n->cmd({"CLUSTER", "INFO"});
    if (info.str.find("cluster_state:ok") == std::string::npos) return false;
    auto ranges = parseClusterSlots(n->cmd({"CLUSTER", "SLOTS"}), n->address());
    if (!ranges.ok()) return false;
    std::string view;
    for (const auto& r : *ranges)
      view += std::to_string(r.first) + "-" + std::to_string(r.last) + "@" + r.primary + ",";
    owners.push_back(view);
  }
  for (const auto& o : owners)
    if (o != owners.front()) return false;
  return true;
}

size_t RedisCluster::ownerOf(int slot) {
  auto ranges = parseClusterSlots(nodes_[0]->cmd({"CLUSTER", "SLOTS"}), nodes_[0]->address());
  if (!ranges.ok()) throw std::runtime_error(ranges.error().message);
  for (const auto& r : *ranges) {
    if (slot < r.first || slot > r.last) continue;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i]->address() == r.primary) return i;
  }
  throw std::runtime_error("no owner for slot " + std::to_string(slot));
}

RedisValue RedisCluster::cmdFor(const std::string& key, const std::vector<std::string>& argv) {
  return nodes_[ownerOf(keySlot(key))]->cmd(argv);
}

void RedisCluster::moveSlot(int slot, size_t to, bool keep_migrating) {
  size_t from = ownerOf(slot);
  if (from == to) return;
  const std::string s = std::to_string(slot);
  RedisServer& source = *nodes_[from];
  RedisServer& target = *nodes_[to];
  target.cmd({"CLUSTER", "SETSLOT", s, "IMPORTING", nodeId(from)});
  source.cmd({"CLUSTER", "SETSLOT", s, "MIGRATING", nodeId(to)});
  for (;;) {
    RedisValue keys = source.cmd({"CLUSTER", "GETKEYSINSLOT", s, "100"});
    if (keys.elements.empty()) break;
    std::vector<std::string> migrate{"MIGRATE", "127.0.0.1", std::to_string(target.port()), "", "0",
                                     "5000",    "KEYS"};
    for (const auto& k : keys.elements) migrate.push_back(k.str);
    RedisValue r = source.cmd(migrate);
    if (r.isError()) throw std::runtime_error("MIGRATE failed: " + r.str);
  }
  if (!keep_migrating) finishMove(slot, to);
}

void RedisCluster::finishMove(int slot, size_t to) {
  const std::string id = nodeId(to);
  const std::string s = std::to_string(slot);
  // The target first, as redis-cli does, so the slot is never without an owner that knows it.
  nodes_[to]->cmd({"CLUSTER", "SETSLOT", s, "NODE", id});
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (i != to) nodes_[i]->cmd({"CLUSTER", "SETSLOT", s, "NODE", id});
}

}  // namespace triggerd::testing
