#include "http/address_guard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

namespace triggerd {
namespace {

struct Case {
  const char* address;
  AddressClass expected;
};

IpAddress ip(const char* text) {
  auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpAddress{});
}

constexpr Case kCases[] = {
    // IPv4 public.
    {"8.8.8.8", AddressClass::kPublic},
    {"1.1.1.1", AddressClass::kPublic},
    {"140.82.112.3", AddressClass::kPublic},  // api.github.com
    {"172.15.255.255", AddressClass::kPublic},
    {"172.32.0.0", AddressClass::kPublic},
    {"100.63.255.255", AddressClass::kPublic},
    {"100.128.0.0", AddressClass::kPublic},
    {"169.253.255.255", AddressClass::kPublic},
    {"192.167.255.255", AddressClass::kPublic},
    {"192.169.0.0", AddressClass::kPublic},
    {"198.17.255.255", AddressClass::kPublic},
    {"198.20.0.0", AddressClass::kPublic},
    {"223.255.255.255", AddressClass::kPublic},
    {"11.0.0.0", AddressClass::kPublic},
    {"126.255.255.255", AddressClass::kPublic},
    {"128.0.0.0", AddressClass::kPublic},
    {"192.0.1.1", AddressClass::kPublic},
    // IPv4 special.
    {"0.0.0.0", AddressClass::kUnspecified},
    {"0.1.2.3", AddressClass::kThisNetwork},
    {"0.255.255.255", AddressClass::kThisNetwork},
    {"127.0.0.1", AddressClass::kLoopback},
    {"127.255.255.254", AddressClass::kLoopback},
    {"127.1.2.3", AddressClass::kLoopback},
    {"10.0.0.1", AddressClass::kPrivate},
    {"10.255.255.255", AddressClass::kPrivate},
    {"172.16.0.1", AddressClass::kPrivate},
    {"172.31.255.255", AddressClass::kPrivate},
    {"192.168.1.1", AddressClass::kPrivate},
    {"192.168.255.255", AddressClass::kPrivate},
    {"100.64.0.1", AddressClass::kSharedAddress},
    {"100.127.255.255", AddressClass::kSharedAddress},
    {"169.254.169.254", AddressClass::kLinkLocal},  // cloud metadata
    {"169.254.0.1", AddressClass::kLinkLocal},
    {"224.0.0.1", AddressClass::kMulticast},
    {"239.255.255.250", AddressClass::kMulticast},
    {"255.255.255.255", AddressClass::kBroadcast},
    {"240.0.0.1", AddressClass::kReserved},
    {"255.255.255.254", AddressClass::kReserved},
    {"192.0.0.8", AddressClass::kReserved},
    {"192.88.99.1", AddressClass::kReserved},
    {"198.18.0.1", AddressClass::kReserved},
    {"198.19.255.255", AddressClass::kReserved},
    {"192.0.2.1", AddressClass::kDocumentation},
    {"198.51.100.7", AddressClass::kDocumentation},
    {"203.0.113.9", AddressClass::kDocumentation},
    // IPv6 public.
    {"2606:4700:4700::1111", AddressClass::kPublic},
    {"2a00:1450:4001:80b::200e", AddressClass::kPublic},
    {"2001:4860:4860::8888", AddressClass::kPublic},
    {"2001:200::1", AddressClass::kPublic},
    {"3ffe::1", AddressClass::kPublic},
    // IPv6 special.
    {"::", AddressClass::kUnspecified},
    {"::1", AddressClass::kLoopback},
    {"fe80::1", AddressClass::kLinkLocal},
    {"febf:ffff::1", AddressClass::kLinkLocal},
    {"fc00::1", AddressClass::kPrivate},
    {"fd12:3456:789a::1", AddressClass::kPrivate},
    {"fec0::1", AddressClass::kPrivate},
    {"ff02::1", AddressClass::kMulticast},
    {"ff05::1:3", AddressClass::kMulticast},
    {"2001:db8::1", AddressClass::kDocumentation},
    {"3fff::1", AddressClass::kDocumentation},
    {"2001::1", AddressClass::kReserved},  // Teredo
    {"2001:10::1", AddressClass::kReserved},
    {"100::1", AddressClass::kReserved},
    {"5f00::1", AddressClass::kReserved},
    {"4000::1", AddressClass::kReserved},  // outside 2000::/3
    {"1::1", AddressClass::kReserved},
    {"64:ff9b:1::a00:1", AddressClass::kPrivate},
    // IPv6 forms carrying an IPv4 address: judged as that address.
    {"::ffff:127.0.0.1", AddressClass::kLoopback},
    {"::ffff:7f00:1", AddressClass::kLoopback},
    {"::ffff:10.1.2.3", AddressClass::kPrivate},
    {"::ffff:169.254.169.254", AddressClass::kLinkLocal},
    {"::ffff:8.8.8.8", AddressClass::kPublic},
    {"::ffff:0.0.0.0", AddressClass::kUnspecified},
    {"::127.0.0.1", AddressClass::kLoopback},  // IPv4-compatible
    {"::10.0.0.1", AddressClass::kPrivate},
    {"::8.8.8.8", AddressClass::kPublic},
    {"::ffff:0:127.0.0.1", AddressClass::kLoopback},  // IPv4-translated
    {"64:ff9b::127.0.0.1", AddressClass::kLoopback},  // NAT64
    {"64:ff9b::a9fe:a9fe", AddressClass::kLinkLocal},
    {"64:ff9b::8.8.8.8", AddressClass::kPublic},
    {"2002:7f00:1::", AddressClass::kLoopback},  // 6to4 of 127.0.0.1
    {"2002:c0a8:101::1", AddressClass::kPrivate},
    {"2002:a9fe:a9fe::", AddressClass::kLinkLocal},
    {"2002:808:808::1", AddressClass::kPublic},
};

TEST(ClassifyAddressTest, Table) {
  for (const auto& c : kCases) {
    AddressClassification got = classifyAddress(ip(c.address));
    EXPECT_EQ(got.cls, c.expected) << c.address << " classified " << addressClassName(got.cls)
                                   << ", expected " << addressClassName(c.expected);
  }
}

TEST(ClassifyAddressTest, EmbeddedIpv4IsReported) {
  auto mapped = classifyAddress(ip("::ffff:127.0.0.1"));
  EXPECT_STREQ(mapped.via, "IPv4-mapped");
  EXPECT_EQ(mapped.judged.toString(), "127.0.0.1");
  auto nat64 = classifyAddress(ip("64:ff9b::10.0.0.1"));
  EXPECT_STREQ(nat64.via, "NAT64");
  EXPECT_EQ(nat64.judged.toString(), "10.0.0.1");
  auto six_to_four = classifyAddress(ip("2002:c0a8:101::1"));
  EXPECT_STREQ(six_to_four.via, "6to4");
  EXPECT_EQ(six_to_four.judged.toString(), "192.168.1.1");
  EXPECT_EQ(classifyAddress(ip("::1")).via, nullptr);
  EXPECT_EQ(classifyAddress(ip("8.8.8.8")).via, nullptr);
}

TEST(ClassifyAddressTest, FromSockaddr) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(443);
  inet_pton(AF_INET, "169.254.169.254", &in.sin_addr);
  EXPECT_EQ(classifyAddress(reinterpret_cast<sockaddr*>(&in), sizeof in).cls,
            AddressClass::kLinkLocal);

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:192.168.0.1", &in6.sin6_addr);
  EXPECT_EQ(classifyAddress(reinterpret_cast<sockaddr*>(&in6), sizeof in6).cls,
            AddressClass::kPrivate);
  inet_pton(AF_INET6, "2606:4700::1", &in6.sin6_addr);
  EXPECT_EQ(classifyAddress(reinterpret_cast<sockaddr*>(&in6), sizeof in6).cls,
            AddressClass::kPublic);

