// Every key and value of a Redis, as one text, for tests that search it for secrets in clear.
// Works over anything with RedisServer's cmd(argv): a real server or FakeRedisClient.
#pragma once

#include <string>

namespace triggerd::testing {

template <typename Redis>
std::string redisDump(Redis& redis) {
  std::string all;
  for (const auto& key : redis.cmd({"KEYS", "*"}).elements) {
    all += key.str + "\n";
    const std::string type = redis.cmd({"TYPE", key.str}).str;
    if (type == "string") all += redis.cmd({"GET", key.str}).str + "\n";
    if (type == "hash")
      for (const auto& e : redis.cmd({"HGETALL", key.str}).elements) all += e.str + "\n";
    if (type == "set")
      for (const auto& e : redis.cmd({"SMEMBERS", key.str}).elements) all += e.str + "\n";
  }
  return all;
}

}  // namespace triggerd::testing
