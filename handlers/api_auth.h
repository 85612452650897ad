// Bearer-token authentication of the admin API. Admin tokens are configured as SHA-256 hashes;
// user and runner tokens are minted by an admin and stored in Redis by their hash
// (store/api_token_store.h).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/api_token_store.h"

namespace triggerd {

// Who may call a route.
enum class Access {
  kAnyone,   // no token (webhooks, health, the OAuth callback)
  kUser,     // an admin token, or a user token of the {user} in the path
  kAdmin,    // an admin token only
  kRunner,   // a runner token (or an admin token)
  kSession,  // a console session: its cookie, and its CSRF token on changes (console_sessions.h)
};

struct Principal {
  bool admin = false;
  std::string user;     // for user tokens: the only user it may act for
  std::string role;     // "admin", "user" or "runner"
  std::string session;  // console calls: the session's hash (SessionStore::hashOf)
};

class ApiAuth {
 public:
  ApiAuth(ApiTokenStore& tokens, std::vector<std::string> admin_token_sha256);
  void setAdminHashes(std::vector<std::string> hashes) { admin_hashes_ = std::move(hashes); }
  bool isAdminToken(std::string_view token) const;

  // Checks the Authorization header for `access` and, for kUser, that the token may act for
  // `user`. 401 without or with an unknown token; 403 when out of scope.
  void authorize(std::string_view authorization, Access access, const std::string& user,
                 std::function<void(Result<Principal>)> cb);

 private:
  ApiTokenStore& tokens_;
  std::vector<std::string> admin_hashes_;
};

}  // namespace triggerd
