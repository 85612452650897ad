// The one libevent loop and the small services every component needs from it:
// posting work to the next turn, deferred deletion, and owned timers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "loop/libevent_ptr.h"

namespace triggerd {

// Base for objects that must not be freed while their own callback is on the stack.
class DeferredDeletable {
 public:
  virtual ~DeferredDeletable() = default;
};

// A one-shot or repeating timer owned by the object it times out; destroying it disarms it.
class Timer {
 public:
  Timer(event_base* base, std::function<void()> cb);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void arm(std::chrono::milliseconds after);
  void disarm();
  bool armed() const;

 private:
  static void onFire(evutil_socket_t, short, void* arg) noexcept;
  std::function<void()> cb_;
  EventPtr ev_;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  event_base* base() const { return base_.get(); }

  // Runs fn on a later loop turn, outside any library callback (curl, hiredis, evhttp).
  void post(std::function<void()> fn);
  // Like post(), callable from any thread (needs evthread_use_pthreads() before the loop is
  // created, as main() does): for work finished off the loop, such as reading a reloaded config.
  void postFromAnyThread(std::function<void()> fn);
  // Frees obj after the current callback stack unwinds.
  void deferredDelete(std::unique_ptr<DeferredDeletable> obj);
  std::unique_ptr<Timer> createTimer(std::function<void()> cb);

  int run();    // until stop() or no events remain
  void stop();  // ends run() after the current turn

 private:
  static void onPosted(evutil_socket_t, short, void* arg) noexcept;
  static void onForeign(evutil_socket_t, short, void* arg) noexcept;
  void drain();

  EventBasePtr base_;
  EventPtr post_event_;
  EventPtr foreign_event_;
  std::mutex foreign_mutex_;
  std::vector<std::function<void()>> foreign_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::unique_ptr<DeferredDeletable>> to_delete_;
};

}  // namespace triggerd
