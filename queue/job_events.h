// What happens to jobs, for whoever reacts to it (commit statuses, clone credential clean-up):
// the enqueue, the status consumer, the reclaim sweep and dead-letter retries emit one event per
// state change, after the change is in Redis.
#pragma once

#include <functional>
#include <string>

#include "queue/job_record.h"

namespace triggerd {

struct JobEvent {
  JobRecord record;    // as it is after the change; record.state is the new state
  std::string detail;  // what happened, in a few words ("runner r1 stopped answering; ...")
  // A clone credential issued for the attempt that just ended, to revoke (empty: none).
  std::string released_credential;
};

using JobEventSink = std::function<void(const JobEvent&)>;

}  // namespace triggerd
