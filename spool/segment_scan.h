// The start-up check of one segment: decode every record, report corrupt stretches, and cut a
// torn tail (a batch whose write a crash interrupted; it was never acknowledged) off the file.
// Blocking: runs in Spool::open(), before the event loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace triggerd::spool {

struct SegmentScan {
  uint64_t id = 0;
  uint64_t size = 0;           // bytes after a torn tail was cut
  uint64_t records = 0;        // valid records
  uint64_t pending = 0;        // valid records not yet consumed (sequence above the cursor)
  uint64_t last_sequence = 0;  // of the last valid record; 0 when there is none
  // Where reading for replay starts: the first pending record (or the end of the segment).
  uint64_t first_pending_offset = 0;
  int64_t first_pending_unix_ms = 0;  // its append time; 0 when nothing is pending
  uint64_t corrupt_regions = 0;
  std::vector<uint64_t> corrupt_offsets;  // where each starts: reported here, not again on replay
  uint64_t torn_bytes = 0;                // cut off the end
};

// Scans `path` (segment `id`), given the consumption cursor. Logs each corrupt stretch and torn
// tail with the file and offset.
Result<SegmentScan> scanSegment(const std::string& path, uint64_t id, uint64_t consumed_through);

}  // namespace triggerd::spool
