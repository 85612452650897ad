// RedisClient seam: asynchronous commands on the loop. HiredisClient implements it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace triggerd {

// An owned copy of a hiredis reply (a hiredis reply lives only during its callback).
struct RedisValue {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // kString, kStatus, kError
  std::vector<RedisValue> elements;

  bool isNil() const { return type == Type::kNil; }
  bool isError() const { return type == Type::kError; }
  bool isString() const { return type == Type::kString || type == Type::kStatus; }
};

using RedisCallback = std::function<void(Result<RedisValue>)>;
using RedisRequestId = uint64_t;

class RedisClient {
 public:
  virtual ~RedisClient() = default;

  // Sends argv as one command. `cb` runs exactly once, on a later loop turn or from the reply
  // callback, unless cancel(id) was called first. Failures (not connected, timeout, connection
  // lost) arrive as Error{503}; a Redis error reply arrives as a RedisValue of type kError.
  virtual RedisRequestId command(std::vector<std::string> argv, RedisCallback cb) = 0;
  // After cancel() the callback never runs. Unknown or finished ids are ignored.
  virtual void cancel(RedisRequestId id) = 0;
  virtual bool connected() const = 0;
};

}  // namespace triggerd
