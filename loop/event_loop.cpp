#include "loop/event_loop.h"

#include <cstdlib>

#include "common/log.h"

namespace triggerd {

Timer::Timer(event_base* base, std::function<void()> cb)
    : cb_(std::move(cb)), ev_(evtimer_new(base, &Timer::onFire, this)) {
  if (!ev_) std::abort();  // out of memory: nothing sane to do
}

Timer::~Timer() = default;  // event_free deletes a pending event

void Timer::arm(std::chrono::milliseconds after) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(after.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((after.count() % 1000) * 1000);
  evtimer_add(ev_.get(), &tv);
}

void Timer::disarm() {
  evtimer_del(ev_.get());
}

bool Timer::armed() const {
  return evtimer_pending(ev_.get(), nullptr) != 0;
}

void Timer::onFire(evutil_socket_t, short, void* arg) noexcept {
  try {
    static_cast<Timer*>(arg)->cb_();
  } catch (const std::exception& e) {
    TLOG_ERROR("loop", "timer callback threw: %s", e.what());
  } catch (...) {
    TLOG_ERROR("loop", "timer callback threw");
  }
}

namespace {

// epoll's changelist folds the enable/disable pairs evhttp makes on every request (read off while
// a handler runs, write on for the answer...) into at most one epoll_ctl per fd and loop turn.
// Its caveat (dup()ed fds sharing one file description) does not apply: triggerd never dups.
event_base* newEventBase() {
  event_config* cfg = event_config_new();
  if (!cfg) return nullptr;
  event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
  event_base* base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  return base ? base : event_base_new();
}

}  // namespace

EventLoop::EventLoop() : base_(newEventBase()) {
  if (!base_) std::abort();
  post_event_.reset(event_new(base_.get(), -1, 0, &EventLoop::onPosted, this));
  foreign_event_.reset(event_new(base_.get(), -1, 0, &EventLoop::onForeign, this));
}

EventLoop::~EventLoop() {
  // Finish pending deletions while the base is still alive: destructors may free events.
  while (!to_delete_.empty()) {
    auto batch = std::move(to_delete_);
    to_delete_.clear();
  }
  post_event_.reset();
  foreign_event_.reset();
}

void EventLoop::post(std::function<void()> fn) {
  posted_.push_back(std::move(fn));
  event_active(post_event_.get(), EV_TIMEOUT, 0);
}

void EventLoop::postFromAnyThread(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(foreign_mutex_);
    foreign_.push_back(std::move(fn));
  }
  event_active(foreign_event_.get(), EV_TIMEOUT, 0);
}

void EventLoop::onForeign(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<EventLoop*>(arg);
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard<std::mutex> lock(self->foreign_mutex_);
    fns.swap(self->foreign_);
  }
  for (auto& fn : fns) self->post(std::move(fn));
}

void EventLoop::deferredDelete(std::unique_ptr<DeferredDeletable> obj) {
  to_delete_.push_back(std::move(obj));
  event_active(post_event_.get(), EV_TIMEOUT, 0);
}

std::unique_ptr<Timer> EventLoop::createTimer(std::function<void()> cb) {
  return std::make_unique<Timer>(base_.get(), std::move(cb));
}

void EventLoop::onPosted(evutil_socket_t, short, void* arg) noexcept {
  static_cast<EventLoop*>(arg)->drain();
}

void EventLoop::drain() {
  // Swap first: callbacks and destructors may post or defer more work (Envoy's two lists).
  auto fns = std::move(posted_);
  posted_.clear();
  for (auto& fn : fns) {
    try {
      fn();
    } catch (const std::exception& e) {
      TLOG_ERROR("loop", "posted task threw: %s", e.what());
    } catch (...) {
      TLOG_ERROR("loop", "posted task threw");
    }
  }
  while (!to_delete_.empty()) {
    auto batch = std::move(to_delete_);
    to_delete_.clear();
  }
}

int EventLoop::run() {
  return event_base_dispatch(base_.get());
}

void EventLoop::stop() {
  event_base_loopexit(base_.get(), nullptr);
}

}  // namespace triggerd
