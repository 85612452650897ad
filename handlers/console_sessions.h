// Console sessions behind HTTP: sign-in (a user token exchanged for a session cookie), the
// session-to-principal step in front of every console API call (the cookie; on a change also
// the session's CSRF token in X-CSRF-Token and no cross-site Sec-Fetch-Site; the {user} scope),
// and sign-out. The cookie is HttpOnly and SameSite=Lax; when the public base URL is https it is
// also Secure and named with the __Host- prefix (a __Host- cookie must be Secure, so over plain
// http, for development, it goes without the prefix).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "handlers/api_auth.h"
#include "handlers/api_reply.h"
#include "http/request_context.h"
#include "store/session_store.h"

namespace triggerd {

struct ConsoleOptions {
  bool secure_cookie = true;  // the public base URL is https
  std::chrono::seconds idle_timeout{1800};
  std::chrono::seconds lifetime{12 * 3600};
};

// A request's live console session.
struct ConsoleSession {
  std::string id_hash;  // SessionStore::hashOf(the cookie value)
  SessionRecord record;
};

class ConsoleSessions {
 public:
  ConsoleSessions(SessionStore& store, ApiAuth& auth, ApiTokenStore& tokens, Metrics& metrics,
                  const Clock& clock, Random& rng, ConsoleOptions options);

  const std::string& cookieName() const { return cookie_name_; }
  const ConsoleOptions& options() const { return options_; }

  // POST /console/api/session {"token": "<user token>"}: 201 {"user", "csrf_token",
  // "expires_at", "idle_timeout_seconds"} and the cookie. Only user tokens sign in.
  void signIn(const RequestContext& request, ApiDone done);
  // The session the request's cookie names, or nullopt (no cookie, unknown, idle too long,
  // ended, or its token revoked). Checks no CSRF token: for reads and the OAuth callback.
  void current(const RequestContext& request,
               std::function<void(Result<std::optional<ConsoleSession>>)> cb);
  // The step in front of console routes: 401 (field Cookie) without a live session; on a
  // state-changing method 403 (field X-CSRF-Token) without the session's CSRF token, or when the
  // browser says the request comes from another site; 403 (field user) when `user` is set and
  // is not the session's user.
  void authorize(const RequestContext& request, const std::string& user,
                 std::function<void(Result<Principal>)> cb);
  // GET /console/api/session: who is signed in, the CSRF token, when the session ends.
  void describe(const RequestContext& request, ApiDone done);
  // DELETE /console/api/session: ends the session; the cookie is cleared.
  void signOut(const RequestContext& request, ApiDone done);

  // The Set-Cookie value that stores `id`, or (empty id) clears the cookie.
  std::string setCookie(const std::string& id) const;
  // {"user", "csrf_token", "expires_at", "idle_timeout_seconds"}
  ApiReply sessionReply(int status, const SessionRecord& record) const;

 private:
  std::optional<std::string> cookieValue(const RequestContext& request) const;

  SessionStore& store_;
  ApiAuth& auth_;
  ApiTokenStore& tokens_;
  Metrics& metrics_;
  const Clock& clock_;
  Random& rng_;
  ConsoleOptions options_;
  std::string cookie_name_;
};

}  // namespace triggerd
