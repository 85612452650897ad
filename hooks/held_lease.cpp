#include "hooks/held_lease.h"

#include "common/log.h"

namespace triggerd {

using std::chrono::milliseconds;

HeldLease::HeldLease(EventLoop& loop, RedisClient& redis, std::string key, std::string owner,
                     milliseconds ttl)
    : loop_(loop), lease_(redis, std::move(key), std::move(owner), ttl), ttl_(ttl) {
  retry_ = loop_.createTimer([this] { attempt(); });
  renew_ = loop_.createTimer([this] { renew(); });
}

HeldLease::~HeldLease() {
  release();
}

void HeldLease::acquire(milliseconds wait, std::function<void(Result<bool>)> cb) {
  acquired_ = std::move(cb);
  give_up_at_ = std::chrono::steady_clock::now() + wait;
  attempt();
}

void HeldLease::attempt() {
  std::weak_ptr<bool> alive = alive_;
  lease_.acquire([this, alive](Result<bool> got) {
    if (alive.expired()) return;
    if (got.ok() && !*got && std::chrono::steady_clock::now() < give_up_at_) {
      retry_->arm(milliseconds(100));
      return;
    }
    if (got.ok() && *got) {
      held_ = true;
      renew_->arm(ttl_ / 3);
    }
    auto cb = std::move(acquired_);
    acquired_ = nullptr;
    cb(std::move(got));
  });
}

void HeldLease::renew() {
  std::weak_ptr<bool> alive = alive_;
  lease_.renew([this, alive](Result<bool> still) {
    if (alive.expired() || !held_) return;
    if (still.ok() && !*still) {
      lost_ = true;
      TLOG_WARN("lease", "key=%s lease lost while working: another process may run the same work",
                lease_.key().c_str());
      return;
    }
    if (!still.ok())
      TLOG_WARN("lease", "key=%s reason=%s renewal failed; retrying", lease_.key().c_str(),
                still.error().message.c_str());
    renew_->arm(ttl_ / 3);
  });
}

void HeldLease::release() {
  retry_->disarm();
  renew_->disarm();
  if (!held_) return;
  held_ = false;
  lease_.release();
}

}  // namespace triggerd
