#include "store/lease.h"

#include <unistd.h>

#include "common/encoding.h"
#include "common/random.h"
#include "redis/reply.h"
#include "store/scripts.h"

namespace triggerd {

// KEYS[1] the lease; ARGV[1] the owner, ARGV[2] the time limit (ms). Takes a free lease or
// extends our own; returns 1 when held afterwards.
const char* const kLeaseAcquireScript = R"lua(
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua";

const char* const kLeaseRenewScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua";

const char* const kLeaseReleaseScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

Lease::Lease(RedisClient& redis, std::string key, std::string owner, std::chrono::milliseconds ttl)
    : redis_(redis), key_(std::move(key)), owner_(std::move(owner)), ttl_(ttl) {}

void Lease::acquire(std::function<void(Result<bool>)> cb) {
  redis_.command({"EVAL", kLeaseAcquireScript, "1", key_, owner_, std::to_string(ttl_.count())},
                 [key = key_, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "acquiring " + key);
                   if (!v.ok()) return cb(v.error());
                   cb(v->integer == 1);
                 });
}

void Lease::renew(std::function<void(Result<bool>)> cb) {
  redis_.command({"EVAL", kLeaseRenewScript, "1", key_, owner_, std::to_string(ttl_.count())},
                 [key = key_, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "renewing " + key);
                   if (!v.ok()) return cb(v.error());
                   cb(v->integer == 1);
                 });
}

void Lease::release(std::function<void(Status)> cb) {
  redis_.command({"EVAL", kLeaseReleaseScript, "1", key_, owner_},
                 [key = key_, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "releasing " + key);
                   if (!cb) return;
                   if (!v.ok()) return cb(v.error());
                   cb(okStatus());
                 });
}

std::string leaseOwnerId() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  SecureRandom rng;
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + hexEncode(rng.bytes(4));
}

}  // namespace triggerd
