// The outbound address guard (http/address_guard.h): parsing allowed networks (CIDR) and
// addresses, classifying them, and the guard's verdict, including through sockaddrs as curl
// hands them over. Properties: parsed addresses and networks print back to text that parses
// to the same value; a network contains its own address; an allowed public address is never
// refused; the sockaddr path agrees with the parsed one.
//
// Input: <allowed networks, comma-separated>\n then one address or network per line. The last
// 16 bytes of the input are also classified as a raw IPv6 address.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "http/address_guard.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace triggerd;

void require(bool condition) {
  if (!condition) std::abort();
}

std::vector<std::string> splitOn(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t at = text.find(sep);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return out;
}

void checkAddress(const AddressGuard& guard, const IpAddress& a) {
  auto printed = IpAddress::parse(a.toString());
  require(printed && *printed == a);
  AddressClassification c = classifyAddress(a);
  require(addressClassName(c.cls) != nullptr);
  auto verdict = guard.check(a);
  if (c.cls == AddressClass::kPublic) require(!verdict);
  if (verdict) require(!verdict->message("example.com").empty());

  // The same address as curl passes it: the verdict must not depend on the route taken.
  if (a.v6) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    std::memcpy(&sa.sin6_addr, a.bytes.data(), 16);
    auto via = guard.check(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    require(via.has_value() == verdict.has_value());
  } else {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    std::memcpy(&sa.sin_addr, a.bytes.data(), 4);
    auto via = guard.check(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    require(via.has_value() == verdict.has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [networks, lines] = fuzz::fields<2>(fuzz::asText(data, size));
  auto guard = AddressGuard::fromStrings(splitOn(networks, ','));
  if (!guard.ok()) {
    require(!guard.error().message.empty());
    guard = AddressGuard();
  }
  for (const Cidr& n : guard->allowedNetworks()) {
    require(n.contains(n.network));
    auto again = parseCidr(n.toString());
    require(again.ok() && again->network == n.network && again->prefix == n.prefix);
  }
  for (const std::string& line : splitOn(lines, '\n')) {
    if (auto a = IpAddress::parse(line)) checkAddress(*guard, *a);
    auto cidr = parseCidr(line);
    if (cidr.ok()) {
      auto again = parseCidr(cidr->toString());
      require(again.ok() && again->network == cidr->network && again->prefix == cidr->prefix);
      require(cidr->contains(cidr->network));
    }
  }
  if (size >= 16) {
    IpAddress raw;
    raw.v6 = true;
    std::memcpy(raw.bytes.data(), data + size - 16, 16);
    checkAddress(*guard, raw);
  }
  return 0;
}
