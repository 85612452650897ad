#include "store/session_store.h"

#include <algorithm>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "redis/reply.h"

namespace triggerd {
namespace {

std::string encode(const SessionRecord& r) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "user", r.user);
    json::kv(w, "csrf", r.csrf_token);
    json::kv(w, "token", r.token_sha256);
    json::key(w, "created_at");
    w.Int64(r.created_at);
    json::key(w, "expires_at");
    w.Int64(r.expires_at);
    w.EndObject();
  });
}

std::optional<SessionRecord> decode(const std::string& text) {
  auto doc = json::parse(text);
  if (!doc.ok() || !doc->IsObject()) return std::nullopt;
  SessionRecord r;
  r.user = std::string(json::getString(*doc, "user").value_or(""));
  r.csrf_token = std::string(json::getString(*doc, "csrf").value_or(""));
  r.token_sha256 = std::string(json::getString(*doc, "token").value_or(""));
  r.created_at = json::getInt(*doc, "created_at").value_or(0);
  r.expires_at = json::getInt(*doc, "expires_at").value_or(0);
  if (r.user.empty() || r.csrf_token.empty() || r.token_sha256.empty()) return std::nullopt;
  return r;
}

}  // namespace

SessionStore::SessionStore(RedisClient& redis, Keys keys) : redis_(redis), keys_(std::move(keys)) {}

std::string SessionStore::hashOf(std::string_view id) {
  return sha256Hex(id);
}

bool SessionStore::wellFormed(std::string_view id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void SessionStore::create(SessionRecord record, std::chrono::seconds idle, Random& rng,
                          std::function<void(Result<NewSession>)> cb) {
  NewSession fresh{hexEncode(rng.bytes(32)), std::move(record)};
  fresh.record.csrf_token = hexEncode(rng.bytes(32));
  int64_t ttl = std::min<int64_t>(idle.count(), fresh.record.expires_at - fresh.record.created_at);
  redis_.command({"SET", keys_.session(hashOf(fresh.id)), encode(fresh.record), "EX",
                  std::to_string(std::max<int64_t>(ttl, 1)), "NX"},
                 [fresh, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "storing a console session");
                   if (!v.ok()) return cb(v.error());
                   // NX failed: 256 random bits collided. Nothing sane to retry.
                   if (v->isNil()) return cb(Error::internal("session id collision"));
                   cb(fresh);
                 });
}

void SessionStore::lookup(const std::string& id, int64_t now, std::chrono::seconds idle,
                          std::function<void(Result<std::optional<SessionRecord>>)> cb) {
  if (!wellFormed(id)) return cb(std::optional<SessionRecord>{});
  std::string key = keys_.session(hashOf(id));
  redis_.command({"GET", key}, [this, key, now, idle, cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "reading a console session");
    if (!v.ok()) return cb(v.error());
    if (v->isNil() || !v->isString()) return cb(std::optional<SessionRecord>{});
    auto record = decode(v->str);
    if (!record || now >= record->expires_at) return drop(key, cb);
    // The idle clock restarts, but never past the absolute end.
    int64_t ttl = std::max<int64_t>(1, std::min<int64_t>(idle.count(), record->expires_at - now));
    redis_.command({"EXPIRE", key, std::to_string(ttl)}, [](Result<RedisValue> e) {
      auto done = expectReply(std::move(e), "refreshing a console session");
      if (!done.ok()) TLOG_WARN("console", "reason=%s", done.error().message.c_str());
    });
    redis_.command({"EXISTS", keys_.apiToken(record->token_sha256)},
                   [this, key, record, cb](Result<RedisValue> t) {
                     auto exists = expectReply(std::move(t), "checking a session's token");
                     if (!exists.ok()) return cb(exists.error());
                     // The token was revoked: so is every session it opened.
                     if (exists->integer == 0) return drop(key, cb);
                     cb(record);
                   });
  });
}

void SessionStore::drop(const std::string& key,
                        std::function<void(Result<std::optional<SessionRecord>>)> cb) {
  redis_.command({"DEL", key}, [cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "ending a console session");
    if (!v.ok()) return cb(v.error());
    cb(std::optional<SessionRecord>{});
  });
}

void SessionStore::remove(const std::string& id, std::function<void(Status)> cb) {
  if (!wellFormed(id)) return cb(okStatus());
  redis_.command({"DEL", keys_.session(hashOf(id))}, [cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "ending a console session");
    if (!v.ok()) return cb(v.error());
    cb(okStatus());
  });
}

}  // namespace triggerd
