// triggerctl's job, run, queue and runner-token commands driven in-process against a fake admin
// API: what they send, print and return.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/commands_jobs.h"
#include "cli/commands_queue.h"
#include "cli/run.h"
#include "tests/support/tls_server.h"
#include "tests/unit/cli/fake_api.h"

namespace triggerd::cli {
namespace {

using triggerd::testing::FakeHttpServer;
using triggerd::testing::FakeRequest;
using triggerd::testing::FakeResponse;

constexpr const char* kJob = R"({"id": "01JDQ3Z9X6V5W4T3S2R1Q0P9N8", "trigger_id": "01JDQ2",
  "user": "alice", "provider": "github", "repository": "octo/app", "event": "manual",
  "ref": "refs/tags/v1.2.0", "sha": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
  "image": "r.example.com/app", "tags": ["1.2.0", "1.2"], "state": "failure", "attempt": 2,
  "runner": "build-1:0", "delivery_id": null, "requested_by": "alice", "error": "no Dockerfile",
  "created_at": "2026-11-25T10:00:00Z", "started_at": "2026-11-25T10:00:02Z",
  "finished_at": "2026-11-25T10:01:40Z"})";

TEST(RunCommands, RunPostsTheRefShaAndIdempotencyKey) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(202, R"({"jobs": ["01JDQ5A", "01JDQ5B"], "ref": "refs/tags/v1.2.0",
                                       "sha": "9f8e7d6c5b4a"})");
  });
  RunArgs args{"alice", "01JD3Q", "v1.2.0", "9f8e7d6", "deploy-7"};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return triggersRun(ctx, args); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  auto req = server.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/api/v1/users/alice/triggers/01JD3Q/run");
  EXPECT_EQ(req.body, R"({"ref":"v1.2.0","sha":"9f8e7d6"})");
  EXPECT_EQ(req.header("Idempotency-Key"), "deploy-7");
  EXPECT_NE(o.out.find("Queued 2 jobs for refs/tags/v1.2.0 at 9f8e7d6c5b4a"), std::string::npos);
  EXPECT_NE(o.out.find("  01JDQ5B\n"), std::string::npos);

  RunArgs bad{"alice", "01JD3Q", "main", "", "two words"};
  auto refused =
      runAgainst(server.url(), [&](const Context& ctx) { return triggersRun(ctx, bad); });
  EXPECT_EQ(refused.rc, kExitUsage);
  EXPECT_EQ(server.requests().size(), 1u);  // nothing sent
}

TEST(RunCommands, ADuplicateRunSaysSo) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(202, R"({"jobs": ["01JDQ5A"], "duplicate": true})");
  });
  RunArgs args{"alice", "01JD3Q", "main", "", "k"};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return triggersRun(ctx, args); });
  EXPECT_EQ(o.rc, kExitOk);
  EXPECT_NE(o.out.find("Already run with this idempotency key"), std::string::npos) << o.out;
}

TEST(JobsCommands, ListAndHistoryAreTablesWithTheNextPageHint) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, std::string(R"({"jobs": [)") + kJob + R"(], "next_page": "2"})");
  });
  auto list =
      runAgainst(server.url(), [&](const Context& ctx) { return jobsList(ctx, "alice", {}); });
  EXPECT_EQ(list.rc, kExitOk) << list.err;
  EXPECT_NE(list.out.find("ID"), std::string::npos);
  EXPECT_NE(list.out.find("failure  manual  refs/tags/v1.2.0  9f8e7d6c5b4a  1.2.0, 1.2  2"),
            std::string::npos)
      << list.out;
  EXPECT_NE(list.err.find("--page 2"), std::string::npos);
  auto history = runAgainst(server.url(), [&](const Context& ctx) {
    return triggersHistory(ctx, "alice", "01JD3Q", {"3", false});
  });
  EXPECT_EQ(history.rc, kExitOk);
  EXPECT_EQ(server.requests().back().path, "/api/v1/users/alice/triggers/01JD3Q/jobs");
  EXPECT_EQ(server.requests().back().query, "page=3");
}

TEST(JobsCommands, ShowPrintsEveryField) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, std::string(R"({"job": )") + kJob + "}");
  });
  auto o = runAgainst(server.url(),
                      [&](const Context& ctx) { return jobsShow(ctx, "alice", "01JDQ3"); });
  EXPECT_EQ(o.rc, kExitOk);
  for (const char* want :
       {"RUNNER        build-1:0", "REQUESTED BY  alice", "ERROR         no Dockerfile",
        "DELIVERY      -", "FINISHED      2026-11-25T10:01:40Z"})
    EXPECT_NE(o.out.find(want), std::string::npos) << want << "\n" << o.out;
}

