// AddressLimits: open connections per client IP address, for
// limits.max_connections_per_address. Pure bookkeeping; the server asks before serving a
// connection and reports every close.
//
// The key is the peer's IP address: IPv4, or IPv6 (an IPv4-mapped IPv6 address counts as the
// IPv4 address). Unix socket peers have no address and are not limited.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace triggerd {

class AddressLimits {
 public:
  struct Key {
    std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes
    uint8_t family = 0;               // 4 or 6
    bool operator==(const Key&) const = default;
  };
  static std::optional<Key> keyOf(const sockaddr* address, socklen_t length);

  // Counts one more connection from `key` unless `cap` (> 0) are open already.
  bool tryAdd(const Key& key, size_t cap);
  void remove(const Key& key);
  size_t count(const Key& key) const;
  size_t addresses() const { return counts_.size(); }

 private:
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept;
  };
  std::unordered_map<Key, uint32_t, KeyHash> counts_;
};

}  // namespace triggerd
