// triggerd on a real three-primary Redis Cluster on loopback: signed deliveries, trigger CRUD,
// a GitLab source binding and API tokens each in their own hash slot; jobs through their whole
// life (enqueue, supersede, the runner's own queue code over a ClusterClient, status reports,
// reclaim, dead letters); and MOVED followed after the queue's and the
// triggers' slots are resharded by hand under a running triggerd.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "redis/cluster_client.h"
#include "redis/cluster_slots.h"
#include "redis/keys.h"
#include "runner/runner_queue.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"
#include "tests/support/loop_runner.h"
#include "tests/support/redis_cluster.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

const char* kRules = R"([{"kind": "branch", "match": "master", "tags": ["latest"]}])";
const Keys kKeys("triggerd:", Keys::Tags::kCluster);

class RedisClusterTest : public ::testing::Test {
 protected:
  static TriggerdOptions options(const RedisCluster& cluster) {
    TriggerdOptions o;
    std::string nodes;
    for (const auto& a : cluster.addresses())
      nodes += std::string(nodes.empty() ? "" : ", ") + "\"" + a + "\"";
    o.redis_extra = "cluster_nodes = [" + nodes + "]\nping_interval = \"200ms\"\n";
    o.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
    // Short enough for the reclaim sweep to act within the test.
    o.extra_toml =
        "\n[queue]\nvisibility_timeout = \"2s\"\nreclaim_interval = \"1s\"\nmax_attempts = 1\n";
    return o;
  }

  HttpCallResult deliver(const std::string& trigger, const std::string& secret,
                         const std::string& delivery, int variant) {
    std::string body = githubPush("github/push.json", variant);
    return tri_.post("/webhooks/github/" + trigger, body,
                     {{"Content-Type", "application/json"},
                      {"X-GitHub-Event", "push"},
                      {"X-GitHub-Delivery", delivery},
                      {"X-Hub-Signature-256", githubSignature(secret, body)}});
  }

  long long streamLength() { return cluster_.cmdFor(kKeys.jobs(), {"XLEN", kKeys.jobs()}).integer; }

  std::string jobState(const std::string& job) {
    auto r = tri_.admin("GET", "/api/v1/users/alice/jobs/" + job);
    if (r.status != 200) return "HTTP " + std::to_string(r.status) + " " + r.body;
    return jsonString(parseJson(r.body), "/job/state");
  }

  static bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

  RedisCluster cluster_{3};
  TriggerdInstance tri_{options(cluster_)};
};

TEST_F(RedisClusterTest, DeliveriesTriggersSourcesAndTokensEachInTheirSlot) {
  // Trigger CRUD: records and both index sets in the {triggers} slot.
  auto [id, secret] = tri_.createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
  EXPECT_EQ(cluster_.cmdFor(kKeys.trigger(id), {"EXISTS", kKeys.trigger(id)}).integer, 1);
  EXPECT_EQ(cluster_.cmdFor(kKeys.allTriggers(), {"SISMEMBER", kKeys.allTriggers(), id}).integer,
            1);
  auto second = tri_.createTrigger("alice", "github", "Codertocat/Other", kRules);
  auto list = tri_.admin("GET", "/api/v1/users/alice/triggers");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(jsonSize(parseJson(list.body), "/triggers"), 2u);  // SMEMBERS + MGET in one slot
  auto patch = tri_.admin("PATCH", "/api/v1/users/alice/triggers/" + second.first,
                          R"({"image": "registry.example.com/team/other"})");
  EXPECT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(tri_.admin("DELETE", "/api/v1/users/alice/triggers/" + second.first).status, 200);
  EXPECT_EQ(tri_.admin("GET", "/api/v1/users/alice/triggers/" + second.first).status, 404);

  // Deliveries: the enqueue script's keys all in the {queue} slot; a redelivery is a duplicate.
  for (int i = 0; i < 20; ++i) {
    auto r = deliver(id, secret, "c-" + std::to_string(i), i + 1);
    ASSERT_EQ(r.status, 202) << r.body << tri_.log();
  }
  EXPECT_EQ(deliver(id, secret, "c-0", 1).status, 200);
  EXPECT_EQ(streamLength(), 20);

  // A GitLab source binding: the {sources} slot.
  FakeGitLab gitlab;
  gitlab.addUser(42, "alice", "Alice Liddell");
  gitlab.addToken("glpat-cluster-0123456789", "alice", {"api"}, "2099-01-31");
  auto bound = tri_.admin("PUT", "/api/v1/users/alice/sources/gitlab",
                          R"({"service_address": ")" + gitlab.serverRoot() +
                              R"(/", "private_token": "glpat-cluster-0123456789"})");
  ASSERT_EQ(bound.status, 201) << bound.body << tri_.log();
  auto sources = tri_.admin("GET", "/api/v1/users/alice/sources");
  EXPECT_EQ(jsonSize(parseJson(sources.body), "/sources"), 1u);
  EXPECT_EQ(cluster_.cmdFor(kKeys.allSources(), {"SCARD", kKeys.allSources()}).integer, 1);

  // API tokens: mint (record + user hash), use, revoke (the script's undeclared key).
  auto minted = tri_.admin("POST", "/api/v1/users/alice/tokens", R"({"name": "ci"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  auto token = jsonString(parseJson(minted.body), "/token");
  EXPECT_EQ(tri_.admin("GET", "/api/v1/users/alice/triggers", "", token).status, 200);
  auto token_id = jsonString(parseJson(minted.body), "/id");
  EXPECT_EQ(tri_.admin("DELETE", "/api/v1/users/alice/tokens/" + token_id).status, 204);
  EXPECT_EQ(tri_.admin("GET", "/api/v1/users/alice/triggers", "", token).status, 401);

  auto metrics = httpCall("GET", tri_.adminUrl("/metrics")).body;
  EXPECT_NE(metrics.find("triggerd_redis_connected 1"), std::string::npos);
  EXPECT_NE(metrics.find("triggerd_redis_slot_map_refreshes_total"), std::string::npos);
  EXPECT_EQ(tri_.log().find("CROSSSLOT"), std::string::npos) << tri_.log();
}

