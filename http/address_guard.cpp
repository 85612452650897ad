#include "http/address_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace triggerd {
namespace {

// One special-purpose range: `bytes` holds the network prefix in network order.
struct Range {
  std::array<uint8_t, 16> bytes;
  int prefix;
  AddressClass cls;
};

bool prefixMatches(const std::array<uint8_t, 16>& address, const std::array<uint8_t, 16>& network,
                   int prefix) {
  int full = prefix / 8;
  for (int i = 0; i < full; ++i) {
    if (address[static_cast<size_t>(i)] != network[static_cast<size_t>(i)]) return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address[static_cast<size_t>(full)] & mask) == (network[static_cast<size_t>(full)] & mask);
}

// IPv4 special-purpose registry (RFC 6890 and successors), most specific first where they nest.
constexpr Range kV4Ranges[] = {
    {{0, 0, 0, 0}, 32, AddressClass::kUnspecified},
    {{0}, 8, AddressClass::kThisNetwork},
    {{10}, 8, AddressClass::kPrivate},
    {{100, 64}, 10, AddressClass::kSharedAddress},
    {{127}, 8, AddressClass::kLoopback},
    {{169, 254}, 16, AddressClass::kLinkLocal},
    {{172, 16}, 12, AddressClass::kPrivate},
    {{192, 0, 0}, 24, AddressClass::kReserved},  // IETF protocol assignments
    {{192, 0, 2}, 24, AddressClass::kDocumentation},
    {{192, 88, 99}, 24, AddressClass::kReserved},  // deprecated 6to4 relay anycast
    {{192, 168}, 16, AddressClass::kPrivate},
    {{198, 18}, 15, AddressClass::kReserved},  // benchmarking
    {{198, 51, 100}, 24, AddressClass::kDocumentation},
    {{203, 0, 113}, 24, AddressClass::kDocumentation},
    {{224}, 4, AddressClass::kMulticast},
    {{255, 255, 255, 255}, 32, AddressClass::kBroadcast},
    {{240}, 4, AddressClass::kReserved},
};

// IPv6 ranges judged on the address itself (embedded-IPv4 forms are handled before these).
constexpr Range kV6Ranges[] = {
    {{0}, 128, AddressClass::kUnspecified},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, AddressClass::kLoopback},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, AddressClass::kPrivate},  // local-use NAT64
    {{0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64, AddressClass::kReserved},       // discard-only
    {{0x20, 0x01, 0x0d, 0xb8}, 32, AddressClass::kDocumentation},
    {{0x20, 0x01, 0x00}, 23, AddressClass::kReserved},  // IETF protocol assignments, Teredo
    {{0x3f, 0xff}, 20, AddressClass::kDocumentation},
    {{0x5f, 0x00}, 16, AddressClass::kReserved},  // SRv6 SIDs
    {{0xfc}, 7, AddressClass::kPrivate},          // unique local
    {{0xfe, 0x80}, 10, AddressClass::kLinkLocal},
    {{0xfe, 0xc0}, 10, AddressClass::kPrivate},  // deprecated site-local
    {{0xff}, 8, AddressClass::kMulticast},
};

AddressClass classifyV4(const IpAddress& a) {
  for (const auto& r : kV4Ranges) {
    if (prefixMatches(a.bytes, r.bytes, r.prefix)) return r.cls;
  }
  return AddressClass::kPublic;
}

// The IPv4 address carried inside an IPv6 one, and the name of the carrying scheme.
std::optional<std::pair<IpAddress, const char*>> embeddedV4(const IpAddress& a) {
  const auto& b = a.bytes;
  auto tail = [&b](size_t at) { return IpAddress::v4(b[at], b[at + 1], b[at + 2], b[at + 3]); };
  auto zeros = [&b](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (b[i] != 0) return false;
    }
    return true;
  };
  if (zeros(0, 10) && b[10] == 0xff && b[11] == 0xff) return {{tail(12), "IPv4-mapped"}};
  if (zeros(0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) {
    return {{tail(12), "IPv4-translated"}};
  }
  // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 themselves are not embedded forms.
  if (zeros(0, 12) && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1)) {
    return {{tail(12), "IPv4-compatible"}};
  }
  static constexpr uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (std::memcmp(b.data(), kNat64, sizeof kNat64) == 0) return {{tail(12), "NAT64"}};
  if (b[0] == 0x20 && b[1] == 0x02) return {{tail(2), "6to4"}};
  return std::nullopt;
}

AddressClassification classifyV6(const IpAddress& a) {
  if (auto embedded = embeddedV4(a)) {
    return {classifyV4(embedded->first), embedded->first, embedded->second};
  }
  for (const auto& r : kV6Ranges) {
    if (prefixMatches(a.bytes, r.bytes, r.prefix)) return {r.cls, a, nullptr};
  }
  // Only 2000::/3 is allocated as global unicast; everything else is unassigned.
  if ((a.bytes[0] & 0xe0) == 0x20) return {AddressClass::kPublic, a, nullptr};
  return {AddressClass::kReserved, a, nullptr};
}

}  // namespace

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress out;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  return out;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  IpAddress out;
  if (s.find(':') == std::string::npos) {
    // inet_pton(AF_INET) is strict: four decimal octets, no octal/hex/short forms.
    if (inet_pton(AF_INET, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
    return out;
  }
  out.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
  return out;
}

std::optional<IpAddress> IpAddress::fromSockaddr(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr) return std::nullopt;
  IpAddress out;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, sa, sizeof in);
    std::memcpy(out.bytes.data(), &in.sin_addr, 4);
    return out;
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa, sizeof in6);
    out.v6 = true;
    std::memcpy(out.bytes.data(), &in6.sin6_addr, 16);
    return out;
  }
  return std::nullopt;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.v6 != network.v6) return false;
  return prefixMatches(address.bytes, network.bytes, prefix);
}