  // A short length or another family is never an acceptable destination.
  EXPECT_EQ(classifyAddress(reinterpret_cast<sockaddr*>(&in6), 8).cls, AddressClass::kNotIp);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  EXPECT_EQ(classifyAddress(reinterpret_cast<sockaddr*>(&un), sizeof un).cls, AddressClass::kNotIp);
  EXPECT_EQ(classifyAddress(nullptr, 0).cls, AddressClass::kNotIp);
}

TEST(IpAddressTest, ParseIsStrict) {
  EXPECT_TRUE(IpAddress::parse("10.0.0.1"));
  EXPECT_TRUE(IpAddress::parse("::ffff:10.0.0.1"));
  // Non-canonical IPv4 spellings are not literals here; curl normalises URL hosts before.
  EXPECT_FALSE(IpAddress::parse("127.1"));
  EXPECT_FALSE(IpAddress::parse("2130706433"));
  EXPECT_FALSE(IpAddress::parse("0x7f.0.0.1"));
  EXPECT_FALSE(IpAddress::parse("[::1]"));
  EXPECT_FALSE(IpAddress::parse("fe80::1%eth0"));
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_FALSE(IpAddress::parse("localhost"));
  EXPECT_EQ(IpAddress::parse("::ffff:127.0.0.1")->toString(), "::ffff:127.0.0.1");
}

TEST(ParseCidrTest, Accepts) {
  auto v4 = parseCidr("10.0.0.0/8");
  ASSERT_TRUE(v4.ok()) << v4.error().message;
  EXPECT_EQ(v4->prefix, 8);
  EXPECT_TRUE(v4->contains(ip("10.200.3.4")));
  EXPECT_FALSE(v4->contains(ip("11.0.0.0")));
  EXPECT_FALSE(v4->contains(ip("::ffff:10.0.0.1")));  // families never mix in contains()

  auto host = parseCidr("192.168.1.10");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->prefix, 32);
  EXPECT_TRUE(host->contains(ip("192.168.1.10")));
  EXPECT_FALSE(host->contains(ip("192.168.1.11")));

  auto v6 = parseCidr("fd00::/8");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->contains(ip("fd12::1")));
  EXPECT_FALSE(v6->contains(ip("fe80::1")));

  auto odd = parseCidr("172.16.0.0/12");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->contains(ip("172.31.1.1")));
  EXPECT_FALSE(odd->contains(ip("172.32.0.0")));

  auto all = parseCidr("0.0.0.0/0");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->contains(ip("127.0.0.1")));
  EXPECT_EQ(parseCidr("::1")->toString(), "::1/128");
}

