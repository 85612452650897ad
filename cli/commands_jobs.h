// `triggerctl jobs ...` (a user's jobs, one job, its build log) and `triggerctl triggers
// run|history` (manual runs and a trigger's build history).
#pragma once

#include <string>

#include <rapidjson/document.h>

#include "cli/command_context.h"
#include "cli/paged_list.h"

namespace triggerd::cli {

struct RunArgs {
  std::string user;
  std::string id;
  std::string ref;              // branch, tag, refs/heads/... or refs/tags/...
  std::string sha;              // optional: pin a commit
  std::string idempotency_key;  // optional: a retried run enqueues nothing new
};

// A job as "KEY  value" lines.
std::string describeJob(const rapidjson::Value& job);

int triggersRun(const Context& ctx, const RunArgs& args);
int triggersHistory(const Context& ctx, const std::string& user, const std::string& id,
                    const PageChoice& page);
int jobsList(const Context& ctx, const std::string& user, const PageChoice& page);
int jobsShow(const Context& ctx, const std::string& user, const std::string& id);
// Prints the build log; with `follow`, keeps printing new output until the job has ended.
int jobsLog(const Context& ctx, const std::string& user, const std::string& id, bool follow);

// Build output for a terminal: newlines and tabs kept, other control characters (escape
// sequences included) shown as '?'.
std::string printableLog(std::string_view text);

}  // namespace triggerd::cli
