// HeldLease: a Lease (store/lease.h) held for the length of some work: acquiring waits for a
// busy lease (another request or another triggerd process is on it), holding renews it at a
// third of its time limit, and destroying or releasing lets go. Hook work takes one per
// repository, so two installs never run on one repository at once; the reconciler takes one
// so its pass runs in one process only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "loop/event_loop.h"
#include "redis/redis_client.h"
#include "store/lease.h"

namespace triggerd {

class HeldLease {
 public:
  HeldLease(EventLoop& loop, RedisClient& redis, std::string key, std::string owner,
            std::chrono::milliseconds ttl);
  ~HeldLease();  // releases if held
  HeldLease(const HeldLease&) = delete;
  HeldLease& operator=(const HeldLease&) = delete;

  // Tries to take the lease, again every 100 ms while another holder has it, for up to `wait`
  // (0: one try). `cb` gets true once held, false when the other holder kept it throughout, an
  // Error when Redis fails. Runs on a later loop turn, exactly once, unless this is destroyed.
  void acquire(std::chrono::milliseconds wait, std::function<void(Result<bool>)> cb);
  // Stops renewing and lets go (a no-op when not held).
  void release();
  bool held() const { return held_; }
  // False once a renewal found the lease taken or expired: the work is no longer exclusive.
  bool lost() const { return lost_; }
  const std::string& key() const { return lease_.key(); }

 private:
  void attempt();
  void renew();

  EventLoop& loop_;
  Lease lease_;
  std::chrono::milliseconds ttl_;
  std::chrono::steady_clock::time_point give_up_at_;
  std::function<void(Result<bool>)> acquired_;
  std::unique_ptr<Timer> retry_;
  std::unique_ptr<Timer> renew_;
  bool held_ = false;
  bool lost_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
