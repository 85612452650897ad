#include "store/oauth_state_store.h"

#include "common/encoding.h"
#include "common/json_fields.h"
#include "redis/reply.h"

namespace triggerd {
namespace {

constexpr std::string_view kHandoffProof = "handoff";

}  // namespace

OAuthStateStore::OAuthStateStore(RedisClient& redis, Keys keys)
    : redis_(redis), keys_(std::move(keys)) {}

void OAuthStateStore::put(std::string (Keys::*key)(std::string_view) const,
                          const std::string& value, std::chrono::seconds ttl, Random& rng,
                          std::function<void(Result<std::string>)> cb) {
  std::string id = hexEncode(rng.bytes(32));
  redis_.command({"SET", (keys_.*key)(id), value, "EX", std::to_string(ttl.count()), "NX"},
                 [id, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "storing the OAuth state");
                   if (!v.ok()) return cb(v.error());
                   // NX failed: 256 random bits collided. Nothing sane to retry.
                   if (v->isNil()) return cb(Error::internal("OAuth state collision"));
                   cb(id);
                 });
}

void OAuthStateStore::takeJson(const std::string& key,
                               std::function<void(Result<std::optional<std::string>>)> cb) {
  redis_.command({"GETDEL", key}, [cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "reading the OAuth state");
    if (!v.ok()) return cb(v.error());
    if (v->isNil() || !v->isString()) return cb(std::optional<std::string>{});
    cb(std::optional<std::string>(v->str));
  });
}

void OAuthStateStore::issue(const OAuthFlow& flow, std::chrono::seconds ttl, Random& rng,
                            std::function<void(Result<std::string>)> cb) {
  std::string value = json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "user", flow.user);
    json::kv(w, "proof", flow.proof == OAuthFlow::Proof::kHandoff ? kHandoffProof : "session");
    if (!flow.session.empty()) json::kv(w, "session", flow.session);
    w.EndObject();
  });
  put(&Keys::oauthState, value, ttl, rng, std::move(cb));
}

void OAuthStateStore::take(const std::string& state,
                           std::function<void(Result<std::optional<OAuthFlow>>)> cb) {
  takeJson(keys_.oauthState(state), [cb = std::move(cb)](Result<std::optional<std::string>> r) {
    if (!r.ok()) return cb(r.error());
    if (!r->has_value()) return cb(std::optional<OAuthFlow>{});
    auto doc = json::parse(**r);
    if (!doc.ok() || !doc->IsObject()) return cb(std::optional<OAuthFlow>{});
    OAuthFlow flow;
    flow.user = std::string(json::getString(*doc, "user").value_or(""));
    if (flow.user.empty()) return cb(std::optional<OAuthFlow>{});
    // A state stored before flows named their proof asks for a session of its user.
    if (json::getString(*doc, "proof").value_or("") == kHandoffProof)
      flow.proof = OAuthFlow::Proof::kHandoff;
    flow.session = std::string(json::getString(*doc, "session").value_or(""));
    cb(std::optional<OAuthFlow>(std::move(flow)));
  });
}

void OAuthStateStore::issueHandoff(const OAuthHandoff& handoff, std::chrono::seconds ttl,
                                   Random& rng, std::function<void(Result<std::string>)> cb) {
  std::string value = json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "user", handoff.user);
    json::kv(w, "code", handoff.code);
    w.EndObject();
  });
  put(&Keys::oauthHandoff, value, ttl, rng, std::move(cb));
}

void OAuthStateStore::takeHandoff(const std::string& id,
                                  std::function<void(Result<std::optional<OAuthHandoff>>)> cb) {
  takeJson(keys_.oauthHandoff(id), [cb = std::move(cb)](Result<std::optional<std::string>> r) {
    if (!r.ok()) return cb(r.error());
    if (!r->has_value()) return cb(std::optional<OAuthHandoff>{});
    auto doc = json::parse(**r);
    if (!doc.ok() || !doc->IsObject()) return cb(std::optional<OAuthHandoff>{});
    OAuthHandoff h;
    h.user = std::string(json::getString(*doc, "user").value_or(""));
    h.code = std::string(json::getString(*doc, "code").value_or(""));
    if (h.user.empty() || h.code.empty()) return cb(std::optional<OAuthHandoff>{});
    cb(std::optional<OAuthHandoff>(std::move(h)));
  });
}

}  // namespace triggerd
