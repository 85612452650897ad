#include "spool/spool_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <utility>

#include "common/log.h"

namespace triggerd::spool {
namespace {

constexpr size_t kIdDigits = 20;  // every uint64_t fits; equal widths sort in append order

void closeFd(int fd) {
  if (fd >= 0) ::close(fd);
}

// mkdir -p with mode 0700 for every directory it creates.
Status makeDirectories(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string part = path.substr(0, slash);
    if (!part.empty() && ::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return fileError("cannot create spool directory", part, errno);
    }
    if (slash == std::string::npos) return okStatus();
  }
}

}  // namespace

Error fileError(const char* what, const std::string& path, int err) {
  return Error::unavailable(std::string(what) + " " + path + ": " + std::strerror(err));
}

SpoolDirectory::SpoolDirectory(std::string path, int dir_fd, int lock_fd)
    : path_(std::move(path)), dir_fd_(dir_fd), lock_fd_(lock_fd) {}

SpoolDirectory::SpoolDirectory(SpoolDirectory&& other) noexcept
    : path_(std::move(other.path_)),
      dir_fd_(std::exchange(other.dir_fd_, -1)),
      lock_fd_(std::exchange(other.lock_fd_, -1)) {}

SpoolDirectory::~SpoolDirectory() {
  closeFd(dir_fd_);
  closeFd(lock_fd_);  // releases the flock
}

Result<SpoolDirectory> SpoolDirectory::open(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return Error::unavailable("the spool directory must be an absolute path, got \"" + path + "\"");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return fileError("cannot stat spool directory", path, errno);
    if (auto made = makeDirectories(path); !made.ok()) return made.error();
    if (::stat(path.c_str(), &st) != 0)
      return fileError("cannot stat spool directory", path, errno);
    TLOG_INFO("spool", "dir=%s created the spool directory (mode 0700)",
              log::logValue(path).c_str());
  }
  if (!S_ISDIR(st.st_mode))
    return Error::unavailable("spool directory " + path + " is not a directory");
  if (st.st_mode & S_IWOTH) {
    return Error::unavailable("spool directory " + path +
                              " is writable by every user, who could plant deliveries in it; "
                              "run: chmod 700 " +
                              path);
  }
  int dir_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return fileError("cannot open spool directory", path, errno);
  std::string lock_path = path + "/" + std::string(kLockFile);
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    int err = errno;
    closeFd(dir_fd);
    return fileError("cannot open", lock_path, err);
  }
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    closeFd(dir_fd);
    closeFd(lock_fd);
    if (err == EWOULDBLOCK) {
      return Error::unavailable("spool directory " + path + " is in use by another process (" +
                                lock_path + " is locked)");
    }
    return fileError("cannot lock", lock_path, err);
  }
  return SpoolDirectory(path, dir_fd, lock_fd);
}

std::string SpoolDirectory::file(std::string_view name) const {
  return path_ + "/" + std::string(name);
}

Status SpoolDirectory::sync() const {
  if (::fsync(dir_fd_) != 0) return fileError("cannot fsync spool directory", path_, errno);
  return okStatus();
}

std::string segmentFileName(uint64_t id) {
  char buf[kIdDigits + 1];
  std::snprintf(buf, sizeof buf, "%020" PRIu64, id);
  return std::string(buf) + std::string(kSegmentSuffix);
}

std::optional<uint64_t> parseSegmentFileName(std::string_view name) {
  if (name.size() != kIdDigits + kSegmentSuffix.size()) return std::nullopt;
  if (name.substr(kIdDigits) != kSegmentSuffix) return std::nullopt;
  uint64_t id = 0;
  for (char c : name.substr(0, kIdDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (id > (UINT64_MAX - digit) / 10) return std::nullopt;
    id = id * 10 + digit;
  }
  return id;
}

Result<std::vector<uint64_t>> listSegments(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fileError("cannot list spool directory", dir, errno);
  std::vector<uint64_t> ids;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    if (auto id = parseSegmentFileName(e->d_name)) ids.push_back(*id);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return fileError("cannot list spool directory", dir, err);
  std::sort(ids.begin(), ids.end());
  return ids;
}

uint64_t readConsumedCursor(const SpoolDirectory& dir) {
  std::string path = dir.file(kConsumedFile);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) {
      TLOG_WARN("spool",
                "file=%s error=\"%s\" cannot read the consumption cursor; replaying "
                "from the first record",
                path.c_str(), std::strerror(errno));
    }
    return 0;
  }
  auto text = readAt(fd, 0, 64, path);
  ::close(fd);
  uint64_t value = 0;
  bool ok = text.ok() && !text->empty() && text->back() == '\n' && text->size() > 1;
  for (size_t i = 0; ok && i + 1 < text->size(); ++i) {
    char c = (*text)[i];
    ok = c >= '0' && c <= '9' && value <= (UINT64_MAX - static_cast<uint64_t>(c - '0')) / 10;
    if (ok) value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok) {
    TLOG_WARN("spool",
              "file=%s the consumption cursor is garbled; replaying from the first "
              "record (the enqueue dedupes what was already consumed)",
              path.c_str());
    return 0;
  }
  return value;
}

Status writeConsumedCursor(const SpoolDirectory& dir, uint64_t sequence) {
  std::string path = dir.file(kConsumedFile);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fileError("cannot create", tmp, errno);
  Status written = writeAllAt(fd, std::to_string(sequence) + "\n", 0, tmp);
  if (written.ok() && ::fdatasync(fd) != 0) written = fileError("cannot fdatasync", tmp, errno);
  ::close(fd);
  if (!written.ok()) return written;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fileError("cannot rename", tmp, errno);
  return dir.sync();
}

Status appendDurably(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return fileError("cannot open", path, errno);
  struct stat st {};
  Status s = ::fstat(fd, &st) == 0 ? writeAllAt(fd, bytes, static_cast<uint64_t>(st.st_size), path)
                                   : fileError("cannot stat", path, errno);
  if (s.ok() && ::fdatasync(fd) != 0) s = fileError("cannot fdatasync", path, errno);
  ::close(fd);
  return s;
}

Status writeAllAt(int fd, std::string_view bytes, uint64_t offset, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fileError("cannot write", path, errno);
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return okStatus();
}

Result<std::string> readAt(int fd, uint64_t offset, uint64_t length, const std::string& path) {
  std::string out(static_cast<size_t>(length), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fileError("cannot read", path, errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace triggerd::spool
