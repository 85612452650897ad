// The slot map of a Redis Cluster, read from CLUSTER SLOTS: which primary serves which range of
// hash slots. Pure.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "redis/redis_client.h"

namespace triggerd {

struct SlotRange {
  int first = 0;        // inclusive
  int last = 0;         // inclusive
  std::string primary;  // "ip:port" ("[ip]:port" for IPv6)
};

// Parses a CLUSTER SLOTS reply: [[first, last, [ip, port, id, ...], replica...], ...]. A primary
// given with an empty ip is the node that answered (`answered_by`, "ip:port"). Error{503} for
// anything else, naming what was wrong.
Result<std::vector<SlotRange>> parseClusterSlots(const RedisValue& reply,
                                                 const std::string& answered_by);

// "ip:port", brackets around an IPv6 address.
std::string joinHostPort(const std::string& ip, int64_t port);

}  // namespace triggerd
