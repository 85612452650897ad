// SSRF guard for outbound requests: decides whether triggerd may open a connection to an IP
// address. CurlMultiClient asks it from CURLOPT_OPENSOCKETFUNCTION, i.e. about the binary
// address curl is about to connect to, after DNS. That one check covers DNS rebinding and every
// spelling of an address (2130706433, 0177.0.0.1, 0x7f.1, 127.1, [::ffff:127.0.0.1], ...).
// Pure: no I/O, no loop; unit-tested over a table.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace triggerd {

// The config key that lists networks the guard lets through; named in every refusal.
inline constexpr std::string_view kAllowedNetworksKey = "security.allowed_networks";

// An IPv4 or IPv6 address in network byte order. IPv4 uses bytes[0..3].
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  size_t size() const { return v6 ? 16 : 4; }
  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  // Strict literal: dotted quad ("10.0.0.1") or RFC 4291 text ("fe80::1"), no brackets, no zone.
  static std::optional<IpAddress> parse(std::string_view text);
  // AF_INET / AF_INET6 only; nullopt for any other family or a short length.
  static std::optional<IpAddress> fromSockaddr(const sockaddr* sa, socklen_t len);
  std::string toString() const;
  bool operator==(const IpAddress&) const = default;
};

// A network: address plus prefix length. parseCidr("10.0.0.0/8"), a bare address is a host route.
struct Cidr {
  IpAddress network;
  int prefix = 0;

  bool contains(const IpAddress& address) const;  // false across families
  std::string toString() const;
};

// Parses "a.b.c.d/n", "v6::/n" or a bare address (/32, /128). Refuses host bits below the
// prefix ("10.0.0.1/8") with a hint, since that is usually a typo.
Result<Cidr> parseCidr(std::string_view text);

// Why an address is or is not a public destination. Each value's name() appears in refusals.
enum class AddressClass {
  kPublic,         // globally routable unicast: allowed
  kUnspecified,    // 0.0.0.0, ::
  kThisNetwork,    // 0.0.0.0/8
  kLoopback,       // 127.0.0.0/8, ::1
  kPrivate,        // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10, 64:ff9b:1::/48
  kSharedAddress,  // 100.64.0.0/10, carrier-grade NAT
  kLinkLocal,      // 169.254.0.0/16 (cloud metadata lives here), fe80::/10
  kMulticast,      // 224.0.0.0/4, ff00::/8
  kBroadcast,      // 255.255.255.255
  kDocumentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
  kReserved,       // 240/4, 192.0.0/24, 198.18/15, 192.88.99/24, 100::/64, 2001::/23, non-2000::/3
  kNotIp,          // a socket family other than AF_INET/AF_INET6
};
const char* addressClassName(AddressClass cls);

struct AddressClassification {
  AddressClass cls = AddressClass::kReserved;
  // The address the class was decided on: the address itself, or the IPv4 address embedded in
  // an IPv4-mapped/-compatible/-translated, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address.
  IpAddress judged;
  const char* via = nullptr;  // "IPv4-mapped", "NAT64", "6to4", ... when judged is embedded
};

AddressClassification classifyAddress(const IpAddress& address);
AddressClassification classifyAddress(const sockaddr* sa, socklen_t len);

// The guard's verdict on one address that it refuses.
struct AddressRefusal {
  IpAddress address;
  AddressClassification classification;

  // "refusing to connect to 127.0.0.1 (loopback): outbound requests to loopback, private,
  // link-local and reserved addresses are blocked; add the network to security.allowed_networks
  // to allow it". `host` (the URL's host) is named too when it is not the address itself.
  std::string message(std::string_view host = {}) const;
};

// Policy: every class but kPublic is refused unless the address (or the IPv4 address embedded in
// it) lies in one of the allowed networks. Copyable; cheap to check.
class AddressGuard {
 public:
  AddressGuard() = default;  // refuses every non-public address
  explicit AddressGuard(std::vector<Cidr> allowed_networks);
  // From config strings; the error names the entry that does not parse.
  static Result<AddressGuard> fromStrings(const std::vector<std::string>& allowed_networks);

  // nullopt when the connection may proceed.
  std::optional<AddressRefusal> check(const IpAddress& address) const;
  std::optional<AddressRefusal> check(const sockaddr* sa, socklen_t len) const;

  const std::vector<Cidr>& allowedNetworks() const { return allowed_; }
  // Whether the address (or the IPv4 address embedded in it) lies in an allowed network: a
  // network the operator vouches for, which is what plain HTTP needs (not merely "public").
  bool isAllowed(const IpAddress& address) const;

 private:
  std::vector<Cidr> allowed_;
};

}  // namespace triggerd
