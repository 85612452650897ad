// Lease: a named lock in Redis with an owner and a time limit, so work that must run once across
// several triggerd processes (periodic reconciliation, token checks, hook installs for one
// repository) runs in exactly one of them at a time. The owner must renew before the time
// limit or lose it; a crashed owner's lease expires by itself.
//
// Safety rests on Redis: a lease is held from a successful acquire until its deadline, minus the
// clock drift between Redis and this process; holders keep their critical sections well inside
// the time limit and renew at a fraction of it (PeriodicTask does both).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/result.h"
#include "redis/redis_client.h"

namespace triggerd {

class Lease {
 public:
  // `key` from keys.h (lease:<name>), `owner` unique per process (host:pid:random).
  Lease(RedisClient& redis, std::string key, std::string owner, std::chrono::milliseconds ttl);

  // true: this process holds the lease now (acquired, or already held and renewed).
  void acquire(std::function<void(Result<bool>)> cb);
  // true: still held and extended by the time limit; false: it was lost (expired, taken).
  void renew(std::function<void(Result<bool>)> cb);
  // Lets go if held; a lease held by another owner is left alone.
  void release(std::function<void(Status)> cb = {});

  const std::string& key() const { return key_; }
  const std::string& owner() const { return owner_; }

 private:
  RedisClient& redis_;
  std::string key_;
  std::string owner_;
  std::chrono::milliseconds ttl_;
};

// A process-unique lease owner id: "<hostname>:<pid>:<8 random hex>".
std::string leaseOwnerId();

}  // namespace triggerd
