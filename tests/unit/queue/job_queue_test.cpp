#include "queue/job_queue.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/redis_loop.h"
#include "tests/support/sample_job.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using testing::RedisLoop;
using testing::RedisServer;

constexpr int64_t kDeliveryTtl = 72 * 3600;
const std::string kTrigger = testing::sampleJob().trigger_id;

Job makeJob(int n, const std::string& delivery = "d-1") {
  return testing::sampleJob(n, delivery);
}

std::map<std::string, std::string> hashOf(const RedisValue& v) {
  std::map<std::string, std::string> m;
  for (size_t i = 0; i + 1 < v.elements.size(); i += 2)
    m[v.elements[i].str] = v.elements[i + 1].str;
  return m;
}

// One stream entry as read back with XRANGE: entry id and its field/value pairs.
struct Entry {
  std::string id;
  std::map<std::string, std::string> fields;
};

class JobQueueTest : public ::testing::Test {
 protected:
  explicit JobQueueTest(RedisServer::Options server_options = {})
      : redis_(std::move(server_options)) {}

  std::optional<Result<EnqueueOutcome>> enqueue(const std::string& trigger,
                                                const std::string& delivery,
                                                const std::vector<Job>& jobs) {
    return redis_.await<Result<EnqueueOutcome>>(
        [&](auto cb) { queue_->enqueue(trigger, delivery, jobs, cb); });
  }
  std::optional<Status> wait(const std::function<void(std::function<void(Status)>)>& start) {
    return redis_.await<Status>(start);
  }
  std::vector<Entry> stream() {
    std::vector<Entry> entries;
    RedisValue v = server().cmd({"XRANGE", keys_.jobs(), "-", "+"});
    for (const auto& e : v.elements)
      entries.push_back(Entry{e.elements[0].str, hashOf(e.elements[1])});
    return entries;
  }
  RedisServer& server() { return redis_.server(); }

  RedisLoop redis_;
  Keys keys_;
  std::unique_ptr<JobQueue> queue_ =
      std::make_unique<JobQueue>(redis_.client(), keys_, kDeliveryTtl, redis_.server().address());
};

TEST_F(JobQueueTest, EnqueueWritesEveryJobAndTheDelivery) {
  std::vector<Job> jobs{makeJob(1), makeJob(2), makeJob(3)};
  auto out = enqueue(kTrigger, "d-1", jobs);
  ASSERT_TRUE(out && out->ok()) << out->error().message;
  EXPECT_FALSE((*out)->duplicate);
  EXPECT_EQ((*out)->job_ids, (std::vector<std::string>{jobs[0].id, jobs[1].id, jobs[2].id}));

  auto entries = stream();
  ASSERT_EQ(entries.size(), 3u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].fields["id"], jobs[i].id);
    EXPECT_EQ(entries[i].fields["job"], encodeJob(jobs[i]));
    auto job = decodeJob(entries[i].fields["job"]);
    ASSERT_TRUE(job.ok()) << job.error().message;
    EXPECT_EQ(job->id, jobs[i].id);
    EXPECT_EQ(job->tags, jobs[i].tags);

    auto record = hashOf(server().cmd({"HGETALL", keys_.job(jobs[i].id)}));
    EXPECT_EQ(record["state"], "queued");
    EXPECT_EQ(record["stream_id"], entries[i].id);
    EXPECT_EQ(record["trigger"], kTrigger);
    EXPECT_EQ(record["user"], "alice");
    EXPECT_EQ(record["ref"], "refs/heads/main");
    EXPECT_EQ(record["sha"], jobs[i].commit.sha);
    EXPECT_EQ(record["delivery"], "d-1");
    EXPECT_EQ(record["created_at"], "2026-11-25T10:00:00Z");
    EXPECT_EQ(record["updated_at"], "2026-11-25T10:00:00Z");
    int64_t record_ttl = server().cmd({"TTL", keys_.job(jobs[i].id)}).integer;
    EXPECT_GT(record_ttl, JobQueue::kJobRecordTtlSeconds - 60);
    EXPECT_LE(record_ttl, JobQueue::kJobRecordTtlSeconds);
  }

  const std::string delivery = keys_.delivery(kTrigger, "d-1");
  EXPECT_EQ(server().cmd({"GET", delivery}).str,
            "[\"" + jobs[0].id + "\",\"" + jobs[1].id + "\",\"" + jobs[2].id + "\"]");
  int64_t ttl = server().cmd({"TTL", delivery}).integer;
  EXPECT_GT(ttl, kDeliveryTtl - 60);
  EXPECT_LE(ttl, kDeliveryTtl);

  RedisValue recent = server().cmd({"LRANGE", keys_.userJobs("alice"), "0", "-1"});
  ASSERT_EQ(recent.elements.size(), 3u);
  EXPECT_EQ(recent.elements[0].str, jobs[2].id);  // newest first
}

