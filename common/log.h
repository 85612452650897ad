// Leveled logger: one line per event on stderr as `level component key=value... msg`.
// journald adds timestamps. Secrets must never be passed here; values are sanitised
// (non-printable bytes escaped) by logValue().
#pragma once

#include <string>
#include <string_view>

namespace triggerd::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void setLevel(Level level);
Level level();
bool parseLevel(std::string_view name, Level* out);
bool enabled(Level level);

// printf-style; the format carries key=value pairs, e.g.
//   log::write(Level::kInfo, "webhook", "delivery=%s trigger=%s enqueued jobs=%zu", ...)
void write(Level level, const char* component, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

// A printable, clipped copy of untrusted input, safe to put in a log line.
std::string logValue(std::string_view raw, size_t max_len = 120);

}  // namespace triggerd::log

// The level is checked before the arguments are evaluated, so a suppressed line costs nothing
// (no logValue() copies on the hot path).
#define TLOG_AT(lvl, component, ...)                                                        \
  do {                                                                                      \
    if (::triggerd::log::enabled(lvl)) ::triggerd::log::write(lvl, component, __VA_ARGS__); \
  } while (0)
#define TLOG_DEBUG(component, ...) TLOG_AT(::triggerd::log::Level::kDebug, component, __VA_ARGS__)
#define TLOG_INFO(component, ...) TLOG_AT(::triggerd::log::Level::kInfo, component, __VA_ARGS__)
#define TLOG_WARN(component, ...) TLOG_AT(::triggerd::log::Level::kWarn, component, __VA_ARGS__)
#define TLOG_ERROR(component, ...) TLOG_AT(::triggerd::log::Level::kError, component, __VA_ARGS__)
