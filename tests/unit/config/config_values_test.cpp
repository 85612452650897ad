#include "config/config_values.h"

#include <gtest/gtest.h>

namespace triggerd::config {
namespace {

using std::chrono::milliseconds;

TEST(ConfigValuesTest, DurationsNeedAUnit) {
  EXPECT_EQ(parseDuration("500ms").value(), milliseconds(500));
  EXPECT_EQ(parseDuration("10s").value(), milliseconds(10000));
  EXPECT_EQ(parseDuration("5m").value(), milliseconds(300000));
  EXPECT_EQ(parseDuration("72h").value(), milliseconds(72LL * 3600 * 1000));
  EXPECT_EQ(parseDuration("7d").value(), milliseconds(7LL * 86400 * 1000));
  EXPECT_EQ(parseDuration("1h30m").value(), milliseconds(5400000));
  EXPECT_EQ(parseDuration("0s").value(), milliseconds(0));
  for (const char* bad :
       {"", "10", "10 s", "1.5s", "10x", "s", "-1s", "10S", "1h 30m", "99999999999999999d"}) {
    EXPECT_FALSE(parseDuration(bad).ok()) << bad;
  }
  EXPECT_NE(parseDuration("10").error().message.find("\"10s\""), std::string::npos);
}

TEST(ConfigValuesTest, DurationsFormatShortestExact) {
  EXPECT_EQ(formatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(formatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(formatDuration(milliseconds(90000)), "90s");
  EXPECT_EQ(formatDuration(milliseconds(5400000)), "90m");
  EXPECT_EQ(formatDuration(milliseconds(86400000)), "1d");
  EXPECT_EQ(formatDuration(milliseconds(72LL * 3600 * 1000)), "3d");
  for (const char* text : {"250ms", "10s", "15m", "36h", "7d"}) {
    EXPECT_EQ(formatDuration(parseDuration(text).value()), text);
  }
}

TEST(ConfigValuesTest, SizesTakeIecUnitsOrBytes) {
  EXPECT_EQ(parseSize("10MiB").value(), 10u * 1024 * 1024);
  EXPECT_EQ(parseSize("64KiB").value(), 64u * 1024);
  EXPECT_EQ(parseSize("1gib").value(), 1024u * 1024 * 1024);
  EXPECT_EQ(parseSize("512B").value(), 512u);
  EXPECT_EQ(parseSize("4096").value(), 4096u);
  EXPECT_EQ(parseSize("8 MiB").value(), 8u * 1024 * 1024);
  EXPECT_NE(parseSize("10MB").error().message.find("binary units"), std::string::npos);
  EXPECT_NE(parseSize("10XB").error().message.find("unknown unit"), std::string::npos);
  EXPECT_FALSE(parseSize("-1").ok());
  EXPECT_FALSE(parseSize("MiB").ok());
  EXPECT_FALSE(parseSize("1.5MiB").ok());
  EXPECT_EQ(formatSize(10u * 1024 * 1024), "10MiB");
  EXPECT_EQ(formatSize(1000), "1000");
  EXPECT_EQ(formatSize(2048), "2KiB");
}

TEST(ConfigValuesTest, UrlsAreNormalised) {
  EXPECT_EQ(normaliseHttpUrl("https://triggerd.example.com/").value(),
            "https://triggerd.example.com");
  EXPECT_EQ(normaliseHttpUrl("HTTPS://GHE.Example.com/api/v3//").value(),
            "https://ghe.example.com/api/v3");
  EXPECT_EQ(normaliseHttpUrl("http://127.0.0.1:8080").value(), "http://127.0.0.1:8080");
  EXPECT_EQ(normaliseHttpUrl("http://[::1]:8080/x").value(), "http://[::1]:8080/x");
  for (const char* bad :
       {"ftp://example.com", "example.com", "https://", "https://a b",
        "https://user:pw@example.com", "https://example.com/?x=1", "https://example.com/#top",
        "https://example.com:0", "https://example.com:99999",
        "https://example.com:", "https://[zz]/", "https://exa$mple.com"}) {
    EXPECT_FALSE(normaliseHttpUrl(bad).ok()) << bad;
  }
  EXPECT_NE(normaliseHttpUrl("ftp://x").error().message.find("only http and https"),
            std::string::npos);
}

TEST(ConfigValuesTest, CidrsAreCheckedAndCanonical) {
  EXPECT_EQ(parseCidr("10.0.0.0/8").value(), "10.0.0.0/8");
  EXPECT_EQ(parseCidr("192.0.2.7/32").value(), "192.0.2.7/32");
  EXPECT_EQ(parseCidr("0.0.0.0/0").value(), "0.0.0.0/0");
  EXPECT_EQ(parseCidr("FD00::/8").value(), "fd00::/8");
  EXPECT_EQ(parseCidr("::1/128").value(), "::1/128");
  EXPECT_NE(parseCidr("10.0.0.1/8").error().message.find("did you mean \"10.0.0.0/8\"?"),
            std::string::npos);
  EXPECT_NE(parseCidr("fd00::1/8").error().message.find("\"fd00::/8\""), std::string::npos);
  EXPECT_NE(parseCidr("10.0.0.0").error().message.find("prefix length"), std::string::npos);
  for (const char* bad :
       {"10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/", "host/8", "10.0.0.0/-1", "fd00::zz/16"}) {
    EXPECT_FALSE(parseCidr(bad).ok()) << bad;
  }
}

TEST(ConfigValuesTest, ListenAddresses) {
  auto v4 = parseListenAddress("127.0.0.1:8080", "k");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  EXPECT_EQ(v4->text, "127.0.0.1:8080");
  auto v6 = parseListenAddress("[::1]:9000", "k");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  auto unix_socket = parseListenAddress("unix:/run/triggerd/admin.sock", "k");
  ASSERT_TRUE(unix_socket.ok());
  EXPECT_EQ(unix_socket->unix_path, "/run/triggerd/admin.sock");
  EXPECT_TRUE(unix_socket->host.empty());

  EXPECT_NE(parseListenAddress("localhost:8080", "k").error().message.find("not an IP address"),
            std::string::npos);
  EXPECT_NE(parseListenAddress("::1:8080", "k").error().message.find("brackets"),
            std::string::npos);
  EXPECT_NE(parseListenAddress("unix:run/a.sock", "k").error().message.find("absolute"),
            std::string::npos);
  for (const char* bad : {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", ":8080", "[::1]8080",
                          "[::1:8080", "127.0.0.1:http", "unix:"}) {
    EXPECT_FALSE(parseListenAddress(bad, "k").ok()) << bad;
  }
  EXPECT_EQ(parseListenAddress("x", "server.admin_listen").error().field, "server.admin_listen");
}

TEST(ConfigValuesTest, Sha256Hex) {
  EXPECT_TRUE(isSha256Hex(std::string(64, 'a')));
  EXPECT_TRUE(isSha256Hex(std::string(64, 'F')));
  EXPECT_FALSE(isSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(isSha256Hex(std::string(64, 'g')));
}

TEST(ConfigValuesTest, ClosestMatchFindsTypos) {
  std::vector<std::string> keys{"server.public_base_url", "server.public_listen",
                                "limits.max_body_bytes"};
  EXPECT_EQ(closestMatch("server.publc_base_url", keys), "server.public_base_url");
  EXPECT_EQ(closestMatch("Server.Public_Listen", keys), "server.public_listen");
  EXPECT_EQ(closestMatch("limits.max_body_byte", keys), "limits.max_body_bytes");
  EXPECT_FALSE(closestMatch("completely.different", keys).has_value());
}

}  // namespace
}  // namespace triggerd::config
