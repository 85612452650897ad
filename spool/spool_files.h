// The files of a spool directory and the blocking calls that touch them. Called before the loop
// runs (Spool::open) or on the spool's disk threads, never on the running loop.
//
//   DIR/lock                     held with flock() while a triggerd uses the directory
//   DIR/<20-digit id>.seg        segments; the id is the sequence number of the first record
//   DIR/<20-digit id>.seg.corrupt  a consumed segment that held corrupt bytes, kept to inspect
//   DIR/consumed                 the consumption cursor, "<sequence>\n"
//   DIR/expired                  records older than spool.max_age, moved aside (record format)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace triggerd::spool {

inline constexpr std::string_view kSegmentSuffix = ".seg";
inline constexpr std::string_view kCorruptSuffix = ".corrupt";
inline constexpr std::string_view kConsumedFile = "consumed";
inline constexpr std::string_view kExpiredFile = "expired";
inline constexpr std::string_view kLockFile = "lock";

// The spool directory, checked, opened and locked for this process.
class SpoolDirectory {
 public:
  // Creates `path` (and missing parents) with mode 0700 when it does not exist. Refuses a path
  // that is not a directory, or one that other users may write to (a world-writable spool would
  // let anyone inject deliveries). Takes an exclusive flock() on DIR/lock, so a second triggerd
  // on the same directory fails instead of interleaving segments.
  static Result<SpoolDirectory> open(const std::string& path);
  ~SpoolDirectory();
  SpoolDirectory(SpoolDirectory&& other) noexcept;
  SpoolDirectory& operator=(SpoolDirectory&& other) = delete;
  SpoolDirectory(const SpoolDirectory&) = delete;
  SpoolDirectory& operator=(const SpoolDirectory&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const;
  // fsync() of the directory itself, so created, renamed and removed entries survive a crash.
  Status sync() const;

 private:
  SpoolDirectory(std::string path, int dir_fd, int lock_fd);
  std::string path_;
  int dir_fd_ = -1;
  int lock_fd_ = -1;
};

std::string segmentFileName(uint64_t id);
std::optional<uint64_t> parseSegmentFileName(std::string_view name);
// Ids of the segments in `dir`, ascending (= append order).
Result<std::vector<uint64_t>> listSegments(const std::string& dir);

// The cursor: every record with a sequence number up to it has been consumed. 0 when the file
// is missing; an unreadable or garbled file also reads as 0 (logged): replaying consumed
// records again is harmless, the enqueue dedupes on the delivery id.
uint64_t readConsumedCursor(const SpoolDirectory& dir);
// Replaces the cursor file atomically (write a temporary file, fdatasync, rename).
Status writeConsumedCursor(const SpoolDirectory& dir, uint64_t sequence);

// Appends `bytes` to `path` (created 0600 if missing) and fdatasyncs it.
Status appendDurably(const std::string& path, std::string_view bytes);
// Writes all of `bytes` at `offset`, retrying short writes and EINTR.
Status writeAllAt(int fd, std::string_view bytes, uint64_t offset, const std::string& path);
// Reads `length` bytes at `offset`; fewer only at the end of the file.
Result<std::string> readAt(int fd, uint64_t offset, uint64_t length, const std::string& path);

// "<what> <path>: <strerror>" as an Error (503: the spool cannot take deliveries).
Error fileError(const char* what, const std::string& path, int err);

}  // namespace triggerd::spool
