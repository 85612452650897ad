// The triggers part of the admin API, free of HTTP plumbing (routes.cpp adapts it).
#pragma once

#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "handlers/api_reply.h"
#include "triggers/trigger_store.h"

namespace triggerd {

struct TriggersOptions {
  std::string public_base_url;  // webhook URLs are {public_base_url}/webhooks/...
  std::chrono::seconds secret_rotation_grace{86400};
  size_t max_per_user = 200;             // triggers.max_per_user
  size_t max_rule_program_size = 20000;  // triggers.max_rule_program_size
};

class TriggersApi {
 public:
  TriggersApi(TriggerStore& store, const Clock& clock, Random& rng, TriggersOptions options);
  // SIGHUP: the public base URL is kept (webhook URLs already handed out use it).
  void setOptions(TriggersOptions options) {
    options.public_base_url = options_.public_base_url;
    options_ = std::move(options);
  }

  void create(const std::string& user, std::string_view body, ApiDone done);
  void list(const std::string& user, ApiDone done);
  void get(const std::string& user, const std::string& id, ApiDone done);
  void patch(const std::string& user, const std::string& id, std::string_view body, ApiDone done);
  void remove(const std::string& user, const std::string& id, ApiDone done);
  // POST .../hook/repair {"rotate_secret": bool}: manual hooks can only rotate their secret.
  void repairHook(const std::string& user, const std::string& id, std::string_view body,
                  ApiDone done);

  // POST .../triggers/preview {"rules": [...], "ref": "refs/tags/v1.2.3" or a branch name,
  // "sha"?}: the builds and image tags a push of `ref` would get from these rules, planned as a
  // delivery's are (path filters aside: a preview has no changed paths). 200 {"ref", "kind",
  // "name", "sha", "builds": [{"rule", "tags"}]}; 422 naming the rule field or the ref.
  void preview(std::string_view body, ApiDone done) const;

  std::string webhookUrl(const Trigger& t) const;

 private:
  // Loads the trigger and checks it belongs to `user` (404 otherwise, so ids don't leak).
  void load(const std::string& user, const std::string& id,
            std::function<void(Result<Trigger>)> cb);

  // Compiles the rules to prove they fit triggers.max_rule_program_size; 422 otherwise.
  Status checkRulesFit(const std::vector<BuildRule>& rules) const;

  TriggerStore& store_;
  const Clock& clock_;
  Random& rng_;
  TriggersOptions options_;
};

}  // namespace triggerd
