// AddressLimits alone: keys per IP address, caps, and IPv4-mapped IPv6.
#include "http/address_limits.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

namespace triggerd {
namespace {

AddressLimits::Key v4(const char* text, uint16_t port = 1000) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, text, &sa.sin_addr);
  return *AddressLimits::keyOf(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
}

AddressLimits::Key v6(const char* text, uint16_t port = 1000) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  inet_pton(AF_INET6, text, &sa.sin6_addr);
  return *AddressLimits::keyOf(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
}

TEST(AddressLimitsTest, KeysIgnoreThePortAndMapIpv4InIpv6) {
  EXPECT_EQ(v4("192.0.2.1", 1), v4("192.0.2.1", 2));
  EXPECT_FALSE(v4("192.0.2.1") == v4("192.0.2.2"));
  EXPECT_EQ(v6("::ffff:192.0.2.1"), v4("192.0.2.1"));
  EXPECT_FALSE(v6("2001:db8::1") == v6("2001:db8::2"));
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  EXPECT_FALSE(AddressLimits::keyOf(reinterpret_cast<sockaddr*>(&sun), sizeof sun).has_value());
  sockaddr_in short_sa{};
  short_sa.sin_family = AF_INET;
  EXPECT_FALSE(AddressLimits::keyOf(reinterpret_cast<sockaddr*>(&short_sa), 4).has_value());
}

TEST(AddressLimitsTest, CapsEachAddressSeparately) {
  AddressLimits limits;
  auto a = v4("198.51.100.1");
  auto b = v4("198.51.100.2");
  EXPECT_TRUE(limits.tryAdd(a, 2));
  EXPECT_TRUE(limits.tryAdd(a, 2));
  EXPECT_FALSE(limits.tryAdd(a, 2));
  EXPECT_TRUE(limits.tryAdd(b, 2));
  EXPECT_EQ(limits.count(a), 2u);
  limits.remove(a);
  EXPECT_TRUE(limits.tryAdd(a, 2));
  limits.remove(a);
  limits.remove(a);
  limits.remove(b);
  EXPECT_EQ(limits.addresses(), 0u);  // no entry left behind
  limits.remove(b);                   // an unknown key is ignored
}

TEST(AddressLimitsTest, ZeroMeansNoCap) {
  AddressLimits limits;
  auto a = v4("203.0.113.9");
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limits.tryAdd(a, 0));
  EXPECT_EQ(limits.count(a), 1000u);
}

}  // namespace
}  // namespace triggerd
