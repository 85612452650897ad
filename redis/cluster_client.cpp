#include "redis/cluster_client.h"

#include <cassert>
#include <charconv>

#include "common/log.h"
#include "redis/cluster_slots.h"

namespace triggerd {

struct ClusterClient::Refresh {
  std::vector<std::string> candidates;  // node addresses, best first
  size_t next = 0;
  std::string errors;
};

namespace {

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

ClusterClient::ClusterClient(EventLoop& loop, Options options)
    : loop_(loop), options_(std::move(options)), slots_(kClusterSlots, nullptr) {
  home_slot_ = keySlot(options_.home_key);
  for (const auto& seed : options_.seeds) nodeFor(seed).seed = true;
  tick_timer_ = loop_.createTimer([this] { tick(); });
  retry_timer_ = loop_.createTimer([this] { retryWaiting(); });
}

ClusterClient::~ClusterClient() {
  // Posted tasks see alive_ expired; the nodes' clients, once gone, call nothing back.
  alive_.reset();
  on_connected_ = nullptr;
  on_disconnected_ = nullptr;
  requests_.clear();
  std::fill(slots_.begin(), slots_.end(), nullptr);
  nodes_.clear();
}

void ClusterClient::setStateCallbacks(std::function<void()> on_connected,
                                      std::function<void(const std::string&)> on_disconnected) {
  on_connected_ = std::move(on_connected);
  on_disconnected_ = std::move(on_disconnected);
}

void ClusterClient::start() {
  if (started_) return;
  started_ = true;
  for (auto& [address, node] : nodes_) node->client->start();
  refreshSlots();
  tick_timer_->arm(options_.check_interval);
}

ClusterClient::Node& ClusterClient::nodeFor(const std::string& address) {
  auto it = nodes_.find(address);
  if (it != nodes_.end()) return *it->second;
  auto node = std::make_unique<Node>();
  node->address = address;
  HiredisClient::Options o = options_.node;
  o.address = address;
  o.resolve = nullptr;
  o.require_primary = false;  // the slot map says who is primary; MOVED corrects it
  node->client = std::make_unique<HiredisClient>(loop_, std::move(o));
  node->client->setStateCallbacks([this] { evaluate(); },
                                  [this](const std::string&) {
                                    evaluate();
                                    refreshSlots();  // a failover may have moved its slots
                                  });
  node->client->setUrgent(urgent_);
  if (started_) node->client->start();
  Node& ref = *node;
  nodes_.emplace(address, std::move(node));
  return ref;
}

RedisRequestId ClusterClient::command(std::vector<std::string> argv, RedisCallback cb) {
  return commandReplicated(std::move(argv), 0, std::chrono::milliseconds(0), std::move(cb));
}

RedisRequestId ClusterClient::commandReplicated(std::vector<std::string> argv, int replicas,
                                                std::chrono::milliseconds timeout,
                                                RedisCallback cb) {
  RedisRequestId id = next_id_++;
  const int slot = commandSlot(argv);
  // The key scheme (redis/keys.h) keeps every script's and every MGET's keys in one slot.
  assert(slot != kCrossSlot && "keys of one command in different cluster slots: see keys.h");
  Request& req = requests_[id];
  req.cb = std::move(cb);
  req.replicas = replicas;
  req.wait_timeout = timeout;
  req.slot = slot == kNoKeys ? home_slot_ : slot;
  if (argv.empty()) {
    failLater(id, Error::internal("empty redis command"));
    return id;
  }
  if (slot == kCrossSlot) {
    failLater(id, Error::internal("redis cluster: the keys of one " + argv[0] +
                                  " hash to different slots; no node can run it"));
    return id;
  }
  req.argv = std::move(argv);
  Node* node = slots_[req.slot];
  if (node == nullptr) {
    own_.failed_unavailable++;
    failLater(id, Error::unavailable("redis unavailable: cluster: no primary known for slot " +
                                     std::to_string(req.slot) + " (" + lastError() + ")"));
    refreshSlots();
    return id;
  }
  dispatch(id, node, false);
  return id;
}

void ClusterClient::dispatch(RedisRequestId id, Node* node, bool asking) {
  Request& req = requests_.at(id);
  req.node = node;
  node->outstanding++;
  // ASKING admits the next command on this connection to a slot being imported.
  if (asking) node->client->command({"ASKING"}, [](Result<RedisValue>) {});
  auto on_reply = [this, id](Result<RedisValue> r) { onReply(id, std::move(r)); };
  req.sub = req.replicas > 0 ? node->client->commandReplicated(req.argv, req.replicas,
                                                               req.wait_timeout, on_reply)
                             : node->client->command(req.argv, on_reply);
}

void ClusterClient::onReply(RedisRequestId id, Result<RedisValue> reply) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  Request& req = it->second;
  std::string from;
  if (req.node) {
    req.node->outstanding--;
    from = req.node->address;
    req.node = nullptr;
  }
  if (reply.ok() && reply->isError()) {
    if (redirect(id, req, *reply)) return;
    if (startsWith(reply->str, "CLUSTERDOWN")) refreshSlots();
  } else if (!reply.ok()) {
    refreshSlots();  // the node may have failed over to its replica
  }
  complete(id, std::move(reply));
}

// MOVED <slot> <ip:port>, ASK <slot> <ip:port>, TRYAGAIN ...: true when the request was resent.
bool ClusterClient::redirect(RedisRequestId id, Request& req, const RedisValue& reply) {
  const std::string& text = reply.str;
  const bool moved = startsWith(text, "MOVED "), ask = startsWith(text, "ASK ");
  const bool again = startsWith(text, "TRYAGAIN");
  if (!moved && !ask && !again) return false;
  if (req.redirects >= options_.max_redirects) {
    TLOG_WARN("redis", "reason=too_many_redirects redirects=%d reply=%s giving up", req.redirects,
              log::logValue(text, 100).c_str());
    return false;
  }
  req.redirects++;
  if (again) {
    retryLater(id);
    return true;
  }
  size_t sp1 = text.find(' '), sp2 = text.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return false;
  int slot = -1;
  std::from_chars(text.data() + sp1 + 1, text.data() + sp2, slot);
  std::string address = text.substr(sp2 + 1);
  if (slot < 0 || slot >= kClusterSlots || address.empty()) return false;
  if (address.front() == ':') {
    // "MOVED 3999 :6380": the same host as the node that answered.
    Node* current = slots_[req.slot];
    std::string host = current ? current->address.substr(0, current->address.rfind(':')) : "";
    address = host + address;
  }
  Node& target = nodeFor(address);
  if (moved) {
    own_.moved++;
    TLOG_INFO("redis", "slot=%d addr=%s moved: following the redirection", slot,
              log::logValue(address).c_str());
    slots_[slot] = &target;
    target.primary = true;
    refreshSlots();
  } else {
    own_.ask++;
  }
  dispatch(id, &target, ask);
  return true;
}

void ClusterClient::retryLater(RedisRequestId id) {
  retry_.push_back(id);
  if (!retry_timer_->armed()) retry_timer_->arm(std::chrono::milliseconds(50));
}

void ClusterClient::retryWaiting() {
  std::vector<RedisRequestId> ids;
  ids.swap(retry_);
  for (RedisRequestId id : ids) {
    auto it = requests_.find(id);
    if (it == requests_.end()) continue;  // cancelled meanwhile
    Node* node = slots_[it->second.slot];
    if (node == nullptr) {
      complete(id, Error::unavailable("redis unavailable: cluster: no primary known for slot " +
                                      std::to_string(it->second.slot)));
      continue;
    }
    dispatch(id, node, false);
  }
}

void ClusterClient::cancel(RedisRequestId id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  if (Node* node = it->second.node) {
    node->client->cancel(it->second.sub);
    node->outstanding--;
  }
  requests_.erase(it);  // an id still in retry_ is skipped there
}

void ClusterClient::complete(RedisRequestId id, Result<RedisValue> result) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  RedisCallback cb = std::move(it->second.cb);
  requests_.erase(it);
  cb(std::move(result));  // last statement: the callback may destroy this client
}

