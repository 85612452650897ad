// ClusterClient: the RedisBackend on a Redis Cluster (hiredis 0.14 has no cluster support). It
// reads the slot map with CLUSTER SLOTS from any node it knows (the seeds first), keeps one
// HiredisClient per primary, and sends each command to the primary serving the slot of its keys
// (redis/cluster_slots.h). A MOVED reply updates the map and resends the command (and refreshes
// the whole map); ASK resends it once to the importing node behind ASKING; TRYAGAIN (a
// multi-key command during a slot migration) resends it a moment later; at most max_redirects
// times. Commands without keys (PING, CONFIG GET, WAIT) go to the primary serving `home_key`.
// The map is read again every check_interval, after a connection is lost and after MOVED; idle
// primaries are pinged every check_interval.
//
// A command whose keys hash to different slots is a bug of the key scheme (redis/keys.h puts
// every script's keys in one slot): it asserts in debug builds and fails with Error{500}.
//
// connected() is true while the map covers every slot and every primary's connection is up.
// Callback contract: RedisClient's; a node's failures arrive as that node's HiredisClient words
// them.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "loop/event_loop.h"
#include "redis/cluster_map.h"
#include "redis/hiredis_client.h"

namespace triggerd {

class ClusterClient final : public RedisBackend {
 public:
  struct Options {
    std::vector<std::string> seeds;  // "ip:port" of some cluster nodes
    std::string home_key;            // keyless commands go to the primary of this key's slot
    // Every node's connection: password, timeouts, backoff (address set per node).
    HiredisClient::Options node;
    std::chrono::milliseconds check_interval{1000};
    int max_redirects = 5;
  };

  ClusterClient(EventLoop& loop, Options options);
  // No callback runs afterwards.
  ~ClusterClient() override;
  ClusterClient(const ClusterClient&) = delete;
  ClusterClient& operator=(const ClusterClient&) = delete;

  void start() override;
  RedisRequestId command(std::vector<std::string> argv, RedisCallback cb) override;
  // argv and its WAIT both go to the primary of argv's slot; a redirected argv is resent with
  // its WAIT.
  RedisRequestId commandReplicated(std::vector<std::string> argv, int replicas,
                                   std::chrono::milliseconds timeout, RedisCallback cb) override;
  void cancel(RedisRequestId id) override;
  bool connected() const override { return up_; }
  void setStateCallbacks(std::function<void()> on_connected,
                         std::function<void(const std::string&)> on_disconnected) override;
  RedisStats counters() const override;
  std::string describe() const override;
  std::string lastError() const override;
  size_t inFlight() const override;
  void setUrgent(bool urgent) override;

  // The primary serving a slot in the current map ("" when none), for tests and logs.
  std::string primaryOf(int slot) const;
  // Asks for the slot map now (tests; the client does so by itself when needed).
  void refreshSlots();

 private:
  struct Node {
    std::string address;
    std::unique_ptr<HiredisClient> client;
    bool seed = false;
    bool primary = false;    // serves slots in the current map
    size_t outstanding = 0;  // requests of ours waiting on its reply
  };
  struct Request {
    std::vector<std::string> argv;
    RedisCallback cb;
    int replicas = 0;
    std::chrono::milliseconds wait_timeout{0};
    int slot = 0;
    int redirects = 0;
    Node* node = nullptr;    // where it waits for a reply
    RedisRequestId sub = 0;  // its id on that node's client
  };
  struct Refresh;  // one round of asking nodes in turn for CLUSTER SLOTS

  Node& nodeFor(const std::string& address);
  void dispatch(RedisRequestId id, Node* node, bool asking);
  void onReply(RedisRequestId id, Result<RedisValue> reply);
  bool redirect(RedisRequestId id, Request& req, const RedisValue& reply);
  void retryLater(RedisRequestId id);
  void retryWaiting();
  void complete(RedisRequestId id, Result<RedisValue> result);
  void failLater(RedisRequestId id, Error error);
  void askNext(const std::shared_ptr<Refresh>& r);
  void applySlots(const std::vector<SlotRange>& ranges);
  void retireIdleNodes();
  void evaluate();
  void tick();

  EventLoop& loop_;
  Options options_;
  int home_slot_ = 0;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::vector<Node*> slots_;  // kClusterSlots entries, null where no primary is known
  std::unordered_map<RedisRequestId, Request> requests_;
  std::vector<RedisRequestId> retry_;  // TRYAGAIN: resent by retry_timer_
  RedisRequestId next_id_ = 1;
  bool started_ = false;
  bool up_ = false;
  bool urgent_ = false;
  bool refreshing_ = false;
  bool refresh_again_ = false;
  bool have_map_ = false;
  std::string map_error_ = "no slot map read yet";
  RedisStats retired_;  // counters of nodes no longer kept
  RedisStats own_;      // moved, ask, slot_map_refreshes, discovery_failures
  std::unique_ptr<Timer> tick_timer_;
  std::unique_ptr<Timer> retry_timer_;
  std::function<void()> on_connected_;
  std::function<void(const std::string&)> on_disconnected_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
