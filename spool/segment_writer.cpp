#include "spool/segment_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/log.h"
#include "spool/spool_record.h"

namespace triggerd::spool {

SegmentWriter::SegmentWriter(const SpoolDirectory& dir, uint64_t segment_bytes)
    : dir_(dir), segment_bytes_(segment_bytes) {}

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status SegmentWriter::openSegment(uint64_t id) {
  std::string path = dir_.file(segmentFileName(id));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fileError("cannot create segment", path, errno);
  // The new directory entry must be durable too, or a crash could lose the whole file even
  // though its data was fdatasynced.
  if (Status synced = dir_.sync(); !synced.ok()) {
    ::close(fd);
    ::unlink(path.c_str());
    return synced;
  }
  fd_ = fd;
  id_ = id;
  size_ = 0;
  last_sequence_ = 0;
  path_ = std::move(path);
  return okStatus();
}

ClosedSegment SegmentWriter::closeActive() {
  ClosedSegment closed{id_, size_};
  ::close(fd_);
  fd_ = -1;
  return closed;
}

WriteReport SegmentWriter::write(const std::vector<PendingRecord>& batch) {
  WriteReport report;
  if (batch.empty()) return report;
  if (fd_ >= 0 && size_ >= segment_bytes_) report.closed = closeActive();
  if (fd_ < 0) {
    report.status = openSegment(batch.front().sequence);
    if (!report.status.ok()) return report;
    report.opened = true;
  }
  std::string bytes;
  for (const PendingRecord& r : batch) appendRecord(bytes, r.sequence, r.append_unix_ms, r.payload);
  Status s = writeAllAt(fd_, bytes, size_, path_);
  if (s.ok()) {
    ++report.syncs;
    if (::fdatasync(fd_) != 0) s = fileError("cannot fdatasync", path_, errno);
  }
  if (!s.ok()) {
    // After a failed write or fdatasync the file's state is unknown (the kernel may have dropped
    // the dirty pages), so this segment is never written again: cut it back and close it.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      TLOG_WARN("spool", "file=%s cannot cut back a failed write; the start-up scan will",
                path_.c_str());
    }
    bool fresh = report.opened;
    ClosedSegment closed = closeActive();
    if (fresh) {
      ::unlink(path_.c_str());  // never reported to the spool: it held nothing
    } else {
      report.closed = closed;
    }
    report.opened = false;
    report.status = s;
    return report;
  }
  size_ += bytes.size();
  last_sequence_ = batch.back().sequence;
  report.segment = id_;
  report.segment_size = size_;
  return report;
}

std::optional<ClosedSegment> SegmentWriter::retire(uint64_t id, uint64_t last_sequence) {
  if (fd_ < 0 || id_ != id || last_sequence_ != last_sequence) return std::nullopt;
  return closeActive();
}

}  // namespace triggerd::spool