TEST(JobsCommands, LogPrintsChunksWithoutTerminalEscapes) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.query.empty())
      return FakeResponse::json(200, R"({"job": "01JDQ3", "state": "success", "entries":
        [{"id": "1-0", "chunk": "step 1\n"}, {"id": "2-0", "chunk": "\u001b[31mred\u001b[0m\tdone\n"}],
        "next": "2-0"})");
    return FakeResponse::json(200, R"({"job": "01JDQ3", "state": "success", "entries": [],
                                       "next": "2-0"})");
  });
  auto o = runAgainst(server.url(),
                      [&](const Context& ctx) { return jobsLog(ctx, "alice", "01JDQ3", true); });
  EXPECT_EQ(o.rc, kExitOk);
  EXPECT_EQ(o.out, "step 1\n?[31mred?[0m\tdone\n");
  EXPECT_EQ(server.requests().back().query, "after=2-0");
}

TEST(QueueCommands, StatsDeadListRetryAllAndPurge) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.path == "/api/v1/admin/queue")
      return FakeResponse::json(200, R"({"stream_length": 5, "waiting": 3, "claimed": 2,
        "dead": 2, "status_backlog": 0, "claimed_by": {"build-1:0": 2}})");
    if (r.path == "/api/v1/admin/queue/dead")
      return FakeResponse::json(200, R"({"dead": [
        {"entry": "2-0", "job": "01JDQB", "error": "no result (15m) on runner r1", "attempts": 3,
         "at": "2026-11-25T10:00:00Z", "user": "alice", "ref": "refs/heads/main", "sha": "abc"},
        {"entry": "1-0", "job": "01JDQA", "error": "x", "attempts": 3, "at": "t"}], "next": null})");
    if (r.path == "/api/v1/admin/queue/dead/01JDQA/retry")
      return FakeResponse::json(404, R"({"error": "gone", "field": "job_id"})");
    if (r.path.find("/retry") != std::string::npos)
      return FakeResponse::json(202, R"({"job": "01JDQB", "attempt": 4})");
    return FakeResponse::json(200, R"({"purged": 2})");
  });
  auto stats = runAgainst(server.url(), queueStats);
  EXPECT_EQ(stats.rc, kExitOk);
  EXPECT_NE(stats.out.find("CLAIMED BY      build-1:0 2"), std::string::npos) << stats.out;
  auto dead =
      runAgainst(server.url(), [](const Context& ctx) { return queueDeadList(ctx, 50, ""); });
  EXPECT_NE(dead.out.find("no result (15m) on runner r1"), std::string::npos) << dead.out;
  EXPECT_EQ(server.requests().back().query, "count=50");
  auto retry =
      runAgainst(server.url(), [](const Context& ctx) { return queueDeadRetry(ctx, {}, true); });
  EXPECT_EQ(retry.rc, kExitApiError);  // one of the two failed
  EXPECT_NE(retry.out.find("Queued job 01JDQB again (attempt 4)"), std::string::npos) << retry.out;
  auto purge_none =
      runAgainst(server.url(), [](const Context& ctx) { return queuePurge(ctx, {}); });
  EXPECT_EQ(purge_none.rc, kExitUsage);
  PurgeArgs old{false, "7d", ""};
  auto purge = runAgainst(server.url(), [&](const Context& ctx) { return queuePurge(ctx, old); });
  EXPECT_EQ(purge.rc, kExitOk);
  EXPECT_EQ(server.requests().back().body, R"({"older_than":"7d"})");
  EXPECT_EQ(purge.out, "Purged 2 dead jobs\n");
}

TEST(RunnerTokenCommands, CreateShowsTheTokenOnceListAndRevoke) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.method == "POST")
      return FakeResponse::json(201,
                                R"({"token": "tdr_abc", "id": "0123456789abcdef", "name": "b1"})");
    if (r.method == "GET")
      return FakeResponse::json(200,
                                R"({"runner_tokens": [{"id": "0123456789abcdef", "name": "b1"}]})");
    return statusOnly(204);
  });
  auto created =
      runAgainst(server.url(), [](const Context& ctx) { return runnerTokensCreate(ctx, "b1"); });
  EXPECT_EQ(created.rc, kExitOk);
  EXPECT_NE(created.out.find("  tdr_abc\n"), std::string::npos);
  EXPECT_EQ(server.requests().back().path, "/api/v1/admin/runner-tokens");
  auto list = runAgainst(server.url(), runnerTokensList);
  EXPECT_NE(list.out.find("0123456789abcdef  b1"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("tdr_"), std::string::npos);
  auto revoked = runAgainst(
      server.url(), [](const Context& ctx) { return runnerTokensRevoke(ctx, "0123456789abcdef"); });
  EXPECT_EQ(revoked.rc, kExitOk);
  EXPECT_EQ(server.requests().back().method, "DELETE");
}

}  // namespace
}  // namespace triggerd::cli
