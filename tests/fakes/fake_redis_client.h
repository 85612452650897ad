// FakeRedisClient: an in-memory Redis behind the RedisClient seam (redis/redis_client.h), for
// unit tests of the stores, the queue and the handlers without a redis-server. It keeps the
// contract callers rely on: every callback runs once, on a later loop turn, unless cancelled;
// transport failures arrive as Error{503}, Redis errors as kError values. The data and the
// commands it understands are in fake_redis_data.h; what it does not understand fails the test.
//
// Failure injection: setConnected(false) (Redis down), failNext(n) (timeouts, a lost
// connection), replyErrorNext(...) (OOM, READONLY), and setBeforeCommand(...) to play another
// writer between two commands.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "loop/event_loop.h"
#include "redis/redis_client.h"
#include "tests/fakes/fake_redis_data.h"

namespace triggerd::testing {

class FakeRedisClient final : public RedisClient {
 public:
  explicit FakeRedisClient(EventLoop& loop);
  // Callbacks still pending never run.
  ~FakeRedisClient() override;
  FakeRedisClient(const FakeRedisClient&) = delete;
  FakeRedisClient& operator=(const FakeRedisClient&) = delete;

  RedisRequestId command(std::vector<std::string> argv, RedisCallback cb) override;
  void cancel(RedisRequestId id) override;
  bool connected() const override { return connected_; }

  // --- failure injection ---
  // While false, every command fails with Error{503}, worded as HiredisClient words it.
  void setConnected(bool connected) { connected_ = connected; }
  // The next `n` commands fail with Error{503}; none of them runs.
  void failNext(int n) { fail_next_ += n; }
  // The next `n` commands answer the Redis error `reply` ("OOM command not allowed ...") and
  // change nothing.
  void replyErrorNext(std::string reply, int n = 1);
  // Runs before each command that reaches the data, with its argv.
  void setBeforeCommand(std::function<void(const std::vector<std::string>&)> hook) {
    before_command_ = std::move(hook);
  }

  // --- the data, directly ---
  // Runs a command now, without a loop turn, injected failures or the hook (setup and checks,
  // like RedisServer::cmd).
  RedisValue cmd(const std::vector<std::string>& argv) { return data_.execute(argv); }
  // Moves the fake's clock for expiry (EX, EXPIRE, TTL).
  void advanceTime(std::chrono::milliseconds by) { data_.advanceTime(by); }
  // Every command sent through command(), in order, whatever became of it.
  const std::vector<std::vector<std::string>>& sent() const { return sent_; }
  // Callbacks not yet run (nor cancelled).
  size_t pending() const { return pending_->size(); }

 private:
  using Pending = std::map<RedisRequestId, std::function<void()>>;

  Result<RedisValue> run(const std::vector<std::string>& argv);

  EventLoop& loop_;
  FakeRedisData data_;
  bool connected_ = true;
  int fail_next_ = 0;
  std::vector<std::string> error_replies_;  // answered in order, one per command
  std::function<void(const std::vector<std::string>&)> before_command_;
  std::vector<std::vector<std::string>> sent_;
  RedisRequestId next_id_ = 1;
  // Shared with the posted turns, which find it gone once the client is destroyed.
  std::shared_ptr<Pending> pending_ = std::make_shared<Pending>();
};

}  // namespace triggerd::testing
