// OAuth state (keys.h oauthState): the random value that ties a GitHub authorization callback
// to the flow a user started, and what the browser completing it must prove. Single use (taken
// with GETDEL) and short-lived. Handoffs (keys.h oauthHandoff): a GitHub code the callback
// passed to an integrator's console, bound only when redeemed with a token of the flow's user.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/random.h"
#include "common/result.h"
#include "redis/keys.h"
#include "redis/redis_client.h"

namespace triggerd {

struct OAuthFlow {
  // How the flow must be completed: the link alone proves nothing, whoever holds it.
  enum class Proof {
    kSession,  // the callback's browser holds a console session of `user`
    kHandoff,  // the callback hands a one-time code to github.oauth_handoff_url; it binds when
               // redeemed through the API with a token of `user`
  };
  std::string user;  // the triggerd user who started the flow
  Proof proof = Proof::kSession;
  // kSession: the SHA-256 of the console session that started the flow, which must be the one
  // completing it; empty when the flow was started through the API: any session of `user`.
  std::string session;
};

// A GitHub authorization code waiting for its user's token (POST .../sources/github/complete).
struct OAuthHandoff {
  std::string user;
  std::string code;  // GitHub's code; worthless without the OAuth app's client secret
};

class OAuthStateStore {
 public:
  OAuthStateStore(RedisClient& redis, Keys keys);

  // Stores a new flow under a fresh random state (64 hex chars) for `ttl`; answers the state.
  void issue(const OAuthFlow& flow, std::chrono::seconds ttl, Random& rng,
             std::function<void(Result<std::string>)> cb);
  // Takes the flow of `state` out of the store (a second take finds nothing); nullopt when the
  // state is unknown, expired or used.
  void take(const std::string& state, std::function<void(Result<std::optional<OAuthFlow>>)> cb);

  // Stores a handoff under a fresh random id (64 hex chars) for `ttl`; answers the id.
  void issueHandoff(const OAuthHandoff& handoff, std::chrono::seconds ttl, Random& rng,
                    std::function<void(Result<std::string>)> cb);
  // Takes the handoff of `id` (single use); nullopt when unknown, expired or used.
  void takeHandoff(const std::string& id,
                   std::function<void(Result<std::optional<OAuthHandoff>>)> cb);

 private:
  // SET key value EX ttl NX under a fresh random id; answers the id.
  void put(std::string (Keys::*key)(std::string_view) const, const std::string& value,
           std::chrono::seconds ttl, Random& rng, std::function<void(Result<std::string>)> cb);
  // GETDEL; answers the parsed JSON object, or nullopt.
  void takeJson(const std::string& key, std::function<void(Result<std::optional<std::string>>)> cb);

  RedisClient& redis_;
  Keys keys_;
};

}  // namespace triggerd
