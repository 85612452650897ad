// FakeRedisClient: the RedisClient contract, failure injection, loud failures, and the same
// replies as a real redis-server for every command and script triggerd sends.
#include "tests/fakes/fake_redis_client.h"
#include "tests/fakes/fake_redis_scripts.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "queue/enqueue_script.h"
#include "queue/job_queue.h"
#include "queue/job_record.h"
#include "store/scripts.h"
#include "tests/support/loop_runner.h"
#include "tests/support/redis_client_checks.h"
#include "tests/support/redis_server.h"
#include "tests/support/sample_job.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

class FakeRedisClientTest : public ::testing::Test {
 protected:
  RedisCapture call(std::vector<std::string> argv) {
    RedisCapture cap;
    redis_.command(std::move(argv), cap.cb());
    EXPECT_TRUE(runUntil(loop_, [&] { return cap.done(); }));
    return cap;
  }

  EventLoop loop_;
  FakeRedisClient redis_{loop_};
};

TEST_F(FakeRedisClientTest, AnswersOnALaterTurnExactlyOnce) {
  RedisCapture cap;
  redis_.command({"SET", "k", "v"}, cap.cb());
  EXPECT_EQ(cap.calls, 0);  // never inline
  EXPECT_EQ(redis_.pending(), 1u);
  ASSERT_TRUE(runUntil(loop_, [&] { return cap.done(); }));
  runFor(loop_, 10ms);
  EXPECT_EQ(cap.calls, 1);
  ASSERT_TRUE(cap.result->ok());
  EXPECT_EQ(cap.result->value().type, RedisValue::Type::kStatus);
  EXPECT_EQ(cap.result->value().str, "OK");
  EXPECT_EQ(redis_.cmd({"GET", "k"}).str, "v");
  EXPECT_EQ(redis_.sent(), (std::vector<std::vector<std::string>>{{"SET", "k", "v"}}));
}

TEST_F(FakeRedisClientTest, CancelDropsTheAnswerButTheCommandRan) {
  RedisCapture cancelled;
  RedisRequestId id = redis_.command({"SET", "c", "1"}, cancelled.cb());
  redis_.cancel(id);
  RedisCapture after = call({"PING"});
  runFor(loop_, 10ms);
  EXPECT_EQ(cancelled.calls, 0);
  EXPECT_EQ(after.calls, 1);
  EXPECT_EQ(redis_.cmd({"GET", "c"}).str, "1");
  redis_.cancel(id);      // finished ids are ignored
  redis_.cancel(987654);  // unknown ids too
}

TEST_F(FakeRedisClientTest, DestructionRunsNoPendingCallback) {
  auto redis = std::make_unique<FakeRedisClient>(loop_);
  RedisCapture cap;
  redis->command({"PING"}, cap.cb());
  redis.reset();
  runFor(loop_, 10ms);
  EXPECT_EQ(cap.calls, 0);
}

TEST_F(FakeRedisClientTest, ClientMayBeDestroyedFromItsOwnCallback) {
  expectDestroyableFromItsOwnCallback(loop_, std::make_unique<FakeRedisClient>(loop_));
}

TEST_F(FakeRedisClientTest, DisconnectedCommandsFailWith503AndChangeNothing) {
  redis_.setConnected(false);
  EXPECT_FALSE(redis_.connected());
  RedisCapture down = call({"SET", "k", "v"});
  ASSERT_FALSE(down.result->ok());
  EXPECT_EQ(down.result->error().status, 503);
  EXPECT_EQ(down.result->error().message.rfind("redis unavailable: ", 0), 0u);
  EXPECT_TRUE(redis_.cmd({"GET", "k"}).isNil());
  redis_.setConnected(true);
  EXPECT_TRUE(call({"SET", "k", "v"}).result->ok());
}

