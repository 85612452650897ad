// The jobs a matched push (webhook or manual run) asks for: one per planned build, with the
// trigger's image and the rule's Dockerfile, context and build arguments. Shared by the webhook
// ingest and manual runs, so both build exactly the same jobs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "queue/job.h"
#include "rules/build_rule.h"
#include "triggers/trigger.h"

namespace triggerd {

struct JobOrigin {
  std::string event = "push";  // push | manual
  std::string delivery_id;     // empty for manual runs
  std::chrono::system_clock::time_point received_at;
};

std::vector<Job> buildJobs(const Trigger& trigger, const CompiledRules& rules,
                           const std::vector<PlannedBuild>& builds, const PushEvent& push,
                           const JobOrigin& origin, Random& rng, const Clock& clock);

}  // namespace triggerd
