// The records of the jobs this process enqueued last, as the enqueue script wrote them. When a
// newer push supersedes one of them, its "superseded" event is made from here instead of the
// script reading the whole record back and returning it (the largest part of supersede's cost in
// Redis); a record not found here, or one whose job has since moved to another stream entry
// (taken back, retried), is read back from Redis instead.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "queue/job_record.h"

namespace triggerd {

class RecentRecords {
 public:
  explicit RecentRecords(size_t capacity) : capacity_(capacity) {}

  // Keeps `record` (which names its stream entry); the oldest kept beyond capacity are dropped.
  void remember(JobRecord record);
  // The record of job `id` if it is kept and still at `stream_id`; it is not kept afterwards.
  std::optional<JobRecord> take(const std::string& id, std::string_view stream_id);
  size_t size() const { return records_.size(); }

 private:
  size_t capacity_;
  std::unordered_map<std::string, JobRecord> records_;
  std::deque<std::string> order_;  // ids as remembered, oldest first (some may be taken)
};

}  // namespace triggerd