TEST_F(FakeRedisClientTest, FailNextFailsExactlyThatManyCommands) {
  redis_.failNext(2);
  EXPECT_EQ(call({"SET", "a", "1"}).result->error().status, 503);
  EXPECT_EQ(call({"SET", "b", "1"}).result->error().status, 503);
  EXPECT_TRUE(call({"SET", "c", "1"}).result->ok());
  EXPECT_EQ(redis_.cmd({"EXISTS", "a", "b", "c"}).integer, 1);
}

TEST_F(FakeRedisClientTest, ReplyErrorNextAnswersARedisErrorAndChangesNothing) {
  redis_.replyErrorNext("OOM command not allowed when used memory > 'maxmemory'.");
  RedisCapture refused = call({"SET", "k", "v"});
  ASSERT_TRUE(refused.result->ok());  // an error reply is a reply
  EXPECT_TRUE(refused.result->value().isError());
  EXPECT_EQ(refused.result->value().str.rfind("OOM", 0), 0u);
  EXPECT_TRUE(redis_.cmd({"GET", "k"}).isNil());
  EXPECT_TRUE(call({"SET", "k", "v"}).result->ok());
}

TEST_F(FakeRedisClientTest, BeforeCommandHookSeesEachCommandBeforeItRuns) {
  std::vector<std::string> seen;
  redis_.setBeforeCommand([&](const std::vector<std::string>& argv) {
    seen.push_back(argv[0]);
    if (argv[0] == "GET") redis_.cmd({"SET", "k", "changed"});
  });
  call({"SET", "k", "v"});
  EXPECT_EQ(call({"GET", "k"}).result->value().str, "changed");
  EXPECT_EQ(seen, (std::vector<std::string>{"SET", "GET"}));
}

TEST_F(FakeRedisClientTest, KeysExpireWithTheFakeClock) {
  redis_.cmd({"SET", "s", "v", "EX", "10"});
  redis_.cmd({"SADD", "set", "m"});
  redis_.cmd({"EXPIRE", "set", "5"});
  redis_.advanceTime(4000ms);
  EXPECT_EQ(redis_.cmd({"TTL", "s"}).integer, 6);
  EXPECT_EQ(redis_.cmd({"SCARD", "set"}).integer, 1);
  redis_.advanceTime(1000ms);
  EXPECT_EQ(redis_.cmd({"SCARD", "set"}).integer, 0);
  EXPECT_EQ(redis_.cmd({"GET", "s"}).str, "v");
  redis_.advanceTime(5000ms);
  EXPECT_TRUE(redis_.cmd({"GET", "s"}).isNil());
  EXPECT_EQ(redis_.cmd({"TTL", "s"}).integer, -2);
}

TEST_F(FakeRedisClientTest, UnknownCommandsOptionsAndScriptsFailTheTest) {
  EXPECT_NONFATAL_FAILURE(redis_.cmd({"FLUSHALL"}), "the command FLUSHALL");
  EXPECT_NONFATAL_FAILURE(redis_.cmd({"SET", "k", "v", "KEEPTTL"}), "SET option KEEPTTL");
  EXPECT_NONFATAL_FAILURE(redis_.cmd({"XADD", "x", "1-1", "f", "v"}), "XADD with 1-1");
  EXPECT_NONFATAL_FAILURE(redis_.cmd({"EVAL", "return redis.call('FLUSHALL')", "0"}),
                          "the script \"return redis.call('FLUSHALL')");
  RedisValue v;
  EXPECT_NONFATAL_FAILURE(v = redis_.cmd({"CLIENT", "LIST"}), "CLIENT");
  EXPECT_TRUE(v.isError());  // and the caller sees an error, never a made-up success
}

