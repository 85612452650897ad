#include "queue/job_queue.h"

#include <gtest/gtest.h>

#include <rapidjson/stringbuffer.h>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "redis/hiredis_client.h"
#include "tests/support/loop_runner.h"
#include "tests/support/redis_server.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using testing::RedisServer;
using testing::runFor;
using testing::runUntil;

constexpr int64_t kDeliveryTtl = 72 * 3600;

Job makeJob(int n, const std::string& delivery = "d-1") {
  Job j;
  j.id = "01JDQ3Z9X6V5W4T3S2R1Q0P9N" + std::to_string(n);
  j.trigger_id = "tr1";
  j.user = "alice";
  j.provider = Provider::kGithub;
  j.repository.id = "1296269";
  j.repository.full_name = "octo/app";
  j.repository.clone_url = "https://github.com/octo/app.git";
  j.repository.ssh_url = "git@github.com:octo/app.git";
  j.ref = "refs/heads/main";
  j.ref_name = "main";
  j.commit.sha = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0" + std::to_string(n % 10);
  j.commit.message = "change " + std::to_string(n);
  j.image = "registry.example.com/team/app";
  j.tags = {"main", "main-" + std::to_string(n)};
  j.delivery_id = delivery;
  j.received_at = "2026-11-25T10:00:00Z";
  return j;
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
      : server_(std::move(server_options)) {}

  void SetUp() override {
    HiredisClient::Options o;
    o.address = server_.address();
    o.reconnect_min = 20ms;
    o.reconnect_max = 200ms;
    client_ = std::make_unique<HiredisClient>(loop_, o);
    client_->start();
    ASSERT_TRUE(runUntil(loop_, [&] { return client_->connected(); }));
    queue_ = std::make_unique<JobQueue>(*client_, keys_, kDeliveryTtl, server_.address());
    queue_->setClock(clock_);
    queue_->setEventSink([this](const JobEvent& e) { events_.push_back(e); });
  }
  void TearDown() override {
    queue_.reset();
    client_.reset();
  }

  std::optional<Result<EnqueueOutcome>> enqueue(const std::string& trigger,
                                                const std::string& delivery,
                                                const std::vector<Job>& jobs) {
    std::optional<Result<EnqueueOutcome>> out;
    queue_->enqueue(trigger, delivery, jobs, [&](Result<EnqueueOutcome> r) { out.emplace(r); });
    EXPECT_TRUE(runUntil(loop_, [&] { return out.has_value(); }));
    return out;
  }
  std::optional<Status> wait(const std::function<void(std::function<void(Status)>)>& start) {
    std::optional<Status> out;
    start([&](Status s) { out.emplace(s); });
    EXPECT_TRUE(runUntil(loop_, [&] { return out.has_value(); }));
    return out;
  }
  std::vector<Entry> stream() {
    std::vector<Entry> entries;
    RedisValue v = server_.cmd({"XRANGE", keys_.jobs(), "-", "+"});
    for (const auto& e : v.elements)
      entries.push_back(Entry{e.elements[0].str, hashOf(e.elements[1])});
    return entries;
  }

  RedisServer server_;
  EventLoop loop_;
  Keys keys_;
  std::unique_ptr<HiredisClient> client_;
  std::unique_ptr<JobQueue> queue_;
  ManualClock clock_;
  std::vector<JobEvent> events_;
};

