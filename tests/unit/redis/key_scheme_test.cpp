// The hash-tag scheme of redis/keys.h: with Tags::kCluster, every command triggerd and its runner
// send (every Lua script, every MGET) keeps its keys in one cluster slot. The stores, the queue
// and the runner run their real code against the in-memory Redis (or a recorder), and every
// command they sent is checked, so a new script with keys of two groups fails here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/digest.h"
#include "credentials/source_store.h"
#include "queue/job_queue.h"
#include "redis/cluster_slots.h"
#include "redis/keys.h"
#include "runner/runner_queue.h"
#include "store/api_token_store.h"
#include "store/oauth_state_store.h"
#include "store/session_store.h"
#include "tests/fakes/fake_sealed_records.h"
#include "tests/support/loop_runner.h"
#include "tests/support/sample_job.h"
#include "tests/support/sample_trigger.h"
#include "triggers/trigger_store.h"

namespace triggerd {
namespace {

using testing::await;

const Keys kCluster("triggerd:", Keys::Tags::kCluster);

std::string show(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a.substr(0, 60);
  return out;
}

// Every command sent names keys of one slot; returns how many named keys at all.
size_t expectOneSlotEach(const std::vector<std::vector<std::string>>& sent) {
  size_t keyed = 0;
  for (const auto& argv : sent) {
    int slot = commandSlot(argv);
    EXPECT_NE(slot, kCrossSlot) << "keys in different slots: " << show(argv);
    if (slot != kNoKeys) ++keyed;
  }
  return keyed;
}

TEST(KeyScheme, WithoutClusterKeysKeepTheirNames) {
  Keys plain;
  EXPECT_EQ(plain.jobs(), "triggerd:jobs");
  EXPECT_EQ(plain.job("J"), "triggerd:job:J");
  EXPECT_EQ(plain.trigger("T"), "triggerd:trigger:T");
  EXPECT_EQ(plain.source("u", Provider::kGitlab), "triggerd:source:u:gitlab");
  EXPECT_EQ(plain.apiToken("h"), "triggerd:token:h");
  EXPECT_EQ(plain.oauthState("s"), "triggerd:oauth:state:s");
}

TEST(KeyScheme, ClusterKeysCarryTheirGroupsTag) {
  EXPECT_EQ(kCluster.jobs(), "triggerd:{queue}:jobs");
  EXPECT_EQ(kCluster.deadJobs(), "triggerd:{queue}:jobs:dead");
  EXPECT_EQ(kCluster.status(), "triggerd:{queue}:status");
  EXPECT_EQ(kCluster.delivery("T", "D"), "triggerd:{queue}:delivery:T:D");
  EXPECT_EQ(kCluster.job("J"), "triggerd:{queue}:job:J");
  EXPECT_EQ(kCluster.userJobs("u"), "triggerd:{queue}:user:u:jobs");
  EXPECT_EQ(kCluster.trigger("T"), "triggerd:{triggers}:trigger:T");
  EXPECT_EQ(kCluster.allTriggers(), "triggerd:{triggers}:triggers");
  EXPECT_EQ(kCluster.allSources(), "triggerd:{sources}:sources");
  EXPECT_EQ(kCluster.userTokens("u"), "triggerd:{tokens}:user:u:tokens");
  EXPECT_EQ(kCluster.runnerTokens(), "triggerd:{tokens}:runner-tokens");
  // Used alone: no tag, so they spread over the slots.
  EXPECT_EQ(kCluster.oauthState("s"), "triggerd:oauth:state:s");
  EXPECT_EQ(kCluster.lease("l"), "triggerd:lease:l");
  EXPECT_EQ(kCluster.runRate("T"), "triggerd:runs:T");
  // The groups land on different slots, so a cluster can spread them over its primaries.
  EXPECT_NE(keySlot(kCluster.jobs()), keySlot(kCluster.allTriggers()));
  EXPECT_NE(keySlot(kCluster.allTriggers()), keySlot(kCluster.allSources()));
}

// Every key of the job queue is in one slot: the enqueue script reaches older job records by
// name to supersede them, and the status, reclaim, retry and runner scripts take records, logs
// and streams together, so no queue key may leave the queue's slot.
TEST(KeyScheme, EveryQueueKeyIsInTheQueueSlot) {
  const int slot = keySlot(kCluster.jobs());
  for (const std::string& key :
       {kCluster.deadJobs(), kCluster.status(), kCluster.delivery("T", "D"),
        kCluster.pushSeen("T", "refs/heads/main", "abc"), kCluster.job("J"), kCluster.jobLog("J"),
        kCluster.userJobs("u"), kCluster.triggerJobs("T"),
        kCluster.latestJobs("T", "refs/heads/main"), kCluster.runIdempotency("T", "0123")}) {
    EXPECT_EQ(keySlot(key), slot) << key;
  }
  // The name the enqueue script builds for a superseded record (ARGV prefix .. id).
  EXPECT_EQ(keySlot(kCluster.job("") + "01JOLDER"), slot);
  EXPECT_EQ(kCluster.job(""), "triggerd:{queue}:job:");
}

TEST(KeyScheme, EveryStoreCommandStaysInOneSlot) {
  testing::FakeSealedRecords fake;
  EventLoop& loop = fake.loop;
  TriggerStore triggers(fake.records, kCluster);
  SourceStore sources(fake.records, kCluster);
  ApiTokenStore tokens(fake.redis, kCluster);
  OAuthStateStore states(fake.redis, kCluster);
  SessionStore sessions(fake.redis, kCluster);

  Trigger t = testing::sampleTrigger();
  EXPECT_TRUE(await<Status>(loop, [&](auto cb) { triggers.create(t, cb, 10); }).ok());
  EXPECT_TRUE(await<Result<Trigger>>(loop, [&](auto cb) {
                triggers.update(
                    t.id, [](Trigger& x) { return x.image += "2", okStatus(); }, cb);
              }).ok());
  EXPECT_EQ(await<Result<std::vector<Trigger>>>(loop, [&](auto cb) { triggers.list(t.user, cb); })
                ->size(),
            1u);
  EXPECT_TRUE(
      await<Result<std::vector<std::string>>>(loop, [&](auto cb) { triggers.allIds(cb); }).ok());

  Source s;
  s.user = "alice";
  s.provider = Provider::kGitlab;
  s.api_url = "https://gitlab.example.com";
  s.token = "glpat-canary";
  EXPECT_TRUE(await<Status>(loop, [&](auto cb) { sources.create(s, cb); }).ok());
  EXPECT_EQ(
      await<Result<std::vector<Source>>>(loop, [&](auto cb) { sources.list("alice", cb); })->size(),
      1u);
  EXPECT_TRUE(
      await<Status>(loop, [&](auto cb) { sources.remove("alice", Provider::kGitlab, cb); }).ok());

  auto minted = await<Result<MintedToken>>(
      loop, [&](auto cb) { tokens.mint("alice", "ci", "user", fake.rng, cb); });
  ASSERT_TRUE(minted.ok());
  EXPECT_TRUE(
      await<Status>(loop, [&](auto cb) { tokens.revoke("alice", minted->record.id, cb); }).ok());
  // The revoke script builds the token record's name from ARGV (the hash is read inside it):
  // an undeclared key, so the tag alone must put it in the slot of the user's token hash.
  EXPECT_EQ(keySlot(kCluster.apiToken("0123abcd")), keySlot(kCluster.userTokens("alice")));

  OAuthFlow flow;
  flow.user = "alice";
  auto state = await<Result<std::string>>(
      loop, [&](auto cb) { states.issue(flow, std::chrono::seconds(600), fake.rng, cb); });
  ASSERT_TRUE(state.ok());

  // A console session: its lookup also asks whether the token that opened it still exists.
  auto session = await<Result<NewSession>>(loop, [&](auto cb) {
    sessions.create(SessionRecord{"alice", "", sha256Hex(minted->token), 1000, 90000},
                    std::chrono::seconds(600), fake.rng, cb);
  });
  ASSERT_TRUE(session.ok());
  EXPECT_TRUE(await<Result<std::optional<SessionRecord>>>(loop, [&](auto cb) {
                sessions.lookup(session->id, 1010, std::chrono::seconds(600), cb);
              }).ok());
  EXPECT_TRUE(await<Status>(loop, [&](auto cb) { sessions.remove(session->id, cb); }).ok());

  EXPECT_TRUE(await<Status>(loop, [&](auto cb) { triggers.remove(t, cb); }).ok());
  EXPECT_GT(expectOneSlotEach(fake.redis.sent()), 10u);
}

TEST(KeyScheme, TheEnqueueScriptStaysInOneSlot) {
  testing::FakeSealedRecords fake;
  JobQueue queue(fake.redis, kCluster);
  std::vector<Job> jobs;
  for (int i = 0; i < 3; ++i) jobs.push_back(testing::sampleJob(i, "D1"));
  jobs[2].user = "bob";  // another user's recent-jobs list, same slot
  auto out = await<Result<EnqueueOutcome>>(fake.loop, [&](auto cb) {
    queue.enqueue("T1", "D1", jobs, cb, kCluster.pushSeen("T1", "refs/heads/main", "abc"));
  });
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->job_ids.size(), 3u);
  EXPECT_GE(expectOneSlotEach(fake.redis.sent()), 1u);
}

// Records every command and answers each with Error{503}: enough to see what the runner sends.
class RecordingClient final : public RedisClient {
 public:
  explicit RecordingClient(EventLoop& loop) : loop_(loop) {}
  RedisRequestId command(std::vector<std::string> argv, RedisCallback cb) override {
    sent.push_back(std::move(argv));
    loop_.post([cb = std::move(cb)] { cb(Error::unavailable("recorded")); });
    return next_++;
  }
  void cancel(RedisRequestId) override {}
  bool connected() const override { return true; }
  std::vector<std::vector<std::string>> sent;

 private:
  EventLoop& loop_;
  RedisRequestId next_ = 1;
};

TEST(KeyScheme, TheRunnerScriptsStayInOneSlot) {
  EventLoop loop;
  RecordingClient redis(loop), blocking(loop);
  {
    RunnerQueue q(loop, redis, blocking, kCluster, "runner-1", 3600, 1000);
    StatusReport report;
    report.job_id = "J1";
    report.state = "success";
    report.at = "2026-11-25T10:00:00Z";
    int done = 0;
    q.claim([&](auto) { ++done; });
    q.start("J1", 1, "2026-11-25T10:00:00Z", [&](auto) { ++done; });
    q.keepAlive("1-0", [&](auto) { ++done; });
    q.appendLog("J1", "chunk\n", [&](auto) { ++done; });
    q.finish("1-0", report, [&](auto) { ++done; });
    EXPECT_TRUE(testing::runUntil(loop, [&] { return done == 5; }));
  }
  std::vector<std::vector<std::string>> all = redis.sent;
  all.insert(all.end(), blocking.sent.begin(), blocking.sent.end());
  EXPECT_GE(expectOneSlotEach(all), 5u);
}

}  // namespace
}  // namespace triggerd
