#include "loop/libevent_log.h"

#include <event2/event.h>

#include "common/log.h"

namespace triggerd::log {
namespace {

void libeventLog(int severity, const char* msg) noexcept {
  Level l = severity >= EVENT_LOG_ERR    ? Level::kError
            : severity >= EVENT_LOG_WARN ? Level::kWarn
            : severity >= EVENT_LOG_MSG  ? Level::kInfo
                                         : Level::kDebug;
  if (enabled(l)) write(l, "libevent", "%s", logValue(msg, 300).c_str());
}

}  // namespace

void installLibeventLogCallback() {
  event_set_log_callback(libeventLog);
}

}  // namespace triggerd::log