TEST(ParseCidrTest, RefusesWithReasons) {
  auto host_bits = parseCidr("10.0.0.1/8");
  ASSERT_FALSE(host_bits.ok());
  EXPECT_NE(host_bits.error().message.find("did you mean 10.0.0.0/8?"), std::string::npos)
      << host_bits.error().message;
  EXPECT_FALSE(parseCidr("10.0.0.0/33").ok());
  EXPECT_FALSE(parseCidr("::/129").ok());
  EXPECT_FALSE(parseCidr("10.0.0.0/").ok());
  EXPECT_FALSE(parseCidr("10.0.0.0/8x").ok());
  EXPECT_FALSE(parseCidr("10.0.0.0/-1").ok());
  EXPECT_FALSE(parseCidr("10.0.0/8").ok());
  EXPECT_FALSE(parseCidr("example.com/8").ok());
  EXPECT_FALSE(parseCidr("").ok());
}

TEST(AddressGuardTest, RefusesNonPublicByDefault) {
  AddressGuard guard;
  EXPECT_FALSE(guard.check(ip("8.8.8.8")));
  EXPECT_FALSE(guard.check(ip("2606:4700:4700::1111")));
  for (const auto& c : kCases) {
    bool refused = guard.check(ip(c.address)).has_value();
    EXPECT_EQ(refused, c.expected != AddressClass::kPublic) << c.address;
  }
}

TEST(AddressGuardTest, AllowedNetworksLetThrough) {
  auto guard = AddressGuard::fromStrings({"127.0.0.0/8", "10.1.0.0/16", "fd00::/8"});
  ASSERT_TRUE(guard.ok());
  EXPECT_FALSE(guard->check(ip("127.0.0.1")));
  EXPECT_FALSE(guard->check(ip("::ffff:127.0.0.1")));  // same destination as 127.0.0.1
  EXPECT_FALSE(guard->check(ip("10.1.2.3")));
  EXPECT_FALSE(guard->check(ip("fd00::5")));
  EXPECT_TRUE(guard->check(ip("10.2.0.1")));
  EXPECT_TRUE(guard->check(ip("::1")));  // IPv6 loopback is a separate network
  EXPECT_TRUE(guard->check(ip("169.254.169.254")));
}

TEST(AddressGuardTest, FromStringsNamesTheBadEntry) {
  auto guard = AddressGuard::fromStrings({"10.0.0.0/8", "not-a-network"});
  ASSERT_FALSE(guard.ok());
  EXPECT_EQ(guard.error().field, "security.allowed_networks");
  EXPECT_NE(guard.error().message.find("not-a-network"), std::string::npos);
}

TEST(AddressGuardTest, RefusalMessages) {
  AddressGuard guard;
  auto refusal = guard.check(ip("127.0.0.1"));
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->message(),
            "refusing to connect to 127.0.0.1 (loopback): outbound requests to loopback, "
            "private, link-local and reserved addresses are blocked; add the network to "
            "security.allowed_networks to allow it");
  EXPECT_EQ(refusal->message("127.0.0.1"), refusal->message());
  EXPECT_NE(refusal->message("localhost").find("127.0.0.1 (loopback), the address of localhost"),
            std::string::npos);

  auto mapped = guard.check(ip("::ffff:169.254.169.254"));
  ASSERT_TRUE(mapped);
  EXPECT_NE(mapped->message("[::ffff:169.254.169.254]")
                .find("refusing to connect to ::ffff:169.254.169.254 (IPv4-mapped "
                      "169.254.169.254, link-local): "),
            std::string::npos)
      << mapped->message("[::ffff:169.254.169.254]");
}

// Plain HTTP with a token is allowed only into networks the operator listed: a public address
// passes the guard but is not "allowed" in that sense.
TEST(AddressGuardAllowed, OnlyListedNetworksCountAsVouchedFor) {
  auto guard = AddressGuard::fromStrings({"10.20.0.0/16"});
  ASSERT_TRUE(guard.ok());
  EXPECT_TRUE(guard->isAllowed(*IpAddress::parse("10.20.3.4")));
  EXPECT_TRUE(guard->isAllowed(*IpAddress::parse("::ffff:10.20.3.4")));  // the same destination
  EXPECT_FALSE(guard->isAllowed(*IpAddress::parse("8.8.8.8")));
  EXPECT_FALSE(guard->check(*IpAddress::parse("8.8.8.8")).has_value());  // public passes the guard
  EXPECT_FALSE(guard->isAllowed(*IpAddress::parse("10.21.0.1")));
}

}  // namespace
}  // namespace triggerd
