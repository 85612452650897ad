#include "store/api_token_store.h"

#include "common/digest.h"
#include "common/encoding.h"
#include "common/json.h"
#include "redis/reply.h"
#include "store/scripts.h"

namespace triggerd {

const char* const kMintScript =
    "redis.call('SET', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) return 1";
// KEYS[1] the user's token hash; ARGV[1] the id, ARGV[2] the key prefix of token records.
const char* const kRevokeScript =
    "local h = redis.call('HGET', KEYS[1], ARGV[1]) if not h then return 0 end "
    "redis.call('DEL', ARGV[2] .. h) redis.call('HDEL', KEYS[1], ARGV[1]) return 1";

namespace {

std::string encodeRecord(const ApiTokenRecord& r) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "user", r.user);
  json::kv(w, "name", r.name);
  json::kv(w, "id", r.id);
  json::kv(w, "role", r.role);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

ApiTokenStore::ApiTokenStore(RedisClient& redis, Keys keys)
    : redis_(redis), keys_(std::move(keys)) {}

std::string ApiTokenStore::prefixFor(const std::string& role) {
  return role == "runner" ? "tdr_" : "tdu_";
}

void ApiTokenStore::mint(const std::string& user, const std::string& name, const std::string& role,
                         Random& rng, std::function<void(Result<MintedToken>)> cb) {
  MintedToken minted;
  minted.token = prefixFor(role) + hexEncode(rng.bytes(24));
  std::string hash = sha256Hex(minted.token);
  minted.record = ApiTokenRecord{user, name, hash.substr(0, 16), role};
  std::string index = role == "runner" ? keys_.runnerTokens() : keys_.userTokens(user);
  redis_.command({"EVAL", kMintScript, "2", keys_.apiToken(hash), index,
                  encodeRecord(minted.record), minted.record.id, hash},
                 [minted, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "storing a new API token");
                   if (!v.ok()) return cb(v.error());
                   cb(minted);
                 });
}

void ApiTokenStore::lookup(const std::string& token_sha256,
                           std::function<void(Result<std::optional<ApiTokenRecord>>)> cb) {
  redis_.command({"GET", keys_.apiToken(token_sha256)}, [cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "looking up an API token");
    if (!v.ok()) return cb(v.error());
    if (v->isNil()) return cb(std::optional<ApiTokenRecord>{});
    auto doc = json::parse(v->str);
    if (!doc.ok()) return cb(Error::internal("stored API token record is corrupt"));
    ApiTokenRecord rec;
    rec.user = std::string(json::getString(*doc, "user").value_or(""));
    rec.name = std::string(json::getString(*doc, "name").value_or(""));
    rec.id = std::string(json::getString(*doc, "id").value_or(""));
    rec.role = std::string(json::getString(*doc, "role").value_or("user"));
    cb(std::optional<ApiTokenRecord>(std::move(rec)));
  });
}

void ApiTokenStore::revoke(const std::string& user, const std::string& id,
                           std::function<void(Status)> cb) {
  redis_.command({"EVAL", kRevokeScript, "1", keys_.userTokens(user), id, keys_.apiToken("")},
                 [cb = std::move(cb), id](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "revoking an API token");
                   if (!v.ok()) return cb(v.error());
                   if (v->integer == 0) return cb(Error::notFound("id", "no token with id " + id));
                   cb(okStatus());
                 });
}

void ApiTokenStore::listRunners(std::function<void(Result<std::vector<ApiTokenRecord>>)> cb) {
  redis_.command({"HVALS", keys_.runnerTokens()}, [this, cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "listing runner tokens");
    if (!v.ok()) return cb(v.error());
    if (v->elements.empty()) return cb(std::vector<ApiTokenRecord>{});
    std::vector<std::string> argv{"MGET"};
    for (const auto& hash : v->elements) argv.push_back(keys_.apiToken(hash.str));
    redis_.command(std::move(argv), [cb](Result<RedisValue> records) {
      auto all = expectReply(std::move(records), "reading runner tokens");
      if (!all.ok()) return cb(all.error());
      std::vector<ApiTokenRecord> out;
      for (const auto& text : all->elements) {
        if (text.isNil()) continue;
        auto doc = json::parse(text.str);
        if (!doc.ok()) continue;
        ApiTokenRecord rec;
        rec.user = std::string(json::getString(*doc, "user").value_or(""));
        rec.name = std::string(json::getString(*doc, "name").value_or(""));
        rec.id = std::string(json::getString(*doc, "id").value_or(""));
        rec.role = std::string(json::getString(*doc, "role").value_or("user"));
        out.push_back(std::move(rec));
      }
      cb(std::move(out));
    });
  });
}

void ApiTokenStore::revokeRunner(const std::string& id, std::function<void(Status)> cb) {
  redis_.command({"EVAL", kRevokeScript, "1", keys_.runnerTokens(), id, keys_.apiToken("")},
                 [cb = std::move(cb), id](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "revoking a runner token");
                   if (!v.ok()) return cb(v.error());
                   if (v->integer == 0)
                     return cb(Error::notFound("id", "no runner token with id " + id));
                   cb(okStatus());
                 });
}

}  // namespace triggerd
