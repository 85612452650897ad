// HiredisClient: the RedisClient on hiredis 0.14's async API and its libevent adapter, with what
// 0.14 lacks: connect and command timeouts, AUTH before any command, and reconnects with backoff.
// For Sentinel (SentinelClient) it can also ask where to connect before every attempt (resolve)
// and insist on a primary (ROLE in the handshake; a READONLY reply drops the connection).
//
// Callback contract (on top of RedisClient's):
//  - A reply (including a Redis error reply, type kError) is delivered from hiredis' reply
//    callback. Do not destroy the client from anything but the loop thread; destroying it from
//    inside a reply callback is allowed.
//  - Every failure (not connected, command timeout, connection lost, submit refused) is an
//    Error{503} (an empty argv: 500) delivered on a later loop turn (EventLoop::post), never
//    inline.
//  - After cancel(id) or after the client is destroyed, no callback runs.
// One connection, pipelined: a blocking command (BLPOP, XREADGROUP ... BLOCK) stalls everything
// behind it and trips the command timeout, so a blocking consumer needs its own client (with a
// command timeout above its BLOCK time). SUBSCRIBE and MONITOR are not supported.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "loop/event_loop.h"
#include "redis/redis_backend.h"
#include "redis/redis_client.h"

struct redisAsyncContext;
struct redisReply;

namespace triggerd {

// An owned copy of a hiredis reply (tests' blocking client uses it too).
RedisValue copyRedisReply(const redisReply* reply);

class HiredisClient final : public RedisBackend {
 public:
  // Answers the address to connect to ("ip:port"), or Error{503} when it cannot be learned.
  using Resolve = std::function<void(std::function<void(Result<std::string>)>)>;

  struct Options {
    // "ip:port", "[ipv6]:port" or "unix:/path". No host names: hiredis 0.14 would resolve them
    // with a blocking getaddrinfo on the loop.
    std::string address = "127.0.0.1:6379";
    std::string password;  // sent with AUTH right after connect when not empty; never logged
    std::chrono::milliseconds connect_timeout{2000};  // TCP connect + AUTH/PING handshake
    std::chrono::milliseconds command_timeout{2000};  // per command, from submission to reply
    std::chrono::milliseconds reconnect_min{100};     // first retry delay; doubles per failure
    std::chrono::milliseconds reconnect_max{5000};
    // Asked before every connection attempt (Sentinel discovery); `address` is then only the
    // last answer. A failure counts as discovery_failures and backs off like a failed connect.
    Resolve resolve;
    // The handshake also sends ROLE and refuses a replica; a READONLY reply (the primary was
    // demoted under the connection) is delivered, then the connection is dropped and made again.
    bool require_primary = false;
  };

  using Stats = RedisStats;

  HiredisClient(EventLoop& loop, Options options);
  // Closes the connection; no callback (reply, failure or state) runs afterwards.
  ~HiredisClient() override;
  HiredisClient(const HiredisClient&) = delete;
  HiredisClient& operator=(const HiredisClient&) = delete;

  // Starts connecting; from then on it reconnects with backoff forever after a failure or loss.
  // Commands sent while a connection attempt is in progress are queued behind the AUTH and
  // time out like any command; commands sent while waiting to retry fail fast.
  void start() override;

  RedisRequestId command(std::vector<std::string> argv, RedisCallback cb) override;
  // The writes sent within one loop turn share one WAIT, and one WAIT is in flight at a time
  // (WAIT blocks the connection: one per write would queue their timeouts end to end when a
  // replica is missing). A write whose connection was lost before its WAIT went out fails with
  // 503 rather than asking another connection. Short answers count in replication_short.
  RedisRequestId commandReplicated(std::vector<std::string> argv, int replicas,
                                   std::chrono::milliseconds timeout, RedisCallback cb) override;
  void cancel(RedisRequestId id) override;
  // True once connected and the AUTH (or PING) handshake succeeded (and ROLE said master).
  bool connected() const override;

  // State notifications, each on a later loop turn: on_connected after every successful
  // handshake; on_disconnected(reason) when a ready connection is lost. Set before start().
  void setStateCallbacks(std::function<void()> on_connected,
                         std::function<void(const std::string& reason)> on_disconnected) override;

  const Stats& stats() const { return stats_; }
  RedisStats counters() const override { return stats_; }
  // The address connected (or being connected) to.
  const std::string& address() const { return options_.address; }
  std::string describe() const override { return options_.address; }
  // Why the client is not connected (empty once connected): for /readyz and logs.
  std::string lastError() const override { return last_error_; }
  // Commands written to Redis whose reply has not arrived (cancelled ones included).
  size_t inFlight() const override { return in_flight_.size(); }
  // While urgent (deliveries are waiting for Redis), reconnect attempts are at most
  // kUrgentRetry apart instead of backing off up to reconnect_max.
  void setUrgent(bool urgent) override;
  static constexpr std::chrono::milliseconds kUrgentRetry{200};
  // Drops the connection (commands in flight fail with 503) and connects again soon, resolving
  // the address anew: the primary moved. Ignored unless a connection is up or being made.
  void reconnect(const std::string& reason);

