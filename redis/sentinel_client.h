// SentinelClient: the RedisBackend for a Redis primary that Redis Sentinel watches. It asks the
// sentinels where the primary is (SENTINEL get-master-addr-by-name, one sentinel after another
// until one answers) before every connection attempt, insists on ROLE master in the handshake,
// and follows a failover: a READONLY reply, a lost connection or a timeout makes it ask again,
// and every check_interval it asks whether the primary moved while the connection stayed up (a
// demoted primary that is still reachable). Commands go through one HiredisClient to the
// primary, so the RedisClient contract is HiredisClient's.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "loop/event_loop.h"
#include "redis/hiredis_client.h"

namespace triggerd {

class SentinelClient final : public RedisBackend {
 public:
  struct Options {
    std::vector<std::string> sentinels;  // "ip:port" of each sentinel
    std::string master_name;             // the name the sentinels monitor the primary under
    std::string sentinel_password;       // AUTH to the sentinels when not empty; never logged
    // The primary's connection: password, timeouts, backoff (address, resolve and
    // require_primary are set here).
    HiredisClient::Options primary;
    std::chrono::milliseconds check_interval{1000};
  };

  SentinelClient(EventLoop& loop, Options options);
  ~SentinelClient() override;
  SentinelClient(const SentinelClient&) = delete;
  SentinelClient& operator=(const SentinelClient&) = delete;

  void start() override;
  RedisRequestId command(std::vector<std::string> argv, RedisCallback cb) override {
    return primary_->command(std::move(argv), std::move(cb));
  }
  RedisRequestId commandReplicated(std::vector<std::string> argv, int replicas,
                                   std::chrono::milliseconds timeout, RedisCallback cb) override {
    return primary_->commandReplicated(std::move(argv), replicas, timeout, std::move(cb));
  }
  void cancel(RedisRequestId id) override { primary_->cancel(id); }
  bool connected() const override { return primary_->connected(); }
  void setStateCallbacks(std::function<void()> on_connected,
                         std::function<void(const std::string&)> on_disconnected) override {
    primary_->setStateCallbacks(std::move(on_connected), std::move(on_disconnected));
  }
  RedisStats counters() const override;
  std::string describe() const override;
  std::string lastError() const override { return primary_->lastError(); }
  size_t inFlight() const override { return primary_->inFlight(); }
  void setUrgent(bool urgent) override { primary_->setUrgent(urgent); }

  // The primary's address as last learned ("" before the first answer).
  std::string primaryAddress() const { return primary_->address(); }

 private:
  struct Discovery;  // one round of asking the sentinels in turn

  void discover(std::function<void(Result<std::string>)> done);
  void askNext(const std::shared_ptr<Discovery>& d);
  void answered(const std::shared_ptr<Discovery>& d, size_t sentinel, Result<RedisValue> reply);
  void check();

  EventLoop& loop_;
  Options options_;
  // Declared before primary_: destroyed after it, so a discovery the primary waits on never
  // outlives the sentinels' clients it runs on.
  std::vector<std::unique_ptr<HiredisClient>> sentinels_;
  std::unique_ptr<HiredisClient> primary_;
  size_t preferred_ = 0;  // the sentinel that answered last is asked first
  std::unique_ptr<Timer> check_timer_;
  bool checking_ = false;
};

}  // namespace triggerd
