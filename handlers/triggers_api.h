// The triggers part of the admin API, free of HTTP plumbing (routes.cpp adapts it). Triggers
// with install_hook (the default) have their hook installed, checked, repaired, rotated and
// removed through the user's bound source (HookService, docs/hooks.md); the others get a URL
// and secret to paste by hand.
#pragma once

#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "handlers/api_reply.h"
#include "hooks/hook_service.h"
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
  TriggersApi(TriggerStore& store, HookService& hooks, const Clock& clock, Random& rng,
              TriggersOptions options);
  // SIGHUP: the public base URL is kept (webhook URLs already handed out use it).
  void setOptions(TriggersOptions options) {
    options.public_base_url = options_.public_base_url;
    options_ = std::move(options);
  }

  // Creates the trigger and, with install_hook, its hook; a trigger whose hook cannot be
  // installed is not kept, and the answer names why (no bound source, no admin rights, ...).
  void create(const std::string& user, std::string_view body, ApiDone done);
  void list(const std::string& user, ApiDone done);
  void get(const std::string& user, const std::string& id, ApiDone done);
  void patch(const std::string& user, const std::string& id, std::string_view body, ApiDone done);
  // Deletes the trigger and its hook: 200 {"deleted", "hook": report or null}.
  void remove(const std::string& user, const std::string& id, ApiDone done);
  // POST .../hook/repair {"rotate_secret"?}: an installed hook is made right again (the whole
  // hook sent again, failed deliveries redelivered); with rotate_secret the new secret is set
  // on the provider first. A hand-made hook can only have its secret rotated.
  void repairHook(const std::string& user, const std::string& id, std::string_view body,
                  ApiDone done);
  // POST .../hook/check: what is wrong with an installed hook, changing nothing.
  void checkHook(const std::string& user, const std::string& id, ApiDone done);

  // POST .../triggers/preview {"rules": [...], "ref": "refs/tags/v1.2.3" or a branch name,
  // "sha"?}: the builds and image tags a push of `ref` would get from these rules, planned as a
  // delivery's are (path filters aside: a preview has no changed paths). 200 {"ref", "kind",
  // "name", "sha", "builds": [{"rule", "tags"}]}; 422 naming the rule field or the ref.
  void preview(std::string_view body, ApiDone done) const;

  std::string webhookUrl(const Trigger& t) const;

 private:
  class CreateFlow;

  // Loads the trigger and checks it belongs to `user` (404 otherwise, so ids don't leak).
  void load(const std::string& user, const std::string& id,
            std::function<void(Result<Trigger>)> cb);
  // Answers {"trigger": the trigger as stored now, "hook": report}, and after a rotation
  // "webhook": {url, previous_secret_valid_until}; a failed report answers its error.
  void replyWithReport(const std::string& id, const HookReport& report, ApiDone done,
                       bool rotated = false);
  void rotateManual(const Trigger& t, ApiDone done);

  // Compiles the rules to prove they fit triggers.max_rule_program_size; 422 otherwise.
  Status checkRulesFit(const std::vector<BuildRule>& rules) const;

  TriggerStore& store_;
  HookService& hooks_;
  const Clock& clock_;
  Random& rng_;
  TriggersOptions options_;
};

}  // namespace triggerd
