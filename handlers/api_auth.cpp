#include "handlers/api_auth.h"

#include "common/digest.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"

namespace triggerd {
namespace {

Error unauthorized(std::string message) {
  return Error{401, "Authorization", std::move(message)};
}

}  // namespace

ApiAuth::ApiAuth(RedisClient& redis, Keys keys, std::vector<std::string> admin_token_sha256)
    : redis_(redis), keys_(std::move(keys)), admin_hashes_(std::move(admin_token_sha256)) {}

void ApiAuth::authorize(std::string_view authorization, const std::string& user, bool admin_only,
                        std::function<void(Result<Principal>)> cb) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty())
    return cb(unauthorized("missing bearer token; send Authorization: Bearer <token>"));
  if (authorization.size() <= kBearer.size() ||
      !equalsIgnoreCase(authorization.substr(0, kBearer.size()), kBearer))
    return cb(unauthorized("Authorization must be \"Bearer <token>\""));
  std::string token(trim(authorization.substr(kBearer.size())));
  std::string hash = sha256Hex(token);

  bool is_admin = false;
  for (const auto& h : admin_hashes_) is_admin |= constantTimeEquals(toLower(h), hash);
  if (is_admin) return cb(Principal{true, ""});

  redis_.command({"GET", keys_.apiToken(hash)},
                 [cb = std::move(cb), user, admin_only](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(Error::unavailable("redis error: " + r->str));
                   if (r->isNil()) return cb(unauthorized("unknown or revoked token"));
                   auto doc = json::parse(r->str);
                   if (!doc.ok()) return cb(Error::internal("stored token record is corrupt"));
                   std::string owner(json::getString(*doc, "user").value_or(""));
                   if (admin_only)
                     return cb(Error{403, "Authorization", "this operation needs an admin token"});
                   if (owner != user)
                     return cb(Error{403, "user", "this token acts only for user '" + owner + "'"});
                   cb(Principal{false, owner});
                 });
}

void ApiAuth::mint(const std::string& user, const std::string& name, Random& rng,
                   std::function<void(Result<std::pair<std::string, std::string>>)> cb) {
  std::string token = "tdu_" + hexEncode(rng.bytes(24));
  std::string hash = sha256Hex(token);
  std::string id = hash.substr(0, 16);
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "user", user);
  json::kv(w, "name", name);
  json::kv(w, "id", id);
  w.EndObject();
  static const char* kScript =
      "redis.call('SET', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) "
      "return 1";
  redis_.command({"EVAL", kScript, "2", keys_.apiToken(hash), keys_.userTokens(user),
                  std::string(buf.GetString(), buf.GetSize()), id, hash},
                 [cb = std::move(cb), token, id](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(Error::unavailable("redis error: " + r->str));
                   cb(std::make_pair(token, id));
                 });
}

void ApiAuth::revoke(const std::string& user, const std::string& id,
                     std::function<void(Status)> cb) {
  static const char* kScript =
      "local h = redis.call('HGET', KEYS[1], ARGV[1]) if not h then return 0 end "
      "redis.call('DEL', ARGV[2] .. h) redis.call('HDEL', KEYS[1], ARGV[1]) return 1";
  redis_.command({"EVAL", kScript, "1", keys_.userTokens(user), id, keys_.apiToken("")},
                 [cb = std::move(cb), id](Result<RedisValue> r) {
                   if (!r.ok()) return cb(r.error());
                   if (r->isError()) return cb(Error::unavailable("redis error: " + r->str));
                   if (r->integer == 0) return cb(Error{404, "id", "no token with id " + id});
                   cb(okStatus());
                 });
}

}  // namespace triggerd
