// Checks of the RedisClient contract (redis/redis_client.h), shared by the tests of every
// implementation: HiredisClient against a real server, FakeRedisClient in memory.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "loop/event_loop.h"
#include "redis/redis_client.h"
#include "tests/support/loop_runner.h"

namespace triggerd::testing {

// Records what one command's callback received.
struct RedisCapture {
  int calls = 0;
  std::optional<Result<RedisValue>> result;

  RedisCallback cb() {
    return [this](Result<RedisValue> r) {
      ++calls;
      result.emplace(std::move(r));
    };
  }
  bool done() const { return calls > 0; }
  const RedisValue& value() const { return result->value(); }
  const Error& error() const { return result->error(); }
};

// A connected client destroyed from its own callback runs no other callback afterwards.
inline void expectDestroyableFromItsOwnCallback(EventLoop& loop,
                                                std::unique_ptr<RedisClient> client) {
  RedisCapture second;
  bool first = false;
  client->command({"PING"}, [&](Result<RedisValue>) {
    first = true;
    client.reset();
  });
  client->command({"PING"}, second.cb());
  ASSERT_TRUE(runUntil(loop, [&] { return first; }));
  runFor(loop, std::chrono::milliseconds(100));
  EXPECT_EQ(client, nullptr);
  EXPECT_EQ(second.calls, 0);
}

}  // namespace triggerd::testing
