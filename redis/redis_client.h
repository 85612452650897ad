// RedisClient seam: asynchronous commands on the loop. HiredisClient implements it (one Redis,
// or the primary that Sentinel names), ClusterClient on a Redis Cluster.
#pragma once

#include <chrono>
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
  // Sends argv and, right behind it on the same connection, WAIT <replicas> <timeout>: `cb` gets
  // argv's reply once at least `replicas` replicas acknowledged the writes, or Error{503} when
  // fewer did in time (the write may then be on the primary only, and lost by a failover; the
  // caller retries, so argv must be safe to repeat). replicas <= 0 is command(). The default
  // pipelines the two through command(), right for a client with one ordered connection.
  virtual RedisRequestId commandReplicated(std::vector<std::string> argv, int replicas,
                                           std::chrono::milliseconds timeout, RedisCallback cb);
  // After cancel() the callback never runs. Unknown or finished ids are ignored.
  virtual void cancel(RedisRequestId id) = 0;
  virtual bool connected() const = 0;
};

// The WAIT command commandReplicated() sends.
std::vector<std::string> waitCommand(int replicas, std::chrono::milliseconds timeout);
// What commandReplicated() answers, from argv's outcome and WAIT's: argv's failure or error reply
// as it is, else argv's reply when WAIT counted `replicas`, else Error{503}.
Result<RedisValue> replicatedOutcome(Result<RedisValue> written, const Result<RedisValue>& waited,
                                     int replicas, std::chrono::milliseconds timeout);

}  // namespace triggerd
