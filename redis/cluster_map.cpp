#include "redis/cluster_map.h"

#include "redis/cluster_slots.h"

namespace triggerd {

std::string joinHostPort(const std::string& ip, int64_t port) {
  std::string p = std::to_string(port);
  return ip.find(':') == std::string::npos ? ip + ":" + p : "[" + ip + "]:" + p;
}

Result<std::vector<SlotRange>> parseClusterSlots(const RedisValue& reply,
                                                 const std::string& answered_by) {
  auto bad = [](const std::string& what) {
    return Error::unavailable("unexpected CLUSTER SLOTS reply: " + what);
  };
  if (reply.isError()) return Error::unavailable("CLUSTER SLOTS refused: " + reply.str);
  if (reply.type != RedisValue::Type::kArray) return bad("not an array");
  std::vector<SlotRange> ranges;
  for (const RedisValue& entry : reply.elements) {
    if (entry.type != RedisValue::Type::kArray || entry.elements.size() < 3)
      return bad("an entry is not [first, last, primary, ...]");
    const RedisValue& first = entry.elements[0];
    const RedisValue& last = entry.elements[1];
    const RedisValue& node = entry.elements[2];
    if (first.type != RedisValue::Type::kInteger || last.type != RedisValue::Type::kInteger ||
        first.integer < 0 || last.integer >= kClusterSlots || first.integer > last.integer)
      return bad("a slot range is out of 0..16383");
    if (node.type != RedisValue::Type::kArray || node.elements.size() < 2 ||
        !node.elements[0].isString() || node.elements[1].type != RedisValue::Type::kInteger)
      return bad("a primary is not [ip, port, ...]");
    SlotRange r;
    r.first = static_cast<int>(first.integer);
    r.last = static_cast<int>(last.integer);
    const std::string& ip = node.elements[0].str;
    if (ip.empty() || ip == "?") {
      // The answering node does not know its own address: it is the one asked.
      size_t colon = answered_by.rfind(':');
      std::string host = answered_by.substr(0, colon);
      if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
      r.primary = joinHostPort(host, node.elements[1].integer);
    } else {
      r.primary = joinHostPort(ip, node.elements[1].integer);
    }
    ranges.push_back(std::move(r));
  }
  return ranges;
}

}  // namespace triggerd
