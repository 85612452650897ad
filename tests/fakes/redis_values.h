// Replies of the fake Redis, built as hiredis delivers them (redis/redis_client.h RedisValue).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "redis/redis_client.h"

namespace triggerd::testing {

inline RedisValue redisNil() {
  return RedisValue{};
}

inline RedisValue redisInteger(int64_t n) {
  RedisValue v;
  v.type = RedisValue::Type::kInteger;
  v.integer = n;
  return v;
}

// A bulk string, a status ("OK") or an error reply.
inline RedisValue redisText(RedisValue::Type type, std::string text) {
  RedisValue v;
  v.type = type;
  v.str = std::move(text);
  return v;
}
inline RedisValue redisBulk(std::string s) {
  return redisText(RedisValue::Type::kString, std::move(s));
}
inline RedisValue redisStatus(std::string s) {
  return redisText(RedisValue::Type::kStatus, std::move(s));
}
inline RedisValue redisError(std::string message) {
  return redisText(RedisValue::Type::kError, std::move(message));
}

inline RedisValue redisArray(std::vector<RedisValue> elements = {}) {
  RedisValue v;
  v.type = RedisValue::Type::kArray;
  v.elements = std::move(elements);
  return v;
}

}  // namespace triggerd::testing