// One job's whole life on the cluster, every script in the {queue} slot: the enqueue (records,
// job lists, supersede of older records reached by name), the runner's claim, start and finish
// scripts over ClusterClients, triggerd's status consumer applying the reports to the records,
// the reclaim sweep sending an abandoned job to the dead letters, and the dead-letter retry.
TEST_F(RedisClusterTest, JobsLiveTheirWholeLifeInTheQueueSlot) {
  auto [id, secret] = tri_.createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
  std::vector<std::string> answered;
  for (int i = 0; i < 3; ++i) {
    auto r = deliver(id, secret, "r-" + std::to_string(i), 100 + i);
    ASSERT_EQ(r.status, 202) << r.body;
    answered.push_back(jsonString(parseJson(r.body), "/jobs/0"));
  }
  // Three pushes to one branch: the newest supersedes the older two while they are queued.
  EXPECT_EQ(jobState(answered[0]), "superseded");
  EXPECT_EQ(jobState(answered[1]), "superseded");
  EXPECT_EQ(jobState(answered[2]), "queued");
  auto history = tri_.admin("GET", "/api/v1/users/alice/triggers/" + id + "/jobs");
  ASSERT_EQ(history.status, 200) << history.body;

  // The runner's own queue code, over two cluster clients (the claim blocks its connection).
  EventLoop loop;
  ClusterClient::Options o;
  o.seeds = cluster_.addresses();
  o.home_key = kKeys.jobs();
  ClusterClient redis(loop, o);
  o.node.command_timeout = 8000ms;
  ClusterClient blocking(loop, o);
  redis.start();
  blocking.start();
  ASSERT_TRUE(runUntil(loop, [&] { return redis.connected() && blocking.connected(); }));
  RunnerQueue queue(loop, redis, blocking, kKeys, "runner-1", 3600, 100);
  for (int i = 0; i < 3; ++i) {
    auto claimed = await<Result<std::optional<ClaimedEntry>>>(
        loop, [&](auto cb) { queue.claim(cb); }, 10s);
    ASSERT_TRUE(claimed.ok()) << claimed.error().message;
    ASSERT_TRUE(claimed->has_value());
    const ClaimedEntry& e = **claimed;
    EXPECT_EQ(e.job_id, answered[i]);
    auto started = await<Result<StartOutcome>>(
        loop, [&](auto cb) { queue.start(e.job_id, 1, "2026-11-25T10:00:00Z", cb); });
    ASSERT_TRUE(started.ok()) << started.error().message;
    StatusReport report{e.job_id, "success", 1, "", "2026-11-25T10:01:00Z"};
    if (i < 2) {
      EXPECT_EQ(*started, StartOutcome::kSuperseded);
      report.state = "canceled";
      report.message = "superseded";
    } else {
      EXPECT_EQ(*started, StartOutcome::kRunning);
      EXPECT_TRUE(
          await<Status>(loop, [&](auto cb) { queue.appendLog(e.job_id, "ok\n", cb); }).ok());
    }
    auto finished =
        await<Result<bool>>(loop, [&](auto cb) { queue.finish(e.entry_id, report, cb); });
    ASSERT_TRUE(finished.ok()) << finished.error().message;
    EXPECT_TRUE(*finished);
  }
  EXPECT_EQ(streamLength(), 0);  // acknowledged and deleted
  // triggerd's status consumer applies the reports and deletes them from the status stream.
  EXPECT_TRUE(waitFor([&] { return jobState(answered[2]) == "success"; })) << tri_.log();
  EXPECT_EQ(jobState(answered[0]), "superseded");  // superseded is final
  EXPECT_TRUE(waitFor([&] {
    return cluster_.cmdFor(kKeys.status(), {"XLEN", kKeys.status()}).integer == 0;
  }));
  auto log = tri_.admin("GET", "/api/v1/users/alice/jobs/" + answered[2] + "/log");
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_NE(log.body.find("ok\\n"), std::string::npos) << log.body;

  // A job claimed and abandoned: past the visibility timeout the reclaim sweep (max_attempts 1)
  // moves it to the dead letters; the retry puts it back on the stream.
  auto r = deliver(id, secret, "r-dead", 110);
  ASSERT_EQ(r.status, 202) << r.body;
  std::string dead_id = jsonString(parseJson(r.body), "/jobs/0");
  auto claimed = await<Result<std::optional<ClaimedEntry>>>(
      loop, [&](auto cb) { queue.claim(cb); }, 10s);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_TRUE(waitFor([&] { return jobState(dead_id) == "dead"; }, 15s)) << tri_.log();
  auto retry = tri_.admin("POST", "/api/v1/admin/queue/dead/" + dead_id + "/retry");
  ASSERT_EQ(retry.status, 202) << retry.body;
  EXPECT_EQ(jobState(dead_id), "queued");
  EXPECT_EQ(streamLength(), 1);
  EXPECT_EQ(tri_.log().find("CROSSSLOT"), std::string::npos) << tri_.log();
  EXPECT_EQ(tri_.log().find("non local key"), std::string::npos) << tri_.log();
}

