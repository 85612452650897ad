// `triggerctl hooks check|repair`: one trigger's hook (answered at once), or every hook of a user
// or of all users (a job in triggerd whose progress is polled and shown until it ends).
#pragma once

#include <chrono>
#include <string>

#include <rapidjson/document.h>

#include "cli/command_context.h"
#include "common/result.h"

namespace triggerd::cli {

struct HooksArgs {
  std::string action;  // check | repair
  std::string user;    // empty with --all
  std::string id;      // empty: every trigger of `user` (or of all users with --all)
  bool all = false;
  bool rotate_secret = false;  // repair of one trigger: set a new secret on the provider first
  std::chrono::milliseconds poll_interval{1000};
};

// Why the arguments do not make a command (a usage error), or Ok.
Status checkHooksArgs(const HooksArgs& args);
// "repair: 120 of 1000 done: 118 ok, 1 repaired, 0 with problems, 1 failed, 0 skipped"
std::string jobProgressLine(const rapidjson::Value& job);
// A hook report as "KEY  value" lines and lists of what was done and found.
std::string describeHookReport(const rapidjson::Value& report);

// Exit 0 when every hook is (now) right; 1 when a hook has problems or could not be worked on,
// or the API refused.
int hooksRun(const Context& ctx, const HooksArgs& args);

}  // namespace triggerd::cli
