// `triggerctl triggers ...`: list, show, create, update, delete and rotate-secret.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "cli/command_context.h"
#include "common/result.h"

namespace triggerd::cli {

struct TriggerCreateArgs {
  std::string user;
  std::string provider;  // github | gitlab
  std::string repository;
  std::string image;
  std::string rules_file;          // either this...
  std::vector<std::string> rules;  // ...or --rule specs
  bool disabled = false;
  bool manual = false;  // install_hook false: the user adds the webhook by hand
};

struct TriggerUpdateArgs {
  std::string user;
  std::string id;
  std::optional<std::string> image;
  std::string rules_file;
  std::vector<std::string> rules;
  std::optional<bool> enabled;
};

// The "rules" array as JSON text, from --rules-file or --rule specs; nullopt when neither was
// given. Errors (400) are the user's to fix locally.
Result<std::optional<std::string>> rulesJson(const std::string& rules_file,
                                             const std::vector<std::string>& specs);
// Request bodies of POST .../triggers and PATCH .../triggers/{id}.
Result<std::string> triggerCreateBody(const TriggerCreateArgs& args);
Result<std::string> triggerPatchBody(const TriggerUpdateArgs& args);

// Human output: a trigger's fields and rules (`show`), and the webhook settings to paste into
// the provider after creating a trigger with --manual (or rotating a hand-made hook's secret).
std::string describeTrigger(const rapidjson::Value& trigger);
std::string webhookInstructions(const std::string& provider, const rapidjson::Value& webhook);

int triggersList(const Context& ctx, const std::string& user);
int triggersShow(const Context& ctx, const std::string& user, const std::string& id);
int triggersCreate(const Context& ctx, const TriggerCreateArgs& args);
int triggersUpdate(const Context& ctx, const TriggerUpdateArgs& args);
int triggersDelete(const Context& ctx, const std::string& user, const std::string& id);
int triggersRotateSecret(const Context& ctx, const std::string& user, const std::string& id);

}  // namespace triggerd::cli