TEST_F(FakeRedisClientTest, EvalshaIsNoscriptUntilTheScriptWasEvaled) {
  const std::string sha = scriptSha(kCompareAndSetScript);
  redis_.cmd({"SET", "rec", "a"});
  EXPECT_EQ(redis_.cmd({"EVALSHA", sha, "1", "rec", "a", "b"}).str,
            "NOSCRIPT No matching script. Please use EVAL.");
  EXPECT_EQ(redis_.cmd({"EVAL", kCompareAndSetScript, "1", "rec", "a", "b"}).integer, 1);
  EXPECT_EQ(redis_.cmd({"EVALSHA", sha, "1", "rec", "b", "c"}).integer, 1);
  EXPECT_EQ(redis_.cmd({"GET", "rec"}).str, "c");
  redis_.cmd({"SCRIPT", "FLUSH"});
  EXPECT_TRUE(redis_.cmd({"EVALSHA", sha, "1", "rec", "c", "d"}).isError());
}

TEST_F(FakeRedisClientTest, JobQueueEnqueuesThroughTheFakeAsThroughRedis) {
  JobQueue queue(redis_, Keys());
  std::vector<Job> jobs{sampleJob(1, "d-1"), sampleJob(2, "d-1")};
  auto first =
      await<Result<EnqueueOutcome>>(loop_, [&](auto cb) { queue.enqueue("tr", "d-1", jobs, cb); });
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->duplicate);
  auto again =
      await<Result<EnqueueOutcome>>(loop_, [&](auto cb) { queue.enqueue("tr", "d-1", jobs, cb); });
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->job_ids, first->job_ids);
  EXPECT_EQ(redis_.cmd({"XLEN", Keys().jobs()}).integer, 2);
  // EVALSHA first (NOSCRIPT), one EVAL, then EVALSHA.
  std::vector<std::string> names;
  for (const auto& argv : redis_.sent()) names.push_back(argv[0]);
  EXPECT_EQ(names, (std::vector<std::string>{"EVALSHA", "EVAL", "EVALSHA"}));
}

// ---------------------------------------------------------------------------------------------
// The same commands against the fake and a real redis-server, one sequence, reply by reply.

struct Step {
  std::vector<std::string> argv;
  bool unordered = false;  // a set's members: Redis answers in no particular order
};

// A reply as text, with what may differ between two correct servers taken out: stream ids are
// times, unordered replies are sorted, and a script error keeps only its code (Redis appends
// where in the Lua source it happened).
std::string canonical(const RedisValue& v, bool unordered, bool script) {
  static const std::regex kStreamId("[0-9]+-[0-9]+");
  switch (v.type) {
    case RedisValue::Type::kNil:
      return "nil";
    case RedisValue::Type::kInteger:
      return "int:" + std::to_string(v.integer);
    case RedisValue::Type::kStatus:
      return "status:" + v.str;
    case RedisValue::Type::kError:
      return "error:" + (script ? v.str.substr(0, v.str.find(' ')) : v.str);
    case RedisValue::Type::kString:
      return "str:" + (std::regex_match(v.str, kStreamId) ? "<stream id>" : v.str);
    case RedisValue::Type::kArray: {
      std::vector<std::string> items;
      for (const auto& e : v.elements) items.push_back(canonical(e, false, script));
      if (unordered) std::sort(items.begin(), items.end());
      std::string out = "[";
      for (const auto& i : items) out += i + ",";
      return out + "]";
    }
  }
  return "?";
}

// One enqueue of the enqueue script's call: `push` non-empty: dedupe on that push key as well (a
// replay under a fresh delivery id). Every enqueue supersedes the queued jobs of the previous one
// (same trigger and ref).
struct EnqueueSpec {
  std::string delivery;
  std::vector<int> jobs;
  std::string push = "";
};

