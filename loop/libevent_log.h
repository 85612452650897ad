// Routes libevent's own diagnostics into triggerd's logger.
#pragma once

namespace triggerd::log {

void installLibeventLogCallback();

}  // namespace triggerd::log