TEST_F(JobQueueTest, EnqueueWritesEveryJobAndTheDelivery) {
  std::vector<Job> jobs{makeJob(1), makeJob(2), makeJob(3)};
  auto out = enqueue("tr1", "d-1", jobs);
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

    auto record = hashOf(server_.cmd({"HGETALL", keys_.job(jobs[i].id)}));
    EXPECT_EQ(record["state"], "queued");
    EXPECT_EQ(record["stream_id"], entries[i].id);
    EXPECT_EQ(record["trigger"], "tr1");
    EXPECT_EQ(record["user"], "alice");
    EXPECT_EQ(record["ref"], "refs/heads/main");
    EXPECT_EQ(record["sha"], jobs[i].commit.sha);
    EXPECT_EQ(record["delivery"], "d-1");
    EXPECT_EQ(record["created_at"], std::to_string(clock_.unixSeconds()));
    EXPECT_EQ(record["provider"], "github");
    EXPECT_EQ(record["repo"], "octo/app");
    EXPECT_EQ(record["image"], "registry.example.com/team/app");
    EXPECT_EQ(record["tags"], "main,main-" + std::to_string(i + 1));
    EXPECT_EQ(record["attempt"], "1");
    EXPECT_EQ(record.count("event"), 0u);  // push, the default, is not stored
    int64_t record_ttl = server_.cmd({"TTL", keys_.job(jobs[i].id)}).integer;
    EXPECT_GT(record_ttl, queue_->retention().record_ttl_seconds - 60);
    EXPECT_LE(record_ttl, queue_->retention().record_ttl_seconds);
  }

  const std::string delivery = keys_.delivery("tr1", "d-1");
  EXPECT_EQ(server_.cmd({"GET", delivery}).str,
            "[\"" + jobs[0].id + "\",\"" + jobs[1].id + "\",\"" + jobs[2].id + "\"]");
  int64_t ttl = server_.cmd({"TTL", delivery}).integer;
  EXPECT_GT(ttl, kDeliveryTtl - 60);
  EXPECT_LE(ttl, kDeliveryTtl);

  RedisValue recent = server_.cmd({"LRANGE", keys_.userJobs("alice"), "0", "-1"});
  ASSERT_EQ(recent.elements.size(), 3u);
  EXPECT_EQ(recent.elements[0].str, jobs[2].id);  // newest first
}

TEST_F(JobQueueTest, RedeliveryReturnsTheOriginalIdsAndWritesNothing) {
  ASSERT_TRUE(enqueue("tr1", "d-1", {makeJob(1), makeJob(2)})->ok());
  std::string before = server_.cmd({"GET", keys_.delivery("tr1", "d-1")}).str;

  auto again = enqueue("tr1", "d-1", {makeJob(7), makeJob(8), makeJob(9)});
  ASSERT_TRUE(again && again->ok()) << again->error().message;
  EXPECT_TRUE((*again)->duplicate);
  EXPECT_EQ((*again)->job_ids, (std::vector<std::string>{makeJob(1).id, makeJob(2).id}));
  EXPECT_EQ(stream().size(), 2u);
  EXPECT_EQ(server_.cmd({"EXISTS", keys_.job(makeJob(7).id)}).integer, 0);
  EXPECT_EQ(server_.cmd({"LLEN", keys_.userJobs("alice")}).integer, 2);
  EXPECT_EQ(server_.cmd({"GET", keys_.delivery("tr1", "d-1")}).str, before);
}

TEST_F(JobQueueTest, DeliveriesAreScopedByTrigger) {
  // GitHub sends one delivery id to every hook subscribed to the event.
  ASSERT_TRUE(enqueue("tr1", "d-1", {makeJob(1)})->ok());
  Job other = makeJob(2);
  other.trigger_id = "tr2";
  auto out = enqueue("tr2", "d-1", {other});
  ASSERT_TRUE(out && out->ok());
  EXPECT_FALSE((*out)->duplicate);
  EXPECT_EQ(stream().size(), 2u);
}

TEST_F(JobQueueTest, EmptyJobListStillRecordsTheDelivery) {
  auto out = enqueue("tr1", "d-ignored", {});
  ASSERT_TRUE(out && out->ok()) << out->error().message;
  EXPECT_FALSE((*out)->duplicate);
  EXPECT_TRUE((*out)->job_ids.empty());
  EXPECT_EQ(server_.cmd({"GET", keys_.delivery("tr1", "d-ignored")}).str, "[]");
  EXPECT_EQ(server_.cmd({"XLEN", keys_.jobs()}).integer, 0);

  auto again = enqueue("tr1", "d-ignored", {makeJob(1)});
  ASSERT_TRUE(again && again->ok());
  EXPECT_TRUE((*again)->duplicate);
  EXPECT_TRUE((*again)->job_ids.empty());
  EXPECT_EQ(server_.cmd({"XLEN", keys_.jobs()}).integer, 0);
}

