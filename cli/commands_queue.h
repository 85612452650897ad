// `triggerctl queue ...` (the job queue and its dead-letter stream) and `triggerctl
// runner-tokens ...` (the tokens runners authenticate with). Admin token needed.
#pragma once

#include <string>
#include <vector>

#include "cli/command_context.h"

namespace triggerd::cli {

struct PurgeArgs {
  bool all = false;
  std::string older_than;  // "36h", "7d"
  std::string job;
};

int queueStats(const Context& ctx);
int queueDeadList(const Context& ctx, int count, const std::string& before);
// Retries the given dead jobs, or every dead job with `all`. Exit 1 when any retry failed.
int queueDeadRetry(const Context& ctx, const std::vector<std::string>& ids, bool all);
int queuePurge(const Context& ctx, const PurgeArgs& args);

int runnerTokensCreate(const Context& ctx, const std::string& name);
int runnerTokensList(const Context& ctx);
int runnerTokensRevoke(const Context& ctx, const std::string& id);

}  // namespace triggerd::cli
