#include "tests/fakes/fake_redis_client.h"

#include <utility>

#include "tests/fakes/redis_values.h"

namespace triggerd::testing {

FakeRedisClient::FakeRedisClient(EventLoop& loop) : loop_(loop) {}

FakeRedisClient::~FakeRedisClient() {
  pending_->clear();
}

void FakeRedisClient::replyErrorNext(std::string reply, int n) {
  for (int i = 0; i < n; ++i) error_replies_.push_back(reply);
}

Result<RedisValue> FakeRedisClient::run(const std::vector<std::string>& argv) {
  if (!connected_) return Error::unavailable("redis unavailable: not connected");
  if (fail_next_ > 0) {
    --fail_next_;
    return Error::unavailable("redis unavailable: connection lost");
  }
  if (!error_replies_.empty()) {
    RedisValue refused = redisError(error_replies_.front());
    error_replies_.erase(error_replies_.begin());
    return refused;
  }
  if (before_command_) before_command_(argv);
  return data_.execute(argv);
}

RedisRequestId FakeRedisClient::command(std::vector<std::string> argv, RedisCallback cb) {
  const RedisRequestId id = next_id_++;
  sent_.push_back(argv);
  // The command runs now, as if Redis had it; only the answer waits for a later turn, where a
  // cancel() before then drops it (the command still ran, as with a real client).
  auto answer = std::make_shared<Result<RedisValue>>(run(argv));
  (*pending_)[id] = [answer, cb = std::move(cb)] { cb(std::move(*answer)); };
  std::weak_ptr<Pending> pending = pending_;
  loop_.post([pending, id] {
    auto live = pending.lock();
    if (!live) return;
    auto it = live->find(id);
    if (it == live->end()) return;  // cancelled
    auto deliver = std::move(it->second);
    live->erase(it);
    deliver();
  });
  return id;
}

void FakeRedisClient::cancel(RedisRequestId id) {
  pending_->erase(id);
}

}  // namespace triggerd::testing
