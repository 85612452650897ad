#include "redis/cluster_slots.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "redis/cluster_map.h"

namespace triggerd {
namespace {

TEST(Crc16, KnownVectors) {
  // CRC-16/XMODEM check value, and the Redis Cluster specification's own example.
  EXPECT_EQ(crc16Xmodem("123456789"), 0x31C3);
  EXPECT_EQ(crc16Xmodem(""), 0x0000);
  EXPECT_EQ(crc16Xmodem("A"), 0x58E5);
  EXPECT_EQ(crc16Xmodem(std::string("\0", 1)), 0x0000);
  EXPECT_EQ(crc16Xmodem("\xff"), 0x1EF0);
}

TEST(KeySlot, MatchesRedisDocumentation) {
  // Values from the CLUSTER KEYSLOT documentation.
  EXPECT_EQ(keySlot("somekey"), 11058);
  EXPECT_EQ(keySlot("foo{hash_tag}"), 2515);
  EXPECT_EQ(keySlot("hash_tag"), 2515);
  EXPECT_EQ(keySlot("foo"), 12182);
}

TEST(KeySlot, HashTagRules) {
  EXPECT_EQ(hashTagOf("{user1000}.following"), "user1000");
  EXPECT_EQ(keySlot("{user1000}.following"), keySlot("{user1000}.followers"));
  // An empty tag hashes the whole key; only the first {...} counts.
  EXPECT_EQ(hashTagOf("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(hashTagOf("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(hashTagOf("foo{bar}{zap}"), "bar");
  EXPECT_EQ(hashTagOf("no braces"), "no braces");
  EXPECT_EQ(hashTagOf("open{only"), "open{only");
  EXPECT_EQ(hashTagOf("triggerd:{queue}:jobs"), "queue");
  for (const char* key : {"a", "triggerd:jobs", "x{y}z", "{}"}) {
    EXPECT_GE(keySlot(key), 0);
    EXPECT_LT(keySlot(key), kClusterSlots);
  }
}

std::vector<std::string> keysOf(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (auto k : commandKeys(argv)) out.emplace_back(k);
  return out;
}

TEST(CommandKeys, ByCommandShape) {
  using V = std::vector<std::string>;
  EXPECT_EQ(keysOf({"GET", "k"}), V{"k"});
  EXPECT_EQ(keysOf({"set", "k", "v", "EX", "10"}), V{"k"});
  EXPECT_EQ(keysOf({"EVALSHA", "sha", "2", "a", "b", "arg"}), (V{"a", "b"}));
  EXPECT_EQ(keysOf({"EVAL", "return 1", "0", "arg"}), V{});
  EXPECT_EQ(keysOf({"EVAL", "return 1", "x"}), V{});
  EXPECT_EQ(keysOf({"MGET", "a", "b", "c"}), (V{"a", "b", "c"}));
  EXPECT_EQ(keysOf({"MSET", "a", "1", "b", "2"}), (V{"a", "b"}));
  EXPECT_EQ(keysOf({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "5", "STREAMS", "s1",
                    "s2", ">", ">"}),
            (V{"s1", "s2"}));
  EXPECT_EQ(keysOf({"XGROUP", "CREATE", "stream", "runners", "0", "MKSTREAM"}), V{"stream"});
  EXPECT_EQ(keysOf({"XINFO", "STREAM", "stream"}), V{"stream"});
  for (const char* keyless : {"PING", "CONFIG", "WAIT", "ROLE", "CLUSTER", "SCRIPT", "INFO"})
    EXPECT_TRUE(keysOf({keyless, "x", "y"}).empty()) << keyless;
}

TEST(CommandSlot, OneSlotNoneOrCrossSlot) {
  EXPECT_EQ(commandSlot({"PING"}), kNoKeys);
  EXPECT_EQ(commandSlot({"GET", "foo"}), 12182);
  EXPECT_EQ(commandSlot({"MGET", "{t}:a", "{t}:b"}), keySlot("t"));
  EXPECT_EQ(commandSlot({"MGET", "foo", "somekey"}), kCrossSlot);
  EXPECT_EQ(commandSlot({"EVALSHA", "sha", "2", "{q}:a", "{q}:b", "foo"}), keySlot("q"));
  EXPECT_EQ(commandSlot({"EVALSHA", "sha", "2", "{q}:a", "foo"}), kCrossSlot);
}

RedisValue integer(int64_t v) {
  RedisValue r;
  r.type = RedisValue::Type::kInteger;
  r.integer = v;
  return r;
}
RedisValue text(std::string s) {
  RedisValue r;
  r.type = RedisValue::Type::kString;
  r.str = std::move(s);
  return r;
}
RedisValue array(std::vector<RedisValue> e) {
  RedisValue r;
  r.type = RedisValue::Type::kArray;
  r.elements = std::move(e);
  return r;
}

TEST(ClusterMap, ParsesClusterSlots) {
  RedisValue reply = array({
      array({integer(0), integer(5460), array({text("127.0.0.1"), integer(7000), text("id1")}),
             array({text("127.0.0.1"), integer(7003), text("id4")})}),
      array({integer(5461), integer(10922), array({text(""), integer(7001)})}),
      array({integer(10923), integer(16383), array({text("::1"), integer(7002)})}),
  });
  auto ranges = parseClusterSlots(reply, "10.0.0.9:7001");
  ASSERT_TRUE(ranges.ok()) << ranges.error().message;
  ASSERT_EQ(ranges->size(), 3u);
  EXPECT_EQ((*ranges)[0].first, 0);
  EXPECT_EQ((*ranges)[0].last, 5460);
  EXPECT_EQ((*ranges)[0].primary, "127.0.0.1:7000");
  EXPECT_EQ((*ranges)[1].primary, "10.0.0.9:7001");  // empty ip: the node that answered
  EXPECT_EQ((*ranges)[2].primary, "[::1]:7002");
}

TEST(ClusterMap, RefusesMalformedReplies) {
  RedisValue error;
  error.type = RedisValue::Type::kError;
  error.str = "ERR This instance has cluster support disabled";
  EXPECT_NE(parseClusterSlots(error, "a:1").error().message.find("cluster support disabled"),
            std::string::npos);
  EXPECT_FALSE(parseClusterSlots(text("x"), "a:1").ok());
  EXPECT_FALSE(parseClusterSlots(array({array({integer(0), integer(1)})}), "a:1").ok());
  EXPECT_FALSE(
      parseClusterSlots(
          array({array({integer(5), integer(16384), array({text("h"), integer(1)})})}), "a:1")
          .ok());
  EXPECT_FALSE(
      parseClusterSlots(array({array({integer(0), integer(1), array({text("h")})})}), "a:1").ok());
}

}  // namespace
}  // namespace triggerd