TEST_F(JobQueueTest, UsesEvalshaAfterTheFirstCallAndSurvivesScriptFlush) {
  server_.cmd({"CONFIG", "RESETSTAT"});
  ASSERT_TRUE(enqueue("tr1", "a", {makeJob(1)})->ok());  // EVALSHA -> NOSCRIPT -> EVAL
  ASSERT_TRUE(enqueue("tr1", "b", {makeJob(2)})->ok());  // EVALSHA
  std::string stats = server_.cmd({"INFO", "commandstats"}).str;
  EXPECT_NE(stats.find("cmdstat_eval:calls=1,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("cmdstat_evalsha:calls=2,"), std::string::npos) << stats;

  server_.cmd({"SCRIPT", "FLUSH"});  // as after a Redis restart
  auto out = enqueue("tr1", "c", {makeJob(3)});
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
  ASSERT_TRUE(enqueue("tr1", "d-1", {j})->ok());
  auto entries = stream();
  ASSERT_EQ(entries.size(), 1u);
  auto back = decodeJob(entries[0].fields["job"]);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->commit.message, j.commit.message);
  EXPECT_EQ(back->commit.author, j.commit.author);
  EXPECT_EQ(back->build_args, j.build_args);
}

TEST_F(JobQueueTest, ConsumerGroupIsIdempotentAndSeesEarlierEntries) {
  ASSERT_TRUE(enqueue("tr1", "d-1", {makeJob(1), makeJob(2)})->ok());
  auto first = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(first && first->ok()) << first->error().message;
  auto second = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(second && second->ok()) << second->error().message;

  // Created at id 0: jobs enqueued before the group existed are delivered.
  RedisValue read = server_.cmd(
      {"XREADGROUP", "GROUP", "runners", "runner-1", "COUNT", "10", "STREAMS", keys_.jobs(), ">"});
  ASSERT_EQ(read.type, RedisValue::Type::kArray);
  ASSERT_EQ(read.elements.size(), 1u);
  EXPECT_EQ(read.elements[0].elements[1].elements.size(), 2u);

  // A third call after consumption does not reset the group's position.
  auto third = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(third && third->ok());
  RedisValue again = server_.cmd(
      {"XREADGROUP", "GROUP", "runners", "runner-1", "COUNT", "10", "STREAMS", keys_.jobs(), ">"});
  EXPECT_TRUE(again.isNil());
}

TEST_F(JobQueueTest, ConsumerGroupCreatesTheStream) {
  auto st = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(st && st->ok()) << st->error().message;
  EXPECT_EQ(server_.cmd({"EXISTS", keys_.jobs()}).integer, 1);
  RedisValue groups = server_.cmd({"XINFO", "GROUPS", keys_.jobs()});
  ASSERT_EQ(groups.elements.size(), 1u);
  EXPECT_EQ(hashOf(groups.elements[0])["name"], "runners");
  // triggerd reads runners' reports from the status stream with its own group.
  RedisValue status_groups = server_.cmd({"XINFO", "GROUPS", keys_.status()});
  ASSERT_EQ(status_groups.elements.size(), 1u);
  EXPECT_EQ(hashOf(status_groups.elements[0])["name"], "triggerd");
}

TEST_F(JobQueueTest, ConsumerGroupReportsAWrongTypeKey) {
  server_.cmd({"SET", keys_.jobs(), "not a stream"});
  auto st = wait([&](auto cb) { queue_->ensureConsumerGroup(cb); });
  ASSERT_TRUE(st);
  ASSERT_FALSE(st->ok());
  EXPECT_EQ(st->error().status, 503);
  EXPECT_NE(st->error().message.find("WRONGTYPE"), std::string::npos) << st->error().message;
}

TEST_F(JobQueueTest, EnqueueErrorReplyIsUnavailable) {
  server_.cmd({"SET", keys_.jobs(), "not a stream"});
  auto out = enqueue("tr1", "d-1", {makeJob(1)});
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().status, 503);
  EXPECT_EQ(server_.cmd({"EXISTS", keys_.delivery("tr1", "d-1")}).integer, 0);
}

TEST_F(JobQueueTest, PersistenceCheckAcceptsAof) {
  auto st = wait([&](auto cb) { queue_->checkPersistence(cb); });
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->ok()) << st->error().message;
}

TEST_F(JobQueueTest, EnqueueFailsWith503WhenRedisIsDown) {
  server_.stop();
  ASSERT_TRUE(runUntil(loop_, [&] { return !client_->connected(); }));
  auto out = enqueue("tr1", "d-1", {makeJob(1)});
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().status, 503);
  EXPECT_EQ(out->error().message.rfind("redis unavailable", 0), 0u) << out->error().message;
}