 private:
  enum class State {
    kStopped,     // start() not called, or the address is invalid: everything fails fast
    kResolving,   // asking Options::resolve where to connect; commands fail fast
    kConnecting,  // TCP connect in progress; handshake queued first in the output buffer
    kHandshake,   // TCP connected, waiting for the AUTH/PING reply
    kReady,       // handshake done: connected() is true
    kClosing,     // handshake refused; teardown posted, commands fail fast
    kWaiting,     // no connection; reconnect timer armed, commands fail fast
  };
  struct InFlight {
    RedisRequestId id;
    std::chrono::steady_clock::time_point deadline;
  };

  static void onConnectCb(const redisAsyncContext* ac, int status) noexcept;
  static void onDisconnectCb(const redisAsyncContext* ac, int status) noexcept;
  static void onReplyCb(redisAsyncContext* ac, void* reply, void* privdata) noexcept;
  static void onHandshakeCb(redisAsyncContext* ac, void* reply, void* privdata) noexcept;

  void connect();
  void onResolved(Result<std::string> address);
  void open();
  void submitHandshake(std::vector<std::string> argv, bool role);
  bool submit(RedisRequestId id, const std::vector<std::string>& argv, bool handshake);
  void handleConnect(const redisAsyncContext* ac, int status);
  void handleDisconnect(const redisAsyncContext* ac);
  void handleReply(redisAsyncContext* ac, RedisRequestId id, const void* reply);
  void handleHandshake(redisAsyncContext* ac, RedisRequestId id, const void* reply);
  // The handshake failed: log once per cause, tear down on the next turn, retry with backoff.
  void refuseHandshake(std::string error, const char* reason, const char* hint);
  // Frees the context from a timer or posted task (never from a hiredis I/O callback): every
  // in-flight callback then runs with a NULL reply and fails with `failure`.
  void closeNow(const char* reason, const std::string& detail, std::string failure);
  // The connection is gone (already freed or being freed by hiredis): arm the reconnect.
  void connectionLost(const char* reason, const std::string& detail);
  void forgetInFlight(RedisRequestId id);
  void onTimeoutSweep();
  void failLater(RedisRequestId id, Error error);  // posted; dropped if cancelled meanwhile
  void complete(RedisRequestId id, Result<RedisValue> result);
  void notifyLater(bool up, std::string reason);
  void scheduleWait();
  void sendWait();

  EventLoop& loop_;
  Options options_;
  bool unix_ = false;
  std::string host_;  // IP literal, or the socket path when unix_
  int port_ = 0;

  State state_ = State::kStopped;
  redisAsyncContext* ac_ = nullptr;  // owned by hiredis (freed after disconnect): never wrap it
  uint64_t generation_ = 0;          // bumps per connection attempt; stale posted work checks it
  std::string last_error_ = "not started";
  std::string failure_;      // what a NULL reply means while closeNow() frees ac_
  std::string last_logged_;  // collapses identical repeated connect-failure lines
  std::chrono::milliseconds backoff_;
  bool urgent_ = false;

  RedisRequestId next_id_ = 1;
  std::unordered_map<RedisRequestId, RedisCallback> pending_;  // callbacks yet to run
  std::deque<InFlight> in_flight_;  // submission order == reply order == deadline order
  int handshake_left_ = 0;          // handshake replies still to come
  RedisRequestId role_id_ = 0;      // the handshake's ROLE, when require_primary
  std::string connected_to_;        // the address of the last ready connection

  std::unique_ptr<Timer> connect_timer_;
  std::unique_ptr<Timer> reconnect_timer_;
  std::unique_ptr<Timer> timeout_timer_;  // one sweep over in_flight_, armed for its head

  // commandReplicated(): writes sent whose WAIT has not gone out yet, and the write replies of
  // those waiting for their WAIT's answer (by the caller's id; a cancelled id is absent).
  struct ReplicatedWrite {
    RedisRequestId id;
    uint64_t generation;  // the connection attempt the write went out on
    int replicas;
    std::chrono::milliseconds timeout;
  };
  std::vector<ReplicatedWrite> wait_next_;
  std::unordered_map<RedisRequestId, std::optional<Result<RedisValue>>> written_;
  bool wait_in_flight_ = false;
  bool wait_posted_ = false;

  std::function<void()> on_connected_;
  std::function<void(const std::string&)> on_disconnected_;
  Stats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // posted tasks check it
};

}  // namespace triggerd
