// Clock seam: wall time for timestamps and expiry, monotonic time for deadlines.
// Production uses SystemClock; tests inject a ManualClock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace triggerd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  virtual std::chrono::steady_clock::time_point monotonic() const = 0;

  int64_t unixSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
  int64_t unixMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point monotonic() const override {
    return std::chrono::steady_clock::now();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t unix_seconds = 1764064800)  // 2025-11-25T10:00:00Z
      : wall_(std::chrono::seconds(unix_seconds)) {}
  std::chrono::system_clock::time_point now() const override { return wall_; }
  std::chrono::steady_clock::time_point monotonic() const override { return mono_; }
  void advance(std::chrono::milliseconds d) {
    wall_ += d;
    mono_ += d;
  }
  void setUnixSeconds(int64_t s) {
    wall_ = std::chrono::system_clock::time_point(std::chrono::seconds(s));
  }

 private:
  std::chrono::system_clock::time_point wall_;
  std::chrono::steady_clock::time_point mono_{};
};

// Formats a wall time as RFC 3339 UTC with seconds: 2026-11-25T10:00:00Z.
std::string formatRfc3339(std::chrono::system_clock::time_point t);
// Formats as YYYYMMDDhhmmss UTC (the {timestamp} tag template).
std::string formatCompactUtc(std::chrono::system_clock::time_point t);
// Parses RFC 3339 / ISO 8601 with a Z or +hh:mm offset, or a bare date YYYY-MM-DD (00:00 UTC).
bool parseIso8601(std::string_view text, std::chrono::system_clock::time_point* out);

}  // namespace triggerd
