// Drives a real EventLoop in tests: run until a condition holds or a callback delivers, with a
// safety timeout.
#pragma once

#include <event2/event.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <utility>

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

// Starts an asynchronous call and runs the loop until its callback delivers the value:
//   Result<bool> created = await<Result<bool>>(loop, [&](auto cb) { records.create(..., cb); });
// A call that never calls back fails the test and aborts it.
template <typename T>
T await(EventLoop& loop, const std::function<void(std::function<void(T)>)>& start,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  std::optional<T> out;
  start([&out](T value) { out.emplace(std::move(value)); });
  if (!runUntil(
          loop, [&] { return out.has_value(); }, timeout)) {
    ADD_FAILURE() << "the callback did not run within " << timeout.count() << " ms";
    std::abort();
  }
  return std::move(*out);
}

}  // namespace triggerd::testing
