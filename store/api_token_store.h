// API tokens minted by an admin (keys.h apiToken, userTokens): only the SHA-256 of a token is
// stored, with the user it acts for and its role. A token is shown once, when minted.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "redis/keys.h"
#include "redis/redis_client.h"

namespace triggerd {

struct ApiTokenRecord {
  std::string user;           // the only user the token may act for
  std::string name;           // a label chosen by the admin
  std::string id;             // first 16 hex chars of the hash: names the token for revocation
  std::string role = "user";  // "user"; runner tokens say "runner"
};

struct MintedToken {
  std::string token;  // shown once
  ApiTokenRecord record;
};

class ApiTokenStore {
 public:
  ApiTokenStore(RedisClient& redis, Keys keys);

  void mint(const std::string& user, const std::string& name, const std::string& role, Random& rng,
            std::function<void(Result<MintedToken>)> cb);
  // The record of the token whose SHA-256 (hex) is `token_sha256`, or nullopt when unknown.
  void lookup(const std::string& token_sha256,
              std::function<void(Result<std::optional<ApiTokenRecord>>)> cb);
  // 404 when the user has no token with that id.
  void revoke(const std::string& user, const std::string& id, std::function<void(Status)> cb);

  // Runner tokens (role "runner") are indexed apart from users' tokens (keys.h runnerTokens):
  // they act for no user, only on the runner routes.
  void listRunners(std::function<void(Result<std::vector<ApiTokenRecord>>)> cb);
  // 404 when there is no runner token with that id.
  void revokeRunner(const std::string& id, std::function<void(Status)> cb);

  // "tdu_" for user tokens, "tdr_" for runner tokens: recognisable in a secret scanner.
  static std::string prefixFor(const std::string& role);

 private:
  RedisClient& redis_;
  Keys keys_;
};

}  // namespace triggerd
