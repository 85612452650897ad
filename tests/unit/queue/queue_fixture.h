// A job queue on a real redis-server for the protocol tests: enqueue jobs, run a FakeRunner
// against them, read records back.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "queue/job_queue.h"
#include "tests/fakes/fake_runner.h"
#include "tests/support/redis_loop.h"

namespace triggerd::testing {

inline Job queueTestJob(int n, const std::string& ref = "refs/heads/main") {
  Job j;
  j.id = "01JDQ3Z9X6V5W4T3S2R1Q0P9" + std::string(n < 10 ? "0" : "") + std::to_string(n);
  j.trigger_id = "01JDQ2AAAAAAAAAAAAAAAAAAAA";
  j.user = "alice";
  j.provider = Provider::kGithub;
  j.repository = RepositoryInfo{"1296269", "octo/app", "https://github.com/octo/app.git",
                                "git@github.com:octo/app.git", true};
  j.ref = ref;
  j.ref_name = ref.substr(ref.rfind('/') + 1);
  j.commit.sha = std::string(39, 'a') + std::to_string(n % 10);
  j.image = "registry.example.com/team/app";
  j.tags = {"main"};
  j.delivery_id = "d-" + std::to_string(n);
  j.received_at = "2026-11-25T10:00:00Z";
  return j;
}

class QueueFixture : public ::testing::Test {
 protected:
  QueueFixture() : queue_(redis_.client(), keys_) {
    queue_.setEventSink([this](const JobEvent& e) { events_.push_back(e); });
    auto st = redis_.await<Status>([&](auto cb) { queue_.ensureConsumerGroup(cb); });
    EXPECT_TRUE(st.ok());
  }

  // Enqueues `jobs` as one delivery (each job's own delivery id for the first).
  void enqueue(const std::vector<Job>& jobs) {
    auto out = redis_.await<Result<EnqueueOutcome>>([&](auto cb) {
      queue_.enqueue(jobs.front().trigger_id, jobs.front().delivery_id, jobs, cb);
    });
    ASSERT_TRUE(out.ok()) << out.error().message;
  }

  std::map<std::string, std::string> record(const std::string& id) {
    std::map<std::string, std::string> m;
    RedisValue v = redis_.server().cmd({"HGETALL", keys_.job(id)});
    for (size_t i = 0; i + 1 < v.elements.size(); i += 2)
      m[v.elements[i].str] = v.elements[i + 1].str;
    return m;
  }

  int64_t len(const std::string& key) { return redis_.server().cmd({"XLEN", key}).integer; }

  RedisLoop redis_;
  Keys keys_;
  Metrics metrics_;
  SystemClock clock_;
  JobQueue queue_;
  std::vector<JobEvent> events_;
};

}  // namespace triggerd::testing
