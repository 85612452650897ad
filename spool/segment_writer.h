// Appends batches of records to the active segment: one write and one fdatasync per batch, so
// every record of a batch is durable when write() returns ok. Rotates to a new segment once the
// active one reached its size. Lives on the spool's writer thread and is used only there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "spool/spool_files.h"

namespace triggerd::spool {

struct PendingRecord {
  uint64_t sequence = 0;
  int64_t append_unix_ms = 0;
  std::string payload;
};

struct ClosedSegment {
  uint64_t id = 0;
  uint64_t size = 0;  // final size
};

struct WriteReport {
  Status status = okStatus();
  uint64_t segment = 0;       // ok: the segment the batch went to
  uint64_t segment_size = 0;  // ok: its durable size after the batch
  bool opened = false;        // ok: the segment was created for this batch
  // A segment closed before the batch (rotation) or after a failed write (a segment that failed
  // once is never written again).
  std::optional<ClosedSegment> closed;
  uint64_t syncs = 0;  // fdatasync calls made
};

class SegmentWriter {
 public:
  // New segments go to `dir`; a segment at least `segment_bytes` long is closed before the next
  // batch. Segments that exist already are never written: each process starts a new one.
  SegmentWriter(const SpoolDirectory& dir, uint64_t segment_bytes);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Writes the records (ascending sequence numbers) and fdatasyncs. On failure the segment is
  // cut back to its previous size and closed; the next batch starts a new segment.
  WriteReport write(const std::vector<PendingRecord>& batch);
  // Closes the active segment if it is `id` and nothing after `last_sequence` was written to it,
  // so a fully consumed segment can be deleted. Returns the closed segment, if any.
  std::optional<ClosedSegment> retire(uint64_t id, uint64_t last_sequence);

 private:
  Status openSegment(uint64_t id);
  ClosedSegment closeActive();

  const SpoolDirectory& dir_;
  uint64_t segment_bytes_;
  int fd_ = -1;
  uint64_t id_ = 0;
  uint64_t size_ = 0;
  uint64_t last_sequence_ = 0;
  std::string path_;
};

}  // namespace triggerd::spool
