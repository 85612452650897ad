// TrackedRedis: the Redis calls of one component. It remembers the requests in flight so that
// the component's destructor cancels them (no callback runs on a destroyed owner), and runs
// compiled-in Lua scripts by EVALSHA, sending the body with EVAL once when Redis answers
// NOSCRIPT (after a restart or SCRIPT FLUSH), which caches it again.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "redis/redis_client.h"

namespace triggerd {

// A Lua script compiled into the binary, named by its SHA-1 (computed locally, so no SCRIPT
// LOAD round trip is needed).
class LuaScript {
 public:
  explicit LuaScript(std::string text);
  const std::string& text() const { return text_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string text_;
  std::string sha_;
};

class TrackedRedis {
 public:
  explicit TrackedRedis(RedisClient& redis) : redis_(redis) {}
  // Cancels what is still in flight: no callback given to this object runs afterwards.
  ~TrackedRedis();
  TrackedRedis(const TrackedRedis&) = delete;
  TrackedRedis& operator=(const TrackedRedis&) = delete;

  // One command; `cb` as RedisClient::command (exactly once, unless this object is destroyed).
  void command(std::vector<std::string> argv, RedisCallback cb);
  // EVALSHA of `script` with `keys` and `args`; one EVAL on NOSCRIPT. `script` must outlive the
  // call (scripts are statics).
  void eval(const LuaScript& script, std::vector<std::string> keys, std::vector<std::string> args,
            RedisCallback cb);
  bool connected() const { return redis_.connected(); }

  RedisClient& client() { return redis_; }

 private:
  RedisClient& redis_;
  std::unordered_set<RedisRequestId> in_flight_;
};

}  // namespace triggerd
