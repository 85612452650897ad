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

inline RedisValue redisBulk(std::string s) {
  RedisValue v;
  v.type = RedisValue::Type::kString;
  v.str = std::move(s);
  return v;
}

inline RedisValue redisStatus(std::string s) {
  RedisValue v;
  v.type = RedisValue::Type::kStatus;
  v.str = std::move(s);
  return v;
}

inline RedisValue redisError(std::string message) {
  RedisValue v;
  v.type = RedisValue::Type::kError;
  v.str = std::move(message);
  return v;
}

inline RedisValue redisArray(std::vector<RedisValue> elements = {}) {
  RedisValue v;
  v.type = RedisValue::Type::kArray;
  v.elements = std::move(elements);
  return v;
}

}  // namespace triggerd::testing
