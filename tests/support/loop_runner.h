// Drives a real EventLoop in tests: run until a condition holds or a callback delivers, with a
// safety timeout. The one loop runner of the test tree; fixtures build on it.
#pragma once

#include <event2/event.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "loop/event_loop.h"

namespace triggerd::testing {

// Runs loop turns until done() is true or `timeout` passed; returns done(). A short tick keeps
// the loop turning, so conditions that another thread changes (a fake server counting requests)
// are seen too, not only those that loop events change.
inline bool runUntil(EventLoop& loop, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_ptr<Timer> tick;
  tick = loop.createTimer([&tick] { tick->arm(std::chrono::milliseconds(2)); });
  tick->arm(std::chrono::milliseconds(2));
  while (!done() && std::chrono::steady_clock::now() < deadline)
    event_base_loop(loop.base(), EVLOOP_ONCE);
  return done();
}

// Runs the loop for `duration`, whatever happens.
inline void runFor(EventLoop& loop, std::chrono::milliseconds duration) {
  runUntil(
      loop, [] { return false; }, duration);
}

// Starts an asynchronous call and runs the loop until its callback delivers the value:
//   Result<bool> created = await<Result<bool>>(loop, [&](auto cb) { records.create(..., cb); });
// A call that never calls back fails the test and aborts it.
template <typename T>
T await(EventLoop& loop, const std::function<void(std::function<void(T)>)>& start,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
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