TEST_F(JobQueueTest, RedeliveryReturnsTheOriginalIdsAndWritesNothing) {
  ASSERT_TRUE(enqueue(kTrigger, "d-1", {makeJob(1), makeJob(2)})->ok());
  std::string before = server().cmd({"GET", keys_.delivery(kTrigger, "d-1")}).str;

  auto again = enqueue(kTrigger, "d-1", {makeJob(7), makeJob(8), makeJob(9)});
  ASSERT_TRUE(again && again->ok()) << again->error().message;
  EXPECT_TRUE((*again)->duplicate);
  EXPECT_EQ((*again)->job_ids, (std::vector<std::string>{makeJob(1).id, makeJob(2).id}));
  EXPECT_EQ(stream().size(), 2u);
  EXPECT_EQ(server().cmd({"EXISTS", keys_.job(makeJob(7).id)}).integer, 0);
  EXPECT_EQ(server().cmd({"LLEN", keys_.userJobs("alice")}).integer, 2);
  EXPECT_EQ(server().cmd({"GET", keys_.delivery(kTrigger, "d-1")}).str, before);
}

TEST_F(JobQueueTest, DeliveriesAreScopedByTrigger) {
  // GitHub sends one delivery id to every hook subscribed to the event.
  ASSERT_TRUE(enqueue(kTrigger, "d-1", {makeJob(1)})->ok());
  Job other = makeJob(2);
  other.trigger_id = "tr2";
  auto out = enqueue("tr2", "d-1", {other});
  ASSERT_TRUE(out && out->ok());
  EXPECT_FALSE((*out)->duplicate);
  EXPECT_EQ(stream().size(), 2u);
}

TEST_F(JobQueueTest, EmptyJobListStillRecordsTheDelivery) {
  auto out = enqueue(kTrigger, "d-ignored", {});
  ASSERT_TRUE(out && out->ok()) << out->error().message;
  EXPECT_FALSE((*out)->duplicate);
  EXPECT_TRUE((*out)->job_ids.empty());
  EXPECT_EQ(server().cmd({"GET", keys_.delivery(kTrigger, "d-ignored")}).str, "[]");
  EXPECT_EQ(server().cmd({"XLEN", keys_.jobs()}).integer, 0);

  auto again = enqueue(kTrigger, "d-ignored", {makeJob(1)});
  ASSERT_TRUE(again && again->ok());
  EXPECT_TRUE((*again)->duplicate);
  EXPECT_TRUE((*again)->job_ids.empty());
  EXPECT_EQ(server().cmd({"XLEN", keys_.jobs()}).integer, 0);
}

