// Bearer-token authentication of the admin API. Admin tokens are configured as SHA-256 hashes;
// user tokens are minted by an admin and stored in Redis under their hash (keys.h apiToken).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "redis/keys.h"
#include "redis/redis_client.h"

namespace triggerd {

struct Principal {
  bool admin = false;
  std::string user;  // for user tokens: the only user it may act for
};

class ApiAuth {
 public:
  ApiAuth(RedisClient& redis, Keys keys, std::vector<std::string> admin_token_sha256);
  void setAdminHashes(std::vector<std::string> hashes) { admin_hashes_ = std::move(hashes); }

  // Checks the Authorization header and that the principal may act for `user` (empty: an
  // admin-only route). 401 without or with an unknown token; 403 when out of scope.
  void authorize(std::string_view authorization, const std::string& user, bool admin_only,
                 std::function<void(Result<Principal>)> cb);

  // Mints a user token: {token, id}. Only its hash is stored.
  void mint(const std::string& user, const std::string& name, Random& rng,
            std::function<void(Result<std::pair<std::string, std::string>>)> cb);
  // Revokes a user token by id (the first 16 hex chars of its hash).
  void revoke(const std::string& user, const std::string& id, std::function<void(Status)> cb);

 private:
  RedisClient& redis_;
  Keys keys_;
  std::vector<std::string> admin_hashes_;
};

}  // namespace triggerd
