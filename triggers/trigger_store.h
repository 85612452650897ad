// Triggers in Redis (keys.h: trigger:{id}, user:{user}:triggers, triggers). Hook secrets are
// sealed with the keyring, bound to the trigger id, and opened only in memory.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "crypto/keyring.h"
#include "redis/keys.h"
#include "redis/redis_client.h"
#include "triggers/trigger.h"

namespace triggerd {

class TriggerStore {
 public:
  TriggerStore(RedisClient& redis, Keys keys, const Keyring& keyring, Random& rng);

  // Writes a new trigger and indexes it under its user. Fails if the id exists.
  void create(const Trigger& trigger, std::function<void(Status)> cb);
  // Overwrites an existing trigger (update, secret rotation, hook verified).
  void put(const Trigger& trigger, std::function<void(Status)> cb);
  // The trigger, or nullopt when there is none with that id.
  void get(const std::string& id, std::function<void(Result<std::optional<Trigger>>)> cb);
  // The raw stored text of a trigger (nullopt if absent); the webhook path caches on it.
  void getRaw(const std::string& id, std::function<void(Result<std::optional<std::string>>)> cb);
  void list(const std::string& user, std::function<void(Result<std::vector<Trigger>>)> cb);
  void remove(const Trigger& trigger, std::function<void(Status)> cb);

  // Encoding, public for the webhook cache and tests. decode() opens the sealed secrets.
  std::string encode(const Trigger& trigger) const;
  Result<Trigger> decode(std::string_view stored) const;

 private:
  RedisClient& redis_;
  Keys keys_;
  const Keyring& keyring_;
  Random& rng_;
};

}  // namespace triggerd