std::vector<std::string> enqueueCall(const std::string& jobs_key, const std::string& keep,
                                     const std::vector<EnqueueSpec>& enqueues) {
  std::vector<std::string> keys{jobs_key};
  std::vector<std::string> args{"259200",
                                "2592000",
                                keep,
                                keep,
                                "1795600000",
                                "job:",
                                std::to_string(kNewRecordFieldNames.size())};
  args.insert(args.end(), kNewRecordFieldNames.begin(), kNewRecordFieldNames.end());
  for (const EnqueueSpec& e : enqueues) {
    for (const std::string& k :
         {e.delivery, e.push.empty() ? jobs_key : e.push, std::string("latest:tr:refs/heads/main"),
          std::string("trigger:tr:jobs"), std::string("user:alice:jobs")})
      keys.push_back(k);
    std::string ids = "[", spaced;
    std::vector<std::string> job_args;
    for (int n : e.jobs) {
      const std::string id = "job-" + std::to_string(n);
      keys.push_back("job:" + id);
      ids += std::string(ids.size() > 1 ? "," : "") + "\"" + id + "\"";
      spaced += (spaced.empty() ? "" : " ") + id;
      job_args.push_back(id);
      job_args.push_back("{\"id\":\"" + id + "\"}");
      // Some record values set, the others empty (left out of the record).
      for (std::string_view name : kNewRecordFieldNames) {
        job_args.push_back(name == "trigger"    ? "tr"
                           : name == "ref"      ? "refs/heads/main"
                           : name == "sha"      ? "sha" + std::to_string(n)
                           : name == "delivery" ? e.delivery
                                                : "");
      }
    }
    for (const std::string& a : {std::string(e.push.empty() ? "ds" : "ps"), ids + "]", spaced,
                                 e.delivery, std::to_string(e.jobs.size())})
      args.push_back(a);
    args.insert(args.end(), job_args.begin(), job_args.end());
  }
  std::vector<std::string> argv{"EVAL", kEnqueueScript.text(), std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> enqueueCall(const std::string& delivery, const std::string& jobs_key,
                                     const std::vector<int>& jobs, const std::string& keep,
                                     const std::string& push = "") {
  return enqueueCall(jobs_key, keep, {{delivery, jobs, push}});
}

std::vector<Step> everyCommandTriggerdSends() {
  const std::string create = kCreateScript, remove = kRemoveScript, cas = kCompareAndSetScript;
  return {
      // strings
      {{"PING"}},
      {{"SET", "s", "v1"}},
      {{"GET", "s"}},
      {{"SET", "s", "v2", "NX"}},
      {{"SET", "s", "v2", "XX"}},
      {{"GET", "s"}},
      {{"SET", "n", "x", "XX"}},
      {{"SET", "n", "x", "EX", "100", "NX"}},
      {{"TTL", "n"}},
      {{"TTL", "s"}},
      {{"TTL", "missing"}},
      {{"EXPIRE", "s", "50"}},
      {{"TTL", "s"}},
      {{"SET", "s", "v3"}},
      {{"TTL", "s"}},
      {{"EXPIRE", "missing", "5"}},
      {{"GETDEL", "s"}},
      {{"GETDEL", "s"}},
      {{"SET", "k", "v", "EX", "0"}},
      {{"SET", "k", "v", "EX", "soon"}},
      {{"SET", "k", "v", "NX", "XX"}},
      {{"SET", "g", "v1", "GET"}},
      {{"SET", "g", "v2", "EX", "100", "GET"}},
      {{"TTL", "g"}},
      {{"SET", "g", "v3", "NX", "GET"}},
      {{"GET", "g"}},
      {{"GET"}},
      // sets
      {{"SADD", "set", "a", "b", "a"}},
      {{"SADD", "set", "c"}},
      {{"SMEMBERS", "set"}, true},
      {{"SISMEMBER", "set", "a"}},
      {{"SISMEMBER", "set", "z"}},
      {{"SCARD", "set"}},
      {{"SREM", "set", "a", "z"}},
      {{"SREM", "set", "b", "c"}},
      {{"EXISTS", "set"}},
      {{"SMEMBERS", "set"}},
      // hashes
      {{"HSET", "h", "f1", "a", "f2", "b"}},
      {{"HSET", "h", "f1", "c", "f3", "d"}},
      {{"HGET", "h", "f1"}},
      {{"HGET", "h", "nope"}},
      {{"HGETALL", "h"}},
      {{"HDEL", "h", "f1", "nope"}},
      {{"HGETALL", "h"}},
      {{"HSET", "h", "odd"}},
      // types
      {{"MGET", "n", "missing", "h"}},
      {{"GET", "h"}},
      {{"SADD", "h", "x"}},
      {{"SMEMBERS", "n"}},
      {{"HGET", "n", "f"}},
      // lists
      {{"LPUSH", "l", "a", "b"}},
      {{"LPUSH", "l", "c"}},
      {{"LRANGE", "l", "0", "-1"}},
      {{"LTRIM", "l", "0", "1"}},
      {{"LRANGE", "l", "0", "-1"}},
      {{"LRANGE", "l", "-1", "100"}},
      {{"LLEN", "l"}},
      // streams
      {{"XADD", "x", "*", "job", "j1", "id", "1"}},
      {{"XADD", "x", "*", "job", "j2", "id", "2"}},
      {{"XLEN", "x"}},
      {{"XRANGE", "x", "-", "+"}},
      {{"XRANGE", "x", "-", "+", "COUNT", "1"}},
      {{"XLEN", "s"}},
      {{"TYPE", "x"}},
      {{"TYPE", "h"}},
      {{"TYPE", "l"}},
      {{"TYPE", "n"}},
      {{"TYPE", "missing"}},
      {{"KEYS", "*"}, true},
      {{"DEL", "n", "h", "missing"}},
      {{"EXISTS", "n", "h", "l"}},
      // sealed records' scripts
      {{"EVALSHA", scriptSha(create), "1", "rec", "t"}},
      {{"EVAL", create, "3", "rec", "idx:a", "idx:b", "text", "0", "m1", "m2"}},
      {{"EVAL", create, "3", "rec", "idx:a", "idx:b", "other", "0", "m1", "m2"}},
      {{"EVAL", create, "3", "rec2", "idx:a", "idx:b", "text", "1", "m3", "m3"}},
      {{"GET", "rec"}},
      {{"SMEMBERS", "idx:a"}},
      {{"SMEMBERS", "idx:b"}},
      {{"EVALSHA", scriptSha(create), "1", "rec2", "t2"}},
      {{"EVAL", cas, "1", "rec", "wrong", "new"}},
      {{"EVAL", cas, "1", "rec", "text", "new"}},
      {{"EVAL", cas, "1", "missing", "x", "y"}},
      {{"GET", "rec"}},
      {{"EVAL", remove, "3", "rec", "idx:a", "idx:b", "m1", "m2"}},
      {{"EVAL", remove, "3", "rec", "idx:a", "idx:b", "m1", "m2"}},
      {{"EXISTS", "rec", "idx:a", "idx:b"}},
      {{"EVAL", create, "2", "l", "idx:c", "text", "0", "m"}},
      {{"EVAL", create, "2", "fresh", "l", "text", "0", "m"}},
      {{"GET", "fresh"}},
      // API token scripts
      {{"EVAL", kMintScript, "2", "token:abc", "user:alice:tokens", "{}", "id1", "abc"}},
      {{"HGETALL", "user:alice:tokens"}},
      {{"EVAL", kRevokeScript, "1", "user:alice:tokens", "id1", "token:"}},
      {{"EXISTS", "token:abc", "user:alice:tokens"}},
      {{"EVAL", kRevokeScript, "1", "user:alice:tokens", "id1", "token:"}},
      // the enqueue script
      {enqueueCall("delivery:1", "q:jobs", {1, 2}, "2")},
      {{"XLEN", "q:jobs"}},
      {{"XRANGE", "q:jobs", "-", "+"}},
      {{"XREVRANGE", "q:jobs", "+", "-"}},
      {{"XREVRANGE", "q:jobs", "+", "-", "COUNT", "1"}},
      {{"XPENDING", "q:jobs", "runners"}},
      {{"HVALS", "job:job-1"}, true},
      {{"HGETALL", "job:job-1"}},
      {{"TTL", "job:job-2"}},
      {{"TTL", "delivery:1"}},
      {{"LRANGE", "user:alice:jobs", "0", "-1"}},
      {enqueueCall("delivery:1", "q:jobs", {3}, "2")},
      {enqueueCall("delivery:2", "q:jobs", {3}, "2")},
      {{"LRANGE", "user:alice:jobs", "0", "-1"}},
      {{"LRANGE", "trigger:tr:jobs", "0", "-1"}},
      {{"HGETALL", "job:job-1"}},
      {{"GET", "latest:tr:refs/heads/main"}},
      {enqueueCall("delivery:3", "fresh", {4}, "2")},
      {{"EXISTS", "delivery:3", "job:job-4"}},
      {enqueueCall("delivery:4", "q:jobs", {}, "2")},
      {{"GET", "delivery:4"}},
      // the same push under a fresh delivery id is a replay
      {enqueueCall("delivery:5", "q:jobs", {5}, "2", "push:tr:sha5:main")},
      {enqueueCall("delivery:6", "q:jobs", {6}, "2", "push:tr:sha5:main")},
      {{"TTL", "push:tr:sha5:main"}},
      {{"EXISTS", "delivery:6", "job:job-6"}},
      // ... and the same push under the same delivery id a redelivery
      {enqueueCall("delivery:5", "q:jobs", {12}, "2", "push:tr:sha5:main")},
      {{"GET", "push:tr:sha5:main"}},
      {{"EXISTS", "delivery:5", "job:job-12"}},
      // a push key written before it named its delivery: a redelivery
      {{"SET", "push:tr:old:main", "[\"job-0\"]"}},
      {enqueueCall("delivery:10", "q:jobs", {13}, "2", "push:tr:old:main")},
      // several enqueues in one call: a new one, a repeat of it, one that supersedes the first,
      // an old delivery and an empty one
      {enqueueCall("q:jobs", "3",
                   {{"delivery:7", {7, 8}},
                    {"delivery:7", {9}},
                    {"delivery:8", {10}, "push:tr:sha10:main"},
                    {"delivery:2", {11}},
                    {"delivery:9", {}}})},
      {{"LRANGE", "user:alice:jobs", "0", "-1"}},
      {{"LRANGE", "trigger:tr:jobs", "0", "-1"}},
      {{"HGETALL", "job:job-7"}},
      {{"EXISTS", "job:job-9", "job:job-11", "delivery:9"}},
      {{"GET", "latest:tr:refs/heads/main"}},
      {{"XTRIM", "q:jobs", "MAXLEN", "3"}},
      {{"XLEN", "q:jobs"}},
      {{"XTRIM", "q:jobs", "MINID", "0-1"}},
      {{"XTRIM", "q:jobs", "MAXLEN", "0"}},
      {{"XTRIM", "missing", "MAXLEN", "0"}},
      {{"XLEN", "q:jobs"}},
      {{"SCRIPT", "FLUSH"}},
      {{"EVALSHA", scriptSha(create), "1", "rec3", "t3", "0"}},
  };
}

TEST(FakeRedisAgainstRedis, EveryCommandAndScriptRepliesAsRedisDoes) {
  RedisServer real(RedisServer::Options{false, ""});
  EventLoop loop;
  FakeRedisClient fake(loop);
  for (const Step& step : everyCommandTriggerdSends()) {
    const bool script = step.argv[0].rfind("EVAL", 0) == 0;
    std::string shown = step.argv[0] + " " + (step.argv.size() > 1 ? step.argv[1] : "");
    if (script) shown = step.argv[0] + " " + step.argv[1].substr(0, 40);
    EXPECT_EQ(canonical(fake.cmd(step.argv), step.unordered, script),
              canonical(real.cmd(step.argv), step.unordered, script))
        << shown;
  }
}

}  // namespace
}  // namespace triggerd::testing
