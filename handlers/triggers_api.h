// The triggers part of the admin API, free of HTTP plumbing (routes.cpp adapts it).
#pragma once

#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "handlers/api_reply.h"
#include "triggers/trigger_store.h"

namespace triggerd {

class TriggersApi {
 public:
  TriggersApi(TriggerStore& store, const Clock& clock, Random& rng, std::string public_base_url,
              std::chrono::seconds secret_rotation_grace);
  void setRotationGrace(std::chrono::seconds grace) { grace_ = grace; }

  void create(const std::string& user, std::string_view body, ApiDone done);
  void list(const std::string& user, ApiDone done);
  void get(const std::string& user, const std::string& id, ApiDone done);
  void patch(const std::string& user, const std::string& id, std::string_view body, ApiDone done);
  void remove(const std::string& user, const std::string& id, ApiDone done);
  // POST .../hook/repair {"rotate_secret": bool}: manual hooks can only rotate their secret.
  void repairHook(const std::string& user, const std::string& id, std::string_view body,
                  ApiDone done);

  std::string webhookUrl(const Trigger& t) const;

 private:
  // Loads the trigger and checks it belongs to `user` (404 otherwise, so ids don't leak).
  void load(const std::string& user, const std::string& id,
            std::function<void(Result<Trigger>)> cb);

  TriggerStore& store_;
  const Clock& clock_;
  Random& rng_;
  std::string public_base_url_;
  std::chrono::seconds grace_;
};

}  // namespace triggerd
