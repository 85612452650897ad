#include "handlers/api_auth.h"

#include "common/digest.h"
#include "common/encoding.h"

namespace triggerd {
namespace {

Error unauthorized(std::string message) {
  return Error(Error::Kind::kUnauthenticated, "Authorization", std::move(message));
}

Error forbidden(std::string field, std::string message) {
  return Error(Error::Kind::kForbidden, std::move(field), std::move(message));
}

}  // namespace

ApiAuth::ApiAuth(ApiTokenStore& tokens, std::vector<std::string> admin_token_sha256)
    : tokens_(tokens), admin_hashes_(std::move(admin_token_sha256)) {}

bool ApiAuth::isAdminToken(std::string_view token) const {
  std::string hash = sha256Hex(token);
  bool is_admin = false;
  for (const auto& h : admin_hashes_) is_admin |= constantTimeEquals(toLower(h), hash);
  return is_admin;
}

void ApiAuth::authorize(std::string_view authorization, Access access, const std::string& user,
                        std::function<void(Result<Principal>)> cb) {
  if (access == Access::kAnyone) return cb(Principal{});
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty())
    return cb(unauthorized("missing bearer token; send Authorization: Bearer <token>"));
  if (authorization.size() <= kBearer.size() ||
      !equalsIgnoreCase(authorization.substr(0, kBearer.size()), kBearer))
    return cb(unauthorized("Authorization must be \"Bearer <token>\""));
  std::string token(trim(authorization.substr(kBearer.size())));
  std::string hash = sha256Hex(token);

  if (isAdminToken(token)) return cb(Principal{true, "", "admin", ""});

  tokens_.lookup(hash, [cb = std::move(cb), user, access](Result<std::optional<ApiTokenRecord>> r) {
    if (!r.ok()) return cb(r.error());
    if (!r->has_value()) return cb(unauthorized("unknown or revoked token"));
    const ApiTokenRecord& rec = **r;
    switch (access) {
      case Access::kAdmin:
        return cb(forbidden("Authorization", "this operation needs an admin token"));
      case Access::kRunner:
        if (rec.role != "runner")
          return cb(forbidden("Authorization", "this operation needs a runner token"));
        return cb(Principal{false, rec.user, rec.role, ""});
      case Access::kUser:
        if (rec.role != "user")
          return cb(forbidden("Authorization", "a " + rec.role + " token cannot use this API"));
        if (rec.user != user)
          return cb(forbidden("user", "this token acts only for user '" + rec.user + "'"));
        return cb(Principal{false, rec.user, rec.role, ""});
      case Access::kSession:  // routes.cpp sends these to ConsoleSessions, never here
        return cb(forbidden("Authorization", "this route takes a console session, not a token"));
      case Access::kAnyone:
        break;
    }
    cb(Principal{false, rec.user, rec.role, ""});
  });
}

}  // namespace triggerd
