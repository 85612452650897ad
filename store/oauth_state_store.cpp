#include "store/oauth_state_store.h"

#include "common/encoding.h"
#include "common/json.h"
#include "redis/reply.h"

namespace triggerd {

OAuthStateStore::OAuthStateStore(RedisClient& redis, Keys keys)
    : redis_(redis), keys_(std::move(keys)) {}

void OAuthStateStore::issue(const OAuthFlow& flow, std::chrono::seconds ttl, Random& rng,
                            std::function<void(Result<std::string>)> cb) {
  std::string state = hexEncode(rng.bytes(32));
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "user", flow.user);
  w.EndObject();
  redis_.command({"SET", keys_.oauthState(state), std::string(buf.GetString(), buf.GetSize()), "EX",
                  std::to_string(ttl.count()), "NX"},
                 [state, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "storing the OAuth state");
                   if (!v.ok()) return cb(v.error());
                   // NX failed: 256 random bits collided. Nothing sane to retry.
                   if (v->isNil()) return cb(Error::internal("OAuth state collision"));
                   cb(state);
                 });
}

void OAuthStateStore::take(const std::string& state,
                           std::function<void(Result<std::optional<OAuthFlow>>)> cb) {
  redis_.command({"GETDEL", keys_.oauthState(state)}, [cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "reading the OAuth state");
    if (!v.ok()) return cb(v.error());
    if (v->isNil() || !v->isString()) return cb(std::optional<OAuthFlow>{});
    auto doc = json::parse(v->str);
    if (!doc.ok() || !doc->IsObject()) return cb(std::optional<OAuthFlow>{});
    OAuthFlow flow;
    flow.user = std::string(json::getString(*doc, "user").value_or(""));
    if (flow.user.empty()) return cb(std::optional<OAuthFlow>{});
    cb(std::optional<OAuthFlow>(std::move(flow)));
  });
}

}  // namespace triggerd