std::string Cidr::toString() const {
  return network.toString() + "/" + std::to_string(prefix);
}

Result<Cidr> parseCidr(std::string_view text) {
  std::string_view addr_text = text;
  std::optional<int> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size()) {
      return Error::unprocessable("", "'" + std::string(text) +
                                          "' is not a network: the prefix length after '/' must "
                                          "be a number");
    }
    prefix = value;
  }
  auto address = IpAddress::parse(addr_text);
  if (!address) {
    return Error::unprocessable("", "'" + std::string(text) +
                                        "' is not a network: expected an IPv4 or IPv6 address "
                                        "with an optional /prefix, e.g. 10.0.0.0/8 or fd00::/8");
  }
  int max = address->v6 ? 128 : 32;
  Cidr cidr{*address, prefix.value_or(max)};
  if (cidr.prefix < 0 || cidr.prefix > max) {
    return Error::unprocessable(
        "", "'" + std::string(text) + "' has a prefix length outside 0.." + std::to_string(max));
  }
  Cidr masked = cidr;
  for (size_t i = 0; i < 16; ++i) {
    int bit = static_cast<int>(i) * 8;
    if (bit >= cidr.prefix) {
      masked.network.bytes[i] = 0;
    } else if (bit + 8 > cidr.prefix) {
      masked.network.bytes[i] &= static_cast<uint8_t>(0xff << (bit + 8 - cidr.prefix));
    }
  }
  if (!(masked.network == cidr.network)) {
    return Error::unprocessable("", "'" + std::string(text) +
                                        "' has bits set below the prefix length; did you mean " +
                                        masked.toString() + "?");
  }
  return cidr;
}

const char* addressClassName(AddressClass cls) {
  switch (cls) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kThisNetwork:
      return "this-network";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kSharedAddress:
      return "carrier-grade NAT";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kBroadcast:
      return "broadcast";
    case AddressClass::kDocumentation:
      return "documentation";
    case AddressClass::kReserved:
      return "reserved";
    case AddressClass::kNotIp:
      return "not an IP address";
  }
  return "reserved";
}

AddressClassification classifyAddress(const IpAddress& address) {
  if (!address.v6) return {classifyV4(address), address, nullptr};
  return classifyV6(address);
}

AddressClassification classifyAddress(const sockaddr* sa, socklen_t len) {
  auto address = IpAddress::fromSockaddr(sa, len);
  if (!address) return {AddressClass::kNotIp, IpAddress{}, nullptr};
  return classifyAddress(*address);
}

std::string AddressRefusal::message(std::string_view host) const {
  static constexpr std::string_view kPolicy =
      ": outbound requests to loopback, private, link-local and reserved addresses are blocked; "
      "add the network to ";
  std::string out = "refusing to connect to ";
  if (classification.cls == AddressClass::kNotIp) {
    out += "a non-IP socket address";
    if (!host.empty()) out += " for " + std::string(host);
    return out + ": only IPv4 and IPv6 destinations are allowed";
  }
  std::string text = address.toString();
  out += text;
  out += " (";
  if (classification.via != nullptr) {
    out += classification.via;
    out += ' ';
    out += classification.judged.toString();
    out += ", ";
  }
  out += addressClassName(classification.cls);
  out += ')';
  // The URL host, unless it is just this address spelled as the URL spells it.
  std::string_view bare = host;
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  if (!bare.empty()) {
    auto literal = IpAddress::parse(bare);
    if (!literal || !(*literal == address)) {
      out += ", the address of ";
      out += host;
    }
  }
  out += kPolicy;
  out += kAllowedNetworksKey;
  out += " to allow it";
  return out;
}

AddressGuard::AddressGuard(std::vector<Cidr> allowed_networks)
    : allowed_(std::move(allowed_networks)) {}

Result<AddressGuard> AddressGuard::fromStrings(const std::vector<std::string>& allowed_networks) {
  std::vector<Cidr> cidrs;
  for (const auto& text : allowed_networks) {
    auto cidr = parseCidr(text);
    if (!cidr.ok()) {
      Error error = cidr.error();
      error.field = std::string(kAllowedNetworksKey);
      return error;
    }
    cidrs.push_back(*cidr);
  }
  return AddressGuard(std::move(cidrs));
}

bool AddressGuard::isAllowed(const IpAddress& address) const {
  for (const auto& cidr : allowed_) {
    if (cidr.contains(address)) return true;
  }
  IpAddress embedded = classifyAddress(address).judged;
  if (embedded == address) return false;
  for (const auto& cidr : allowed_) {
    if (cidr.contains(embedded)) return true;
  }
  return false;
}

std::optional<AddressRefusal> AddressGuard::check(const IpAddress& address) const {
  AddressClassification c = classifyAddress(address);
  if (c.cls == AddressClass::kPublic) return std::nullopt;
  // An allowed 127.0.0.0/8 also admits ::ffff:127.0.0.1: both name the same destination.
  if (isAllowed(address) || isAllowed(c.judged)) return std::nullopt;
  return AddressRefusal{address, c};
}

std::optional<AddressRefusal> AddressGuard::check(const sockaddr* sa, socklen_t len) const {
  auto address = IpAddress::fromSockaddr(sa, len);
  if (!address) return AddressRefusal{IpAddress{}, {AddressClass::kNotIp, IpAddress{}, nullptr}};
  return check(*address);
}

}  // namespace triggerd
