// The keyspace of FakeRedisClient: the Redis commands triggerd sends, run against in-memory
// data with Redis' replies and errors (WRONGTYPE, NX/XX, expiry, empty collections vanish).
// Scripts are recognised by their exact text and run natively (fake_redis_scripts.h); a command,
// option or script it does not implement fails the test, naming it, and answers an error.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "redis/redis_client.h"

namespace triggerd::testing {

class FakeRedisData {
 public:
  FakeRedisData();

  // Runs one command; a Redis error comes back as a kError value, as hiredis delivers it.
  RedisValue execute(const std::vector<std::string>& argv);
  // Moves the clock that expiry (EX, EXPIRE, TTL) and stream ids (XADD *) read.
  void advanceTime(std::chrono::milliseconds by) { now_ms_ += by.count(); }

 private:
  enum class Type { kString, kSet, kHash, kList, kStream };
  struct StreamEntry {
    std::string id;
    std::vector<std::string> fields;  // field, value, field, value...
  };
  struct Value {
    Type type = Type::kString;
    std::string str;
    std::set<std::string> members;
    std::vector<std::pair<std::string, std::string>> fields;  // insertion order, like Redis
    std::deque<std::string> list;
    std::vector<StreamEntry> stream;
    std::optional<int64_t> expires_at_ms;
  };
  using Args = std::vector<std::string>;
  // An error reply thrown from deep in a command; execute() answers it.
  struct ErrorReply {
    std::string message;
  };
  using Handler = RedisValue (FakeRedisData::*)(const Args&);
  struct Command {
    const char* name;
    Handler handler;
    int min_args;  // including the command name
    int max_args;  // -1: any number
  };
  static const Command kCommands[];

  // The live value at `key` (expired ones are removed first), or nullptr.
  Value* find(const std::string& key);
  // The value at `key` if it has `type`; nullptr when absent. Of another type, it throws the
  // WRONGTYPE error, which execute() answers.
  Value* findTyped(const std::string& key, Type type);
  Value& create(const std::string& key, Type type);
  void dropIfEmpty(const std::string& key);

  RedisValue ping(const Args& a);
  RedisValue get(const Args& a);
  RedisValue set(const Args& a);
  RedisValue getdel(const Args& a);
  RedisValue mget(const Args& a);
  RedisValue del(const Args& a);
  RedisValue exists(const Args& a);
  RedisValue type(const Args& a);
  RedisValue keys(const Args& a);
  RedisValue expire(const Args& a);
  RedisValue pexpire(const Args& a);
  RedisValue ttl(const Args& a);
  RedisValue sadd(const Args& a);
  RedisValue srem(const Args& a);
  RedisValue smembers(const Args& a);
  RedisValue sismember(const Args& a);
  RedisValue scard(const Args& a);
  RedisValue hset(const Args& a);
  RedisValue hget(const Args& a);
  RedisValue hmget(const Args& a);
  RedisValue hdel(const Args& a);
  RedisValue hgetall(const Args& a);
  RedisValue hvals(const Args& a);
  RedisValue lpush(const Args& a);
  RedisValue ltrim(const Args& a);
  RedisValue lrange(const Args& a);
  RedisValue llen(const Args& a);
  RedisValue xadd(const Args& a);
  RedisValue xlen(const Args& a);
  RedisValue xrange(const Args& a);
  RedisValue xrevrange(const Args& a);
  RedisValue streamRange(const Args& a, bool reverse);
  RedisValue xtrim(const Args& a);
  RedisValue xpending(const Args& a);
  RedisValue eval(const Args& a);
  RedisValue evalsha(const Args& a);
  RedisValue script(const Args& a);

  // Runs the script `text` with the arguments that follow numkeys at a[2].
  RedisValue runScript(const std::string& text, const Args& a);

  std::map<std::string, Value> keys_;
  std::map<std::string, std::string> scripts_;  // SHA-1 hex -> text, as EVAL caches them
  int64_t now_ms_;
  int64_t last_stream_ms_ = 0;
  int64_t last_stream_seq_ = 0;
};

}  // namespace triggerd::testing
