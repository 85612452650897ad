#include "loop/event_loop.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tests/support/loop_runner.h"

namespace triggerd {
namespace {

using std::chrono::milliseconds;
using testing::runUntil;

TEST(EventLoop, PostedTasksRunInOrderOnALaterTurnAndMayPostMore) {
  EventLoop loop;
  std::vector<int> order;
  loop.post([&] {
    order.push_back(1);
    loop.post([&] { order.push_back(3); });
  });
  loop.post([&] { order.push_back(2); });
  EXPECT_TRUE(order.empty());  // nothing runs inline
  ASSERT_TRUE(runUntil(loop, [&] { return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, ThrowingTaskDoesNotStopTheOthers) {
  EventLoop loop;
  bool second = false;
  loop.post([] { throw std::runtime_error("boom"); });
  loop.post([&] { second = true; });
  EXPECT_TRUE(runUntil(loop, [&] { return second; }));
}

TEST(EventLoop, TasksFromAnotherThreadRunOnTheLoop) {
  EventLoop loop;
  std::thread::id ran_on;
  std::thread t([&] { loop.postFromAnyThread([&] { ran_on = std::this_thread::get_id(); }); });
  t.join();
  ASSERT_TRUE(runUntil(loop, [&] { return ran_on != std::thread::id(); }));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

struct Tracked final : DeferredDeletable {
  explicit Tracked(bool* flag) : deleted(flag) {}
  ~Tracked() override { *deleted = true; }
  bool* deleted;
};

TEST(EventLoop, DeferredDeleteFreesAfterTheCurrentCallbackReturns) {
  EventLoop loop;
  bool deleted = false;
  bool seen_alive_after_defer = false;
  loop.post([&] {
    loop.deferredDelete(std::make_unique<Tracked>(&deleted));
    seen_alive_after_defer = !deleted;
  });
  ASSERT_TRUE(runUntil(loop, [&] { return deleted; }));
  EXPECT_TRUE(seen_alive_after_defer);
}

TEST(EventLoop, TimersFireOnceAndDisarmCancels) {
  EventLoop loop;
  int fired = 0, cancelled_fired = 0;
  auto timer = loop.createTimer([&] { ++fired; });
  auto cancelled = loop.createTimer([&] { ++cancelled_fired; });
  timer->arm(milliseconds(5));
  cancelled->arm(milliseconds(5));
  EXPECT_TRUE(timer->armed());
  cancelled->disarm();
  EXPECT_FALSE(cancelled->armed());
  ASSERT_TRUE(runUntil(loop, [&] { return fired == 1; }));
  testing::runFor(loop, milliseconds(30));
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(cancelled_fired, 0);
  EXPECT_FALSE(timer->armed());
}

TEST(EventLoop, DestroyingAnArmedTimerDisarmsIt) {
  EventLoop loop;
  bool fired = false;
  {
    auto timer = loop.createTimer([&] { fired = true; });
    timer->arm(milliseconds(1));
  }
  testing::runFor(loop, milliseconds(20));
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace triggerd
