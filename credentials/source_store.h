// Bound sources in Redis (keys.h: source:{user}:{provider}, sources). One per user and provider.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "credentials/source.h"
#include "crypto/keyring.h"
#include "redis/keys.h"
#include "redis/redis_client.h"

namespace triggerd {

class SourceStore {
 public:
  SourceStore(RedisClient& redis, Keys keys, const Keyring& keyring, Random& rng);

  // Stores a new binding; 409 when the user already has one for that provider.
  void create(const Source& s, std::function<void(Status)> cb);
  // Overwrites an existing binding (token check results, reseal); 404 if it was unbound.
  void put(const Source& s, std::function<void(Status)> cb);
  void get(const std::string& user, const std::string& provider,
           std::function<void(Result<std::optional<Source>>)> cb);
  void list(const std::string& user, std::function<void(Result<std::vector<Source>>)> cb);
  // Every binding as "user:provider" (the token check walks them).
  void all(std::function<void(Result<std::vector<std::pair<std::string, std::string>>>)> cb);
  void remove(const std::string& user, const std::string& provider, std::function<void(Status)> cb);

  std::string encode(const Source& s) const;
  Result<Source> decode(std::string_view stored) const;
  // True when the stored token is sealed with an older key (reseal sweep).
  bool needsReseal(std::string_view stored) const;

 private:
  RedisClient& redis_;
  Keys keys_;
  const Keyring& keyring_;
  Random& rng_;
};

}  // namespace triggerd
