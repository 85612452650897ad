// OAuth state (keys.h oauthState): the random value that ties a GitHub authorization callback
// to the flow a user started. Single use (taken with GETDEL) and short-lived.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/random.h"
#include "common/result.h"
#include "redis/keys.h"
#include "redis/redis_client.h"

namespace triggerd {

struct OAuthFlow {
  std::string user;  // the triggerd user who started the flow
};

class OAuthStateStore {
 public:
  OAuthStateStore(RedisClient& redis, Keys keys);

  // Stores a new flow under a fresh random state (64 hex chars) for `ttl`; answers the state.
  void issue(const OAuthFlow& flow, std::chrono::seconds ttl, Random& rng,
             std::function<void(Result<std::string>)> cb);
  // Takes the flow of `state` out of the store (a second take finds nothing); nullopt when the
  // state is unknown, expired or used.
  void take(const std::string& state, std::function<void(Result<std::optional<OAuthFlow>>)> cb);

 private:
  RedisClient& redis_;
  Keys keys_;
};

}  // namespace triggerd
