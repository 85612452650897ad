#include "spool/segment_scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>

#include "common/log.h"
#include "spool/spool_files.h"
#include "spool/spool_record.h"

namespace triggerd::spool {

Result<SegmentScan> scanSegment(const std::string& path, uint64_t id, uint64_t consumed_through) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return fileError("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fileError("cannot stat", path, err);
  }
  auto bytes = readAt(fd, 0, static_cast<uint64_t>(st.st_size), path);
  if (!bytes.ok()) {
    ::close(fd);
    return bytes.error();
  }

  SegmentScan scan;
  scan.id = id;
  scan.size = bytes->size();
  bool pending_seen = false;
  SegmentDecoder decoder(*bytes);
  for (SegmentEntry e = decoder.next(); e.kind != SegmentEntry::Kind::kEnd; e = decoder.next()) {
    switch (e.kind) {
      case SegmentEntry::Kind::kRecord:
        ++scan.records;
        scan.last_sequence = e.sequence;
        if (e.sequence > consumed_through) {
          ++scan.pending;
          if (!pending_seen) {
            pending_seen = true;
            scan.first_pending_offset = e.offset;
            scan.first_pending_unix_ms = e.append_unix_ms;
          }
        }
        break;
      case SegmentEntry::Kind::kCorrupt:
        ++scan.corrupt_regions;
        scan.corrupt_offsets.push_back(e.offset);
        TLOG_ERROR("spool",
                   "file=%s offset=%" PRIu64 " bytes=%" PRIu64
                   " reason=\"%s\" corrupt bytes skipped; the records after them are kept "
                   "(the segment is kept as .corrupt once consumed)",
                   path.c_str(), e.offset, e.length, e.reason.c_str());
        break;
      case SegmentEntry::Kind::kTornTail:
        scan.torn_bytes = e.length;
        TLOG_WARN("spool",
                  "file=%s offset=%" PRIu64 " bytes=%" PRIu64
                  " reason=\"%s\" torn tail of an interrupted, unacknowledged write; cut off",
                  path.c_str(), e.offset, e.length, e.reason.c_str());
        break;
      case SegmentEntry::Kind::kEnd:
      case SegmentEntry::Kind::kNeedMore:  // not produced for a whole segment
        break;
    }
  }
  if (!pending_seen) scan.first_pending_offset = scan.size - scan.torn_bytes;
  if (scan.torn_bytes > 0) {
    scan.size -= scan.torn_bytes;
    if (::ftruncate(fd, static_cast<off_t>(scan.size)) != 0 || ::fdatasync(fd) != 0) {
      int err = errno;
      ::close(fd);
      return fileError("cannot cut the torn tail off", path, err);
    }
  }
  ::close(fd);
  return scan;
}

}  // namespace triggerd::spool