TEST_F(JobQueueTest, ANewerPushSupersedesTheQueuedJobsOfTheSameRefOnly) {
  Job first = makeJob(1, "d-1");
  Job started = makeJob(2, "d-1");
  ASSERT_TRUE(enqueue("tr1", "d-1", {first, started})->ok());
  server_.cmd({"HSET", keys_.job(started.id), "state", "running"});  // a runner began it
  Job other_ref = makeJob(3, "d-2");
  other_ref.ref = "refs/heads/dev";
  ASSERT_TRUE(enqueue("tr1", "d-2", {other_ref})->ok());
  events_.clear();

  auto out = enqueue("tr1", "d-3", {makeJob(4, "d-3")});
  ASSERT_TRUE(out && out->ok()) << out->error().message;
  EXPECT_EQ((*out)->superseded, (std::vector<std::string>{first.id}));
  auto record = hashOf(server_.cmd({"HGETALL", keys_.job(first.id)}));
  EXPECT_EQ(record["state"], "superseded");
  EXPECT_EQ(record["finished_at"], std::to_string(clock_.unixSeconds()));
  EXPECT_EQ(hashOf(server_.cmd({"HGETALL", keys_.job(started.id)}))["state"], "running");
  EXPECT_EQ(hashOf(server_.cmd({"HGETALL", keys_.job(other_ref.id)}))["state"], "queued");
  // The superseded job stays in the stream: its runner skips it and reports it canceled.
  EXPECT_EQ(stream().size(), 4u);

  // One "queued" event for the new job, then a "superseded" one for the old.
  ASSERT_TRUE(runUntil(loop_, [&] { return events_.size() == 2; }));
  EXPECT_EQ(events_[0].record.state, JobState::kQueued);
  EXPECT_EQ(events_[0].record.id, makeJob(4).id);
  EXPECT_EQ(events_[1].record.state, JobState::kSuperseded);
  EXPECT_EQ(events_[1].record.id, first.id);
  EXPECT_EQ(events_[1].record.sha, first.commit.sha);
  EXPECT_NE(events_[1].detail.find("superseded"), std::string::npos);

  // The latest jobs of the ref are now the new push's.
  EXPECT_EQ(server_.cmd({"GET", keys_.latestJobs("tr1", "refs/heads/main")}).str, makeJob(4).id);
}

// Everything a record says, for comparing the one an event carries with the stored one.
std::string describe(const JobRecord& r) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  writeJobPublic(w, r);
  return std::string(buf.GetString(), buf.GetSize()) + " stream_id=" + r.stream_id +
         " attempt_base=" + std::to_string(r.attempt_base);
}

TEST_F(JobQueueTest, ASupersededJobsEventCarriesItsRecordAsStored) {
  Job first = makeJob(1, "d-1");
  first.tags = {"main", "v1.2.3", "latest"};
  ASSERT_TRUE(enqueue("tr1", "d-1", {first})->ok());
  clock_.advance(5s);
  events_.clear();
  auto out = enqueue("tr1", "d-2", {makeJob(2, "d-2")});
  ASSERT_TRUE(out && out->ok());
  ASSERT_EQ((*out)->superseded, std::vector<std::string>{first.id});
  ASSERT_EQ(events_.size(), 2u);  // made from the record this queue wrote: no read-back
  const JobRecord& event = events_[1].record;
  auto stored =
      parseJobRecord(first.id, flatStrings(server_.cmd({"HGETALL", keys_.job(first.id)})));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->state, JobState::kSuperseded);
  EXPECT_EQ(describe(event), describe(*stored));
  EXPECT_EQ(event.finished_at, clock_.unixSeconds());
  EXPECT_EQ(event.created_at, clock_.unixSeconds() - 5);
  // The new job's "queued" event names its stream entry too.
  EXPECT_EQ(events_[0].record.stream_id, stream().back().id);
}