TEST_F(JobQueueTest, UsesEvalshaAfterTheFirstCallAndSurvivesScriptFlush) {
  server().cmd({"CONFIG", "RESETSTAT"});
  ASSERT_TRUE(enqueue(kTrigger, "a", {makeJob(1)})->ok());  // EVALSHA -> NOSCRIPT -> EVAL
  ASSERT_TRUE(enqueue(kTrigger, "b", {makeJob(2)})->ok());  // EVALSHA
  std::string stats = server().cmd({"INFO", "commandstats"}).str;
  EXPECT_NE(stats.find("cmdstat_eval:calls=1,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("cmdstat_evalsha:calls=2,"), std::string::npos) << stats;

  server().cmd({"SCRIPT", "FLUSH"});  // as after a Redis restart
  auto out = enqueue(kTrigger, "c", {makeJob(3)});
  ASSERT_TRUE(out && out->ok()) << out->error().message;
  EXPECT_FALSE((*out)->duplicate);
  EXPECT_EQ(stream().size(), 3u);
}

TEST_F(JobQueueTest, SpecialCharactersSurviveTheStream) {
  Job j = makeJob(1);
  j.commit.message =
      "quote \" backslash \\ newline\n tab\t unicode \xE2\x9C\x93 nul "s + '\0' + "!"s;
  j.commit.author = "Zo\xC3\xAB <zoe@example.com>";
  j.build_args = {{"A", "x=\"1\"\n"}};
  ASSERT_TRUE(enqueue(kTrigger, "d-1", {j})->ok());
  auto entries = stream();
  ASSERT_EQ(entries.size(), 1u);
  auto back = decodeJob(entries[0].fields["job"]);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->commit.message, j.commit.message);
  EXPECT_EQ(back->commit.author, j.commit.author);
  EXPECT_EQ(back->build_args, j.build_args);
}

TEST_F(JobQueueTest, ConsumerGroupIsIdempotentAndSeesEarlierEntries) {
  ASSERT_TRUE(enqueue(kTrigger, "d-1", {makeJob(1), makeJob(2)})->ok());
  auto first = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(first && first->ok()) << first->error().message;
  auto second = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(second && second->ok()) << second->error().message;

  // Created at id 0: jobs enqueued before the group existed are delivered.
  RedisValue read = server().cmd(
      {"XREADGROUP", "GROUP", "runners", "runner-1", "COUNT", "10", "STREAMS", keys_.jobs(), ">"});
  ASSERT_EQ(read.type, RedisValue::Type::kArray);
  ASSERT_EQ(read.elements.size(), 1u);
  EXPECT_EQ(read.elements[0].elements[1].elements.size(), 2u);

  // A third call after consumption does not reset the group's position.
  auto third = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(third && third->ok());
  RedisValue again = server().cmd(
      {"XREADGROUP", "GROUP", "runners", "runner-1", "COUNT", "10", "STREAMS", keys_.jobs(), ">"});
  EXPECT_TRUE(again.isNil());
}

TEST_F(JobQueueTest, ConsumerGroupCreatesTheStream) {
  auto st = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(st && st->ok()) << st->error().message;
  EXPECT_EQ(server().cmd({"EXISTS", keys_.jobs()}).integer, 1);
  RedisValue groups = server().cmd({"XINFO", "GROUPS", keys_.jobs()});
  ASSERT_EQ(groups.elements.size(), 1u);
  EXPECT_EQ(hashOf(groups.elements[0])["name"], "runners");
}

TEST_F(JobQueueTest, ConsumerGroupReportsAWrongTypeKey) {
  server().cmd({"SET", keys_.jobs(), "not a stream"});
  auto st = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(st);
  ASSERT_FALSE(st->ok());
  EXPECT_EQ(st->error().status, 503);
  EXPECT_NE(st->error().message.find("WRONGTYPE"), std::string::npos) << st->error().message;
}

TEST_F(JobQueueTest, EnqueueErrorReplyIsUnavailable) {
  server().cmd({"SET", keys_.jobs(), "not a stream"});
  auto out = enqueue(kTrigger, "d-1", {makeJob(1)});
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().status, 503);
  EXPECT_EQ(server().cmd({"EXISTS", keys_.delivery(kTrigger, "d-1")}).integer, 0);
}

TEST_F(JobQueueTest, PersistenceCheckAcceptsAof) {
  auto st = wait([&](auto cb) { queue_->checkPersistence(cb); });
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->ok()) << st->error().message;
}

TEST_F(JobQueueTest, EnqueueFailsWith503WhenRedisIsDown) {
  server().stop();
  ASSERT_TRUE(testing::runUntil(redis_.loop(), [&] { return !redis_.client().connected(); }));
  auto out = enqueue(kTrigger, "d-1", {makeJob(1)});
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().status, 503);
  EXPECT_EQ(out->error().message.rfind("redis unavailable", 0), 0u) << out->error().message;
}

TEST_F(JobQueueTest, DestroyedQueueRunsNoCallback) {
  bool called = false;
  queue_->enqueue(kTrigger, "d-1", {makeJob(1)}, [&](Result<EnqueueOutcome>) { called = true; });
  queue_->checkPersistence([&](Status) { called = true; });
  queue_.reset();
  testing::runFor(redis_.loop(), 200ms);
  EXPECT_FALSE(called);
}

class VolatileRedisTest : public JobQueueTest {
 protected:
  VolatileRedisTest() : JobQueueTest(RedisServer::Options{false, ""}) {}
};

TEST_F(VolatileRedisTest, PersistenceCheckRefusesRedisWithoutAof) {
  auto st = wait([&](auto cb) { queue_->checkPersistence(cb); });
  ASSERT_TRUE(st);
  ASSERT_FALSE(st->ok());
  EXPECT_EQ(st->error().status, 503);
  EXPECT_EQ(st->error().message,
            "Redis at " + server().address() +
                " runs without AOF (appendonly no): acknowledged jobs would be lost on a crash; "
                "enable appendonly or set redis.allow_volatile_redis = true");
}

TEST_F(VolatileRedisTest, PersistenceCheckReportsARefusedConfigCommand) {
  // Simulates a renamed CONFIG command: the check must fail, not pass silently.
  server().cmd({"ACL", "SETUSER", "default", "-config"});
  auto st = wait([&](auto cb) { queue_->checkPersistence(cb); });
  ASSERT_TRUE(st);
  ASSERT_FALSE(st->ok());
  EXPECT_NE(st->error().message.find("cannot verify"), std::string::npos) << st->error().message;
  EXPECT_NE(st->error().message.find("allow_volatile_redis"), std::string::npos);
}

}  // namespace
}  // namespace triggerd