TEST_F(RedisClusterTest, FollowsMovedAfterTheQueueAndTriggerSlotsAreResharded) {
  auto [id, secret] = tri_.createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
  ASSERT_EQ(deliver(id, secret, "m-0", 200).status, 202);
  const int queue_slot = keySlot(kKeys.jobs());
  const int trigger_slot = keySlot(kKeys.allTriggers());
  size_t queue_from = cluster_.ownerOf(queue_slot);
  size_t trigger_from = cluster_.ownerOf(trigger_slot);
  cluster_.moveSlot(queue_slot, (queue_from + 1) % cluster_.size());
  cluster_.moveSlot(trigger_slot, (trigger_from + 1) % cluster_.size());
  ASSERT_TRUE(cluster_.healthy());
  // Right away, before triggerd's periodic map read could notice: MOVED brings it there.
  for (int i = 1; i <= 5; ++i) {
    auto r = deliver(id, secret, "m-" + std::to_string(i), 200 + i);
    ASSERT_EQ(r.status, 202) << r.body << tri_.log();
  }
  EXPECT_EQ(tri_.admin("GET", "/api/v1/users/alice/triggers/" + id).status, 200);
  EXPECT_EQ(cluster_.node((queue_from + 1) % cluster_.size()).cmd({"XLEN", kKeys.jobs()}).integer,
            6);
  EXPECT_EQ(cluster_.node(queue_from).cmd({"EXISTS", kKeys.jobs()}).integer, 0);
  auto metrics = httpCall("GET", tri_.adminUrl("/metrics")).body;
  EXPECT_NE(metrics.find("triggerd_redis_redirects_total{kind=\"moved\"}"), std::string::npos);
  EXPECT_EQ(metrics.find("triggerd_redis_redirects_total{kind=\"moved\"} 0"), std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace triggerd::testing