TEST_F(JobQueueTest, ASupersededJobNotEnqueuedHereOrMovedSinceIsReadBack) {
  // Enqueued by another triggerd process: this one has no record of it.
  JobQueue other(*client_, keys_, kDeliveryTtl, server_.address());
  other.setClock(clock_);
  std::optional<Result<EnqueueOutcome>> first;
  other.enqueue("tr1", "d-1", {makeJob(1, "d-1")},
                [&](Result<EnqueueOutcome> r) { first.emplace(r); });
  ASSERT_TRUE(runUntil(loop_, [&] { return first.has_value(); }));
  ASSERT_TRUE(first->ok());
  auto out = enqueue("tr1", "d-2", {makeJob(2, "d-2")});
  ASSERT_TRUE(out && out->ok());
  ASSERT_TRUE(runUntil(loop_, [&] { return events_.size() == 2; }));
  EXPECT_EQ(events_[1].record.id, makeJob(1).id);
  EXPECT_EQ(events_[1].record.state, JobState::kSuperseded);
  EXPECT_EQ(events_[1].record.repo, "octo/app");
  EXPECT_EQ(events_[1].record.sha, makeJob(1).commit.sha);
  EXPECT_NE(events_[1].detail.find("superseded by a newer push"), std::string::npos);

  // Enqueued here, then taken back from a runner (a new stream entry, a later attempt): the
  // record this queue kept is out of date, so the event carries the stored one.
  server_.cmd({"HSET", keys_.job(makeJob(2).id), "stream_id", "9-9", "attempt", "2", "error",
               "runner runner-1 stopped answering"});
  events_.clear();
  ASSERT_TRUE(enqueue("tr1", "d-3", {makeJob(3, "d-3")})->ok());
  ASSERT_TRUE(runUntil(loop_, [&] { return events_.size() == 2; }));
  EXPECT_EQ(events_[1].record.id, makeJob(2).id);
  EXPECT_EQ(events_[1].record.state, JobState::kSuperseded);
  EXPECT_EQ(events_[1].record.stream_id, "9-9");
  EXPECT_EQ(events_[1].record.attempt, 2);
  EXPECT_EQ(events_[1].record.error, "runner runner-1 stopped answering");

  // A superseded job whose record is gone by the time it is read: no event, nothing else lost.
  server_.cmd({"DEL", keys_.job(makeJob(3).id)});
  server_.cmd({"HSET", keys_.job(makeJob(3).id), "state", "queued", "stream_id", "1-1"});
  events_.clear();
  bool deleted = false;
  // Delete it after the script marked it superseded, before the read-back arrives.
  queue_->setEventSink([&](const JobEvent& e) {
    events_.push_back(e);
    if (!deleted) {
      deleted = true;
      server_.cmd({"DEL", keys_.job(makeJob(3).id)});
    }
  });
  ASSERT_TRUE(enqueue("tr1", "d-4", {makeJob(4, "d-4")})->ok());
  runFor(loop_, 200ms);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].record.id, makeJob(4).id);
}

TEST_F(JobQueueTest, ManualRunsNeitherSupersedeNorAreSupersededAndDedupeOnTheirKey) {
  ASSERT_TRUE(enqueue("tr1", "d-1", {makeJob(1)})->ok());
  Job manual = makeJob(2, "");
  manual.event = "manual";
  EnqueueRequest req;
  req.trigger_id = "tr1";
  req.user = "alice";
  req.jobs = {manual};
  req.dedupe_key = keys_.runIdempotency("tr1", "k1");
  req.requested_by = "alice";
  std::optional<Result<EnqueueOutcome>> out;
  queue_->enqueue(req, [&](Result<EnqueueOutcome> r) { out.emplace(r); });
  ASSERT_TRUE(runUntil(loop_, [&] { return out.has_value(); }));
  ASSERT_TRUE(out->ok()) << out->error().message;
  EXPECT_TRUE((*out)->superseded.empty());
  auto record = hashOf(server_.cmd({"HGETALL", keys_.job(manual.id)}));
  EXPECT_EQ(record["event"], "manual");
  EXPECT_EQ(record["by"], "alice");
  EXPECT_EQ(record.count("delivery"), 0u);

  // The same key again enqueues nothing and answers the first run's ids.
  req.jobs = {makeJob(3, "")};
  out.reset();
  queue_->enqueue(req, [&](Result<EnqueueOutcome> r) { out.emplace(r); });
  ASSERT_TRUE(runUntil(loop_, [&] { return out.has_value(); }));
  ASSERT_TRUE(out->ok());
  EXPECT_TRUE((*out)->duplicate);
  EXPECT_EQ((*out)->job_ids, std::vector<std::string>{manual.id});

  // A push after the manual run supersedes the earlier push's job only.
  auto pushed = enqueue("tr1", "d-2", {makeJob(4, "d-2")});
  ASSERT_TRUE(pushed && pushed->ok());
  EXPECT_EQ((*pushed)->superseded, std::vector<std::string>{makeJob(1).id});
  EXPECT_EQ(hashOf(server_.cmd({"HGETALL", keys_.job(manual.id)}))["state"], "queued");
}