void ClusterClient::failLater(RedisRequestId id, Error error) {
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive, id, error = std::move(error)]() mutable {
    if (alive.expired()) return;
    complete(id, std::move(error));
  });
}

void ClusterClient::refreshSlots() {
  if (!started_) return;
  if (refreshing_) {
    refresh_again_ = true;
    return;
  }
  refreshing_ = true;
  auto r = std::make_shared<Refresh>();
  // Connected primaries first, then other connected nodes, then the rest (still connecting).
  for (int pass = 0; pass < 3; ++pass) {
    for (const auto& [address, node] : nodes_) {
      bool up = node->client->connected();
      bool take = pass == 0 ? up && node->primary : pass == 1 ? up && !node->primary : !up;
      if (take) r->candidates.push_back(address);
    }
  }
  askNext(r);
}

void ClusterClient::askNext(const std::shared_ptr<Refresh>& r) {
  while (r->next < r->candidates.size()) {
    std::string address = r->candidates[r->next++];
    auto it = nodes_.find(address);
    if (it == nodes_.end()) continue;
    it->second->client->command({"CLUSTER", "SLOTS"}, [this, r, address](Result<RedisValue> reply) {
      Result<std::vector<SlotRange>> ranges = reply.ok()
                                                  ? parseClusterSlots(*reply, address)
                                                  : Result<std::vector<SlotRange>>(reply.error());
      if (!ranges.ok()) {
        r->errors += (r->errors.empty() ? "" : "; ") + address + ": " + ranges.error().message;
        return askNext(r);
      }
      own_.slot_map_refreshes++;
      applySlots(*ranges);
      refreshing_ = false;
      if (refresh_again_) {
        refresh_again_ = false;
        refreshSlots();
      }
    });
    return;
  }
  refreshing_ = false;
  refresh_again_ = false;
  own_.discovery_failures++;
  std::string error = "no cluster node answered CLUSTER SLOTS: " +
                      (r->errors.empty() ? std::string("no node known") : r->errors);
  if (!have_map_) {
    if (error != map_error_)
      TLOG_WARN("redis", "reason=discovery_failed %s", log::logValue(error, 300).c_str());
    map_error_ = error;
  }
  evaluate();
}

