#include "common/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace triggerd::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

const char* levelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void setLevel(Level l) {
  g_level.store(static_cast<int>(l));
}
Level level() {
  return static_cast<Level>(g_level.load());
}
bool enabled(Level l) {
  return static_cast<int>(l) >= g_level.load(std::memory_order_relaxed);
}

bool parseLevel(std::string_view name, Level* out) {
  if (name == "debug")
    *out = Level::kDebug;
  else if (name == "info")
    *out = Level::kInfo;
  else if (name == "warn")
    *out = Level::kWarn;
  else if (name == "error")
    *out = Level::kError;
  else
    return false;
  return true;
}

void write(Level l, const char* component, const char* fmt, ...) {
  if (!enabled(l)) return;
  char body[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  // One fprintf per line keeps lines whole when several threads (tests) log at once.
  fprintf(stderr, "%s %s %s\n", levelName(l), component, body);
}

std::string logValue(std::string_view raw, size_t max_len) {
  std::string out;
  out.reserve(std::min(raw.size(), max_len) + 8);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(raw[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char esc[5];
      snprintf(esc, sizeof esc, "\\x%02x", c);
      out += esc;
    }
  }
  return out;
}

}  // namespace triggerd::log