TEST_F(JobQueueTest, JobListsAreCappedAndExpireWithTheirNewestRecord) {
  queue_->setRetention(JobRetention{3600, 2, 3});
  for (int i = 1; i <= 4; ++i) {
    Job j = makeJob(i, "d-" + std::to_string(i));
    j.ref = "refs/heads/b" + std::to_string(i);
    ASSERT_TRUE(enqueue("tr1", j.delivery_id, {j})->ok());
  }
  RedisValue history = server_.cmd({"LRANGE", keys_.triggerJobs("tr1"), "0", "-1"});
  ASSERT_EQ(history.elements.size(), 2u);
  EXPECT_EQ(history.elements[0].str, makeJob(4).id);
  EXPECT_EQ(history.elements[1].str, makeJob(3).id);
  EXPECT_EQ(server_.cmd({"LLEN", keys_.userJobs("alice")}).integer, 3);
  for (const auto& key :
       {keys_.triggerJobs("tr1"), keys_.userJobs("alice"), keys_.job(makeJob(4).id)}) {
    int64_t ttl = server_.cmd({"TTL", key}).integer;
    EXPECT_GT(ttl, 3500) << key;
    EXPECT_LE(ttl, 3600) << key;
  }
}

TEST_F(JobQueueTest, EnqueuesMadeWhileACallIsInFlightShareTheNextCall) {
  // The first enqueue goes at once; the five made meanwhile wait and share one script call.
  std::vector<std::optional<Result<EnqueueOutcome>>> out(6);
  std::vector<size_t> order;
  auto capture = [&](size_t i) {
    return [&, i](Result<EnqueueOutcome> r) {
      out[i].emplace(r);
      order.push_back(i);
    };
  };
  queue_->enqueue("tr1", "d-1", {makeJob(1, "d-1")}, capture(0));
  queue_->enqueue("tr1", "d-2", {makeJob(2, "d-2"), makeJob(3, "d-2")}, capture(1));
  queue_->enqueue("tr1", "d-2", {makeJob(4, "d-2")}, capture(2));  // a repeat of d-2
  Job other = makeJob(5, "d-3");
  other.trigger_id = "tr2";
  other.user = "bob";
  queue_->enqueue("tr2", "d-3", {other}, capture(3));
  queue_->enqueue("tr1", "d-4", {}, capture(4));
  queue_->enqueue("tr1", "d-5", {makeJob(6, "d-5")}, capture(5));
  ASSERT_TRUE(runUntil(loop_, [&] { return order.size() == 6; }));
  EXPECT_EQ(queue_->scriptCalls(), 2u);
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4, 5}));
  for (auto& o : out) ASSERT_TRUE(o->ok()) << o->error().message;

  // Each enqueue is its own atomic step, in order: the repeat answers d-2's ids, d-2 supersedes
  // d-1 and d-5 supersedes d-2 (same trigger and ref), the other trigger's push is untouched.
  EXPECT_EQ((*out[1])->superseded, std::vector<std::string>{makeJob(1).id});
  EXPECT_TRUE((*out[2])->duplicate);
  EXPECT_EQ((*out[2])->job_ids, (std::vector<std::string>{makeJob(2).id, makeJob(3).id}));
  EXPECT_TRUE((*out[3])->superseded.empty());
  EXPECT_TRUE((*out[4])->job_ids.empty());
  EXPECT_EQ((*out[5])->superseded, (std::vector<std::string>{makeJob(2).id, makeJob(3).id}));
  EXPECT_EQ(stream().size(), 5u);
  EXPECT_EQ(server_.cmd({"EXISTS", keys_.job(makeJob(4).id)}).integer, 0);
  EXPECT_EQ(server_.cmd({"GET", keys_.delivery("tr1", "d-4")}).str, "[]");

  // The job lists hold each trigger's and user's ids, newest first.
  auto list = [&](const std::string& key) {
    std::vector<std::string> ids;
    for (const auto& e : server_.cmd({"LRANGE", key, "0", "-1"}).elements) ids.push_back(e.str);
    return ids;
  };
  EXPECT_EQ(list(keys_.triggerJobs("tr1")),
            (std::vector<std::string>{makeJob(6).id, makeJob(3).id, makeJob(2).id, makeJob(1).id}));
  EXPECT_EQ(list(keys_.userJobs("bob")), std::vector<std::string>{other.id});

  // The superseded jobs' events carry their records as the script left them (no read-back).
  std::vector<std::string> superseded;
  for (const auto& e : events_)
    if (e.record.state == JobState::kSuperseded) {
      superseded.push_back(e.record.id);
      EXPECT_EQ(e.record.repo, "octo/app");
    }
  EXPECT_EQ(superseded, (std::vector<std::string>{makeJob(1).id, makeJob(2).id, makeJob(3).id}));
}

