#include "spool/segment_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "spool/spool_files.h"

namespace triggerd::spool {

ReadBatch readRecords(const std::string& path, uint64_t offset, uint64_t end, size_t max_records,
                      uint64_t max_bytes) {
  ReadBatch batch;
  batch.next_offset = offset;
  if (offset >= end || max_records == 0) return batch;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    batch.status = fileError("cannot open", path, errno);
    return batch;
  }
  uint64_t want = std::min(end - offset, std::max<uint64_t>(max_bytes, kRecordHeaderBytes));
  uint64_t read_bytes = 0;
  bool done = false;
  while (!done && batch.next_offset < end) {
    auto window = readAt(fd, batch.next_offset, want, path);
    if (!window.ok()) {
      batch.status = window.error();
      break;
    }
    if (window->size() < want) {
      batch.status = Error::unavailable(path + " is shorter than the spool wrote it");
      break;
    }
    SegmentDecoder decoder(*window, batch.next_offset, end);
    while (true) {
      SegmentEntry e = decoder.next();
      if (e.kind == SegmentEntry::Kind::kEnd) {
        batch.next_offset = end;
        done = true;
        break;
      }
      if (e.kind == SegmentEntry::Kind::kNeedMore) {
        batch.next_offset = e.offset;
        // Stop with what was read; if nothing was, read a window large enough this time.
        done = !batch.records.empty() || read_bytes >= max_bytes;
        want = std::min(end - e.offset, std::max(e.length, want));
        break;
      }
      if (e.kind == SegmentEntry::Kind::kRecord) {
        batch.records.push_back({e.sequence, e.append_unix_ms, std::string(e.payload)});
        read_bytes += e.length;
      } else {
        batch.problems.push_back({e.kind, e.offset, e.length, e.reason});
      }
      batch.next_offset = decoder.position();
      if (batch.records.size() >= max_records || read_bytes >= max_bytes) {
        done = true;
        break;
      }
    }
  }
  ::close(fd);
  return batch;
}

}  // namespace triggerd::spool