void ClusterClient::applySlots(const std::vector<SlotRange>& ranges) {
  std::vector<Node*> next(kClusterSlots, nullptr);
  for (auto& [address, node] : nodes_) node->primary = false;
  for (const SlotRange& r : ranges) {
    Node& node = nodeFor(r.primary);
    node.primary = true;
    for (int s = r.first; s <= r.last; ++s) next[s] = &node;
  }
  int changed = 0, uncovered = 0;
  for (int s = 0; s < kClusterSlots; ++s) {
    if (next[s] != slots_[s]) ++changed;
    if (next[s] == nullptr) ++uncovered;
  }
  slots_ = std::move(next);
  have_map_ = true;
  map_error_ = uncovered ? std::to_string(uncovered) + " of 16384 slots have no primary" : "";
  if (changed) {
    size_t primaries = 0;
    for (const auto& [address, node] : nodes_) primaries += node->primary ? 1 : 0;
    TLOG_INFO("redis", "primaries=%zu slots_changed=%d uncovered=%d cluster slot map read",
              primaries, changed, uncovered);
  }
  // Not from inside the reply callback of a node that may be retired.
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive] {
    if (!alive.expired()) retireIdleNodes();
  });
  evaluate();
}

// Nodes that serve no slot, are no seed and have nothing of ours in flight are dropped, so a
// removed node is not reconnected to forever.
void ClusterClient::retireIdleNodes() {
  if (refreshing_) return;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    Node& node = *it->second;
    if (node.primary || node.seed || node.outstanding > 0 || node.client->inFlight() > 0) {
      ++it;
      continue;
    }
    retired_ += node.client->counters();
    it = nodes_.erase(it);
  }
}

void ClusterClient::evaluate() {
  bool up = have_map_ && map_error_.empty();
  for (const auto& [address, node] : nodes_)
    if (node->primary && !node->client->connected()) up = false;
  if (up == up_) return;
  up_ = up;
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive, up] {
    if (alive.expired() || up != up_) return;
    if (up && on_connected_) {
      auto cb = on_connected_;  // a copy: the callback may replace or destroy
      cb();
    } else if (!up && on_disconnected_) {
      auto cb = on_disconnected_;
      cb(lastError());
    }
  });
}

void ClusterClient::tick() {
  tick_timer_->arm(options_.check_interval);
  refreshSlots();
  // A frozen primary is noticed by its command timeout even when nothing else is sent to it.
  for (const auto& [address, node] : nodes_) {
    if (node->primary && node->client->connected() && node->client->inFlight() == 0)
      node->client->command({"PING"}, [](Result<RedisValue>) {});
  }
}

void ClusterClient::setUrgent(bool urgent) {
  urgent_ = urgent;
  for (auto& [address, node] : nodes_) node->client->setUrgent(urgent);
}

RedisStats ClusterClient::counters() const {
  RedisStats s = retired_;
  s += own_;
  for (const auto& [address, node] : nodes_) s += node->client->counters();
  return s;
}

std::string ClusterClient::describe() const {
  size_t primaries = 0;
  for (const auto& [address, node] : nodes_) primaries += node->primary ? 1 : 0;
  return "cluster of " + std::to_string(primaries) + " primaries";
}

std::string ClusterClient::lastError() const {
  if (up_) return {};
  if (!map_error_.empty()) return map_error_;
  for (const auto& [address, node] : nodes_) {
    if (node->primary && !node->client->connected())
      return "primary " + address + ": " + node->client->lastError();
  }
  return {};
}

size_t ClusterClient::inFlight() const {
  size_t n = 0;
  for (const auto& [address, node] : nodes_) n += node->client->inFlight();
  return n;
}

std::string ClusterClient::primaryOf(int slot) const {
  if (slot < 0 || slot >= kClusterSlots || slots_[slot] == nullptr) return {};
  return slots_[slot]->address;
}

}  // namespace triggerd
