// Leases against a real Redis: one holder at a time, renewal, expiry, release by the owner only.
#include "store/lease.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/redis_loop.h"

namespace triggerd {
namespace {

using std::chrono::milliseconds;
using testing::RedisLoop;

bool held(RedisLoop& r, Lease& lease, bool renew = false) {
  auto result = r.await<Result<bool>>([&](auto cb) {
    if (renew)
      lease.renew(cb);
    else
      lease.acquire(cb);
  });
  EXPECT_TRUE(result.ok());
  return result.ok() && *result;
}

TEST(Lease, OneHolderAtATimeAndTheHolderMayAcquireAgain) {
  RedisLoop r;
  Lease a(r.client(), "lease:reconcile", "a", milliseconds(5000));
  Lease b(r.client(), "lease:reconcile", "b", milliseconds(5000));
  EXPECT_TRUE(held(r, a));
  EXPECT_FALSE(held(r, b));
  EXPECT_TRUE(held(r, a));  // re-acquiring one's own lease extends it
  EXPECT_EQ(r.server().cmd({"GET", "lease:reconcile"}).str, "a");
}

TEST(Lease, ACrashedHoldersLeaseExpiresAndRenewalNoticesTheLoss) {
  RedisLoop r;
  Lease a(r.client(), "lease:x", "a", milliseconds(100));
  Lease b(r.client(), "lease:x", "b", milliseconds(5000));
  ASSERT_TRUE(held(r, a));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(held(r, b));
  EXPECT_FALSE(held(r, a, /*renew=*/true));
}

TEST(Lease, ReleaseFreesOnlyOnesOwnLease) {
  RedisLoop r;
  Lease a(r.client(), "lease:y", "a", milliseconds(5000));
  Lease b(r.client(), "lease:y", "b", milliseconds(5000));
  ASSERT_TRUE(held(r, a));
  EXPECT_TRUE(r.await<Status>([&](auto cb) { b.release(cb); }).ok());
  EXPECT_EQ(r.server().cmd({"GET", "lease:y"}).str, "a");
  EXPECT_TRUE(r.await<Status>([&](auto cb) { a.release(cb); }).ok());
  EXPECT_TRUE(r.server().cmd({"GET", "lease:y"}).isNil());
  EXPECT_TRUE(held(r, b));
}

TEST(Lease, OwnerIdsAreUniquePerCall) {
  EXPECT_NE(leaseOwnerId(), leaseOwnerId());
  EXPECT_NE(leaseOwnerId().find(":" + std::to_string(getpid()) + ":"), std::string::npos);
}

}  // namespace
}  // namespace triggerd
