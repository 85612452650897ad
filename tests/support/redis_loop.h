// A real redis-server private to one test, with an EventLoop and a connected HiredisClient: the
// setup of every test that runs against real Redis.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "redis/hiredis_client.h"
#include "tests/support/loop_runner.h"
#include "tests/support/redis_server.h"

namespace triggerd::testing {

class RedisLoop {
 public:
  explicit RedisLoop(RedisServer::Options options = {}) : server_(options) {
    HiredisClient::Options o;
    o.address = server_.address();
    o.password = options.password;
    // Outage tests stop and start the server: reconnect within a test's patience.
    o.reconnect_min = std::chrono::milliseconds(20);
    o.reconnect_max = std::chrono::milliseconds(200);
    client_ = std::make_unique<HiredisClient>(loop_, o);
    client_->start();
    if (!runUntil(loop_, [this] { return client_->connected(); }))
      ADD_FAILURE() << "could not connect to " << server_.address();
  }

  EventLoop& loop() { return loop_; }
  HiredisClient& client() { return *client_; }
  RedisServer& server() { return server_; }

  template <typename T>
  T await(const std::function<void(std::function<void(T)>)>& start) {
    return testing::await<T>(loop_, start);
  }

 private:
  RedisServer server_;
  EventLoop loop_;
  std::unique_ptr<HiredisClient> client_;
};

}  // namespace triggerd::testing
