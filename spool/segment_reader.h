// Reads the next records of a segment for replay. Blocking: runs on the spool's reader thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "spool/spool_record.h"

namespace triggerd::spool {

struct ReadRecord {
  uint64_t sequence = 0;
  int64_t append_unix_ms = 0;
  std::string payload;
};

// A stretch that did not decode (the segment was damaged after the start-up scan).
struct ReadProblem {
  SegmentEntry::Kind kind = SegmentEntry::Kind::kCorrupt;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string reason;
};

struct ReadBatch {
  Status status = okStatus();
  std::vector<ReadRecord> records;
  std::vector<ReadProblem> problems;
  uint64_t next_offset = 0;  // where the next read starts; `end` once everything was read
};

// Decodes records of `path` from `offset`, never past `end` (the durable size the writer
// reported), until `max_records` records or about `max_bytes` were read.
ReadBatch readRecords(const std::string& path, uint64_t offset, uint64_t end, size_t max_records,
                      uint64_t max_bytes);

}  // namespace triggerd::spool