TEST_F(JobQueueTest, AFailedCallFailsEveryEnqueueItCarried) {
  server_.cmd({"SET", keys_.jobs(), "not a stream"});
  std::vector<std::optional<Result<EnqueueOutcome>>> out(3);
  for (size_t i = 0; i < out.size(); ++i) {
    std::string d = "d-" + std::to_string(i);
    queue_->enqueue("tr1", d, {makeJob(static_cast<int>(i), d)},
                    [&, i](Result<EnqueueOutcome> r) { out[i].emplace(r); });
  }
  ASSERT_TRUE(runUntil(loop_, [&] { return out[0] && out[1] && out[2]; }));
  for (auto& o : out) {
    ASSERT_FALSE(o->ok());
    EXPECT_EQ(o->error().status, 503);
  }
  // Nothing was written by any of them: the XADD is each call's first write.
  EXPECT_EQ(server_.cmd({"EXISTS", keys_.delivery("tr1", "d-1"), keys_.job(makeJob(1).id)}).integer,
            0);
}

TEST_F(JobQueueTest, ThePushKeyAloneTellsARedeliveryFromAReplay) {
  const std::string push = keys_.pushSeen("tr1", "refs/heads/main", makeJob(1).commit.sha);
  auto enqueueAs = [&](const std::string& delivery, int job) {
    std::optional<Result<EnqueueOutcome>> out;
    queue_->enqueue(
        "tr1", delivery, {makeJob(job, delivery)},
        [&](Result<EnqueueOutcome> r) { out.emplace(r); }, push);
    EXPECT_TRUE(runUntil(loop_, [&] { return out.has_value(); }));
    return *out;
  };
  auto first = enqueueAs("d-1", 1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  // One key per delivery: the push key, naming the delivery; no delivery key.
  EXPECT_EQ(server_.cmd({"GET", push}).str, "[\"" + makeJob(1).id + "\"]\nd-1");
  EXPECT_EQ(server_.cmd({"EXISTS", keys_.delivery("tr1", "d-1")}).integer, 0);
  int64_t ttl = server_.cmd({"TTL", push}).integer;
  EXPECT_GT(ttl, kDeliveryTtl - 10);

  auto again = enqueueAs("d-1", 2);  // the provider delivers it again
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_FALSE(again->replay);
  EXPECT_EQ(again->job_ids, std::vector<std::string>{makeJob(1).id});

  auto replayed = enqueueAs("d-other", 3);  // the signed body sent again under a fresh id
  ASSERT_TRUE(replayed.ok());
  EXPECT_TRUE(replayed->replay);
  EXPECT_FALSE(replayed->duplicate);
  EXPECT_EQ(replayed->job_ids, std::vector<std::string>{makeJob(1).id});
  EXPECT_EQ(stream().size(), 1u);
}

TEST_F(JobQueueTest, DestroyedQueueRunsNoCallback) {
  bool called = false;
  queue_->enqueue("tr1", "d-1", {makeJob(1)}, [&](Result<EnqueueOutcome>) { called = true; });
  queue_->checkPersistence([&](Status) { called = true; });
  queue_.reset();
  runFor(loop_, 200ms);
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
            "Redis at " + server_.address() +
                " runs without AOF (appendonly no): acknowledged jobs would be lost on a crash; "
                "enable appendonly or set redis.allow_volatile_redis = true");
}

TEST_F(VolatileRedisTest, PersistenceCheckReportsARefusedConfigCommand) {
  // Simulates a renamed CONFIG command: the check must fail, not pass silently.
  server_.cmd({"ACL", "SETUSER", "default", "-config"});
  auto st = wait([&](auto cb) { queue_->checkPersistence(cb); });
  ASSERT_TRUE(st);
  ASSERT_FALSE(st->ok());
  EXPECT_NE(st->error().message.find("cannot verify"), std::string::npos) << st->error().message;
  EXPECT_NE(st->error().message.find("allow_volatile_redis"), std::string::npos);
}

}  // namespace
}  // namespace triggerd
