// Key rotation: re-seals every stored secret (source tokens, hook secrets) with the primary
// master key, so the previous key can be retired. Records are rewritten one at a time with a
// compare-and-set, so a concurrent update is never overwritten with stale data.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "common/result.h"
#include "credentials/source_store.h"
#include "crypto/keyring.h"
#include "redis/keys.h"
#include "redis/redis_client.h"
#include "triggers/trigger_store.h"

namespace triggerd {

class Resealer {
 public:
  Resealer(RedisClient& redis, Keys keys, const Keyring& keyring, SourceStore& sources,
           TriggerStore& triggers);
  // Answers (records rewritten, primary key id).
  void run(std::function<void(Result<std::pair<int, std::string>>)> done);

 private:
  RedisClient& redis_;
  Keys keys_;
  const Keyring& keyring_;
  SourceStore& sources_;
  TriggerStore& triggers_;
};

}  // namespace triggerd
