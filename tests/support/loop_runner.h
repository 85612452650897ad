// Drives a real EventLoop in tests: run until a condition holds, with a safety timeout.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>

#include "loop/event_loop.h"

namespace triggerd::testing {

// Runs loop turns until done() is true or `timeout` passed; returns done().
inline bool runUntil(EventLoop& loop, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  bool expired = false;
  auto safety = loop.createTimer([&] { expired = true; });
  safety->arm(timeout);
  while (!done() && !expired) event_base_loop(loop.base(), EVLOOP_ONCE);
  return done();
}

// Runs the loop for `duration`, whatever happens.
inline void runFor(EventLoop& loop, std::chrono::milliseconds duration) {
  bool expired = false;
  auto safety = loop.createTimer([&] { expired = true; });
  safety->arm(duration);
  while (!expired) event_base_loop(loop.base(), EVLOOP_ONCE);
}

}  // namespace triggerd::testing
