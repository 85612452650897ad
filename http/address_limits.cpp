#include "http/address_limits.h"

#include <netinet/in.h>

#include <cstring>

namespace triggerd {

std::optional<AddressLimits::Key> AddressLimits::keyOf(const sockaddr* address, socklen_t length) {
  Key key;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(key.bytes.data(), &v4->sin_addr, 4);
    key.family = 4;
    return key;
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    const uint8_t* b = v6->sin6_addr.s6_addr;
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, sizeof kMapped) == 0) {
      std::memcpy(key.bytes.data(), b + 12, 4);
      key.family = 4;
    } else {
      std::memcpy(key.bytes.data(), b, 16);
      key.family = 6;
    }
    return key;
  }
  return std::nullopt;
}

size_t AddressLimits::KeyHash::operator()(const Key& k) const noexcept {
  // FNV-1a over the address bytes.
  uint64_t h = 1469598103934665603ull ^ k.family;
  for (uint8_t b : k.bytes) h = (h ^ b) * 1099511628211ull;
  return static_cast<size_t>(h);
}

bool AddressLimits::tryAdd(const Key& key, size_t cap) {
  auto it = counts_.find(key);
  if (it == counts_.end()) {
    counts_.emplace(key, 1);  // cap >= 1 or 0 (none): the first connection always fits
    return true;
  }
  if (cap > 0 && it->second >= cap) return false;
  ++it->second;
  return true;
}

void AddressLimits::remove(const Key& key) {
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

size_t AddressLimits::count(const Key& key) const {
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace triggerd
