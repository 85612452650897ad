// Console sessions (keys.h session): a browser signed in with a user token gets a random session
// id in a cookie; Redis keeps the record under the id's SHA-256, never the id itself, so a Redis
// reader cannot take over a session. The record expires after the idle timeout (refreshed on
// use) and is refused past its absolute end or once the token that opened it is revoked.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/random.h"
#include "common/result.h"
#include "redis/keys.h"
#include "redis/redis_client.h"

namespace triggerd {

struct SessionRecord {
  std::string user;          // the triggerd user the session acts for
  std::string csrf_token;    // sent back by the console in X-CSRF-Token on every change
  std::string token_sha256;  // the user token that opened it: revoking it ends the session
  int64_t created_at = 0;    // unix seconds
  int64_t expires_at = 0;    // absolute end, unix seconds
};

struct NewSession {
  std::string id;  // 64 hex chars: the cookie value, shown only here
  SessionRecord record;
};

class SessionStore {
 public:
  SessionStore(RedisClient& redis, Keys keys);

  // Stores `record` under a fresh id with a fresh CSRF token; it lives `idle` unless used.
  void create(SessionRecord record, std::chrono::seconds idle, Random& rng,
              std::function<void(Result<NewSession>)> cb);
  // The session of `id` (the cookie value), or nullopt when it is unknown, idle too long, past
  // its absolute end at `now`, or its token was revoked. A live session's idle time restarts.
  void lookup(const std::string& id, int64_t now, std::chrono::seconds idle,
              std::function<void(Result<std::optional<SessionRecord>>)> cb);
  void remove(const std::string& id, std::function<void(Status)> cb);

  // What names a session outside the browser (Redis key, OAuth flows, logs): the id's SHA-256.
  static std::string hashOf(std::string_view id);
  // True for a string shaped like an id this store hands out.
  static bool wellFormed(std::string_view id);

 private:
  // Deletes a session that may no longer be used, then answers "no session".
  void drop(const std::string& key, std::function<void(Result<std::optional<SessionRecord>>)> cb);

  RedisClient& redis_;
  Keys keys_;
};

}  // namespace triggerd
