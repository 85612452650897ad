// The fault tests' verdict must be able to fail: exactlyOnce() against a real Redis whose job
// stream is written by hand, with each way a delivery can be lost or built twice.
#include "tests/faults/fault_checks.h"

#include <gtest/gtest.h>

namespace triggerd::testing {
namespace {

class ExactlyOnceCheckTest : public ::testing::Test {
 protected:
  void addJob(const std::string& delivery, const std::string& job) {
    redis_.cmd({"XADD", "triggerd:jobs", "*", "job",
                R"({"id":")" + job + R"(","delivery_id":")" + delivery + R"("})"});
  }

  static DeliveryRecord answered(const std::string& delivery, const std::string& job,
                                 long status = 202) {
    DeliveryRecord r;
    r.delivery_id = delivery;
    r.statuses = {status};
    if (!job.empty()) r.job_ids = {job};
    return r;
  }

  RedisServer redis_;
};

TEST_F(ExactlyOnceCheckTest, PassesWhenEachAnsweredDeliveryHasItsOneJob) {
  addJob("d-1", "J1");
  addJob("d-2", "J2");
  addJob("d-3", "J3");  // enqueued, its answer lost, never retried: allowed, it is built once
  DeliveryRecord retried = answered("d-2", "J2", 200);
  retried.statuses = {0, 503, 200};
  EXPECT_TRUE(exactlyOnce(redis_, {answered("d-1", "J1"), retried}));
  EXPECT_EQ(jobsByDelivery(redis_).size(), 3u);
}

TEST_F(ExactlyOnceCheckTest, FailsOnAJobBuiltTwice) {
  addJob("d-1", "J1");
  addJob("d-1", "J1");
  auto r = exactlyOnce(redis_, {answered("d-1", "J1")});
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("d-1: 2 jobs"), std::string::npos) << r.message();
}

TEST_F(ExactlyOnceCheckTest, FailsOnADuplicateOfADeliveryNobodyWaitedFor) {
  addJob("d-1", "J1");
  addJob("d-9", "J9");
  addJob("d-9", "J9b");
  EXPECT_FALSE(exactlyOnce(redis_, {answered("d-1", "J1")}));
}

TEST_F(ExactlyOnceCheckTest, FailsOnAnAnsweredDeliveryWithNoJob) {
  addJob("d-1", "J1");
  auto r = exactlyOnce(redis_, {answered("d-1", "J1"), answered("d-2", "J2")});
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("d-2: answered 202 after 1 attempt(s), 0 jobs"),
            std::string::npos)
      << r.message();
}

TEST_F(ExactlyOnceCheckTest, FailsOnAnAnswerNamingAnotherJob) {
  addJob("d-1", "J1-other");
  EXPECT_FALSE(exactlyOnce(redis_, {answered("d-1", "J1")}));
}

TEST_F(ExactlyOnceCheckTest, ARetryAnsweredFromTheSpoolMayNameTheJobItDidNotAdd) {
  // The first attempt's enqueue landed (J1) but its answer was lost; the retry was spooled as
  // J2, whose replay found the delivery and added nothing.
  addJob("d-1", "J1");
  DeliveryRecord retried = answered("d-1", "J2");
  retried.statuses = {0, 202};
  retried.spooled = true;
  EXPECT_TRUE(exactlyOnce(redis_, {retried}));
}

TEST_F(ExactlyOnceCheckTest, FailsOnA2xxThatBuiltNothing) {
  // A 200 "ignored" (a replay of a push seen under another id) names no job.
  EXPECT_FALSE(exactlyOnce(redis_, {answered("d-1", "", 200)}));
}

TEST_F(ExactlyOnceCheckTest, FailsOnADeliveryNeverAnswered) {
  DeliveryRecord given_up;
  given_up.delivery_id = "d-1";
  given_up.statuses = {503, 0, 503};
  given_up.transport_errors = {"Couldn't connect to server"};
  auto r = exactlyOnce(redis_, {given_up});
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("never answered"), std::string::npos) << r.message();
}

}  // namespace
}  // namespace triggerd::testing
