// An enqueue that could not reach Redis, as a spool record: the trigger, the delivery id, the
// push key and the planned jobs with their ids. Replaying it is the same enqueue, so the job ids
// the provider was answered with are the ones that reach the stream, and the enqueue's dedupe on
// the delivery id makes a second replay (after a crash) harmless. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "queue/job.h"

namespace triggerd {

struct SpooledEnqueue {
  std::string trigger_id;
  std::string delivery_id;
  std::string push_key;  // empty: no content dedupe
  std::vector<Job> jobs;
};

std::string encodeSpooledEnqueue(const SpooledEnqueue& e);
// 400 naming the field for anything but what encodeSpooledEnqueue writes.
Result<SpooledEnqueue> decodeSpooledEnqueue(std::string_view text);

}  // namespace triggerd
