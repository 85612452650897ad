// What a job's state change looks like as a commit status: one status line per image
// ("triggerd/<image>"), the state, a short description and the configured target URL. Pure;
// the provider clients map the state to their own and clip the description to their limit.
#pragma once

#include <string>
#include <string_view>

#include "providers/provider_types.h"
#include "queue/job_events.h"

namespace triggerd {

// `target_url_template` may hold {job}, {user} and {trigger}; empty: no target URL.
CommitStatus commitStatusFor(const JobEvent& event, std::string_view target_url_template);

std::string renderTargetUrl(std::string_view url_template, const JobRecord& record);

}  // namespace triggerd
