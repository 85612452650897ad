// `triggerctl hooks` and the hook parts of `triggers`: argument checks, progress lines, and what
// is printed for installed hooks, against a fake admin API.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/commands_hooks.h"
#include "cli/commands_triggers.h"
#include "cli/run.h"
#include "common/json.h"
#include "tests/support/tls_server.h"
#include "tests/unit/cli/fake_api.h"

namespace triggerd::cli {
namespace {

using triggerd::testing::FakeHttpServer;
using triggerd::testing::FakeRequest;
using triggerd::testing::FakeResponse;

TEST(HooksArgs, UserOrAllAndRotationForOneTriggerOnly) {
  HooksArgs a;
  a.action = "check";
  EXPECT_EQ(checkHooksArgs(a).error().field, "USER");
  a.all = true;
  EXPECT_TRUE(checkHooksArgs(a).ok());
  a.user = "alice";
  EXPECT_EQ(checkHooksArgs(a).error().field, "--all");
  a.all = false;
  a.rotate_secret = true;
  EXPECT_EQ(checkHooksArgs(a).error().field, "--rotate-secret");  // check, and no ID
  a.action = "repair";
  a.id = "01J";
  EXPECT_TRUE(checkHooksArgs(a).ok());
}

TEST(HooksProgress, OneLineWithEveryCount) {
  auto doc = json::parse(R"({"action": "repair", "total": 1000, "done": 120, "ok": 100,
    "repaired": 18, "problems": 0, "failed": 2, "skipped": 0, "redelivered": 3})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(jobProgressLine(*doc),
            "repair: 120 of 1000 done: 100 ok, 18 repaired, 0 with problems, 2 failed, 0 "
            "skipped; 3 redelivered");
  auto listing = json::parse(R"({"action": "check", "total": null, "done": 0, "ok": 0,
    "repaired": 0, "problems": 0, "failed": 0, "skipped": 0, "redelivered": 0})");
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(jobProgressLine(*listing),
            "check: 0 of ? done: 0 ok, 0 repaired, 0 with problems, 0 failed, 0 skipped");
}

TEST(HooksCommands, AJobIsPolledUntilDoneAndItsTroubledTriggersListed) {
  int polls = 0;
  FakeHttpServer server([&polls](const FakeRequest& req) {
    if (req.method == "POST") {
      return FakeResponse::json(202, R"({"job": {"id": "01JOB", "state": "running"}})");
    }
    bool done = ++polls >= 3;
    return FakeResponse::json(
        200, std::string(R"({"job": {"id": "01JOB", "action": "repair", "state": ")") +
                 (done ? "done" : "running") + R"(", "total": 2, "done": )" + (done ? "2" : "1") +
                 R"(, "ok": 1, "repaired": 0, "problems": 0, "failed": )" + (done ? "1" : "0") +
                 R"(, "skipped": 0, "redelivered": 0, "items": [{"trigger": "01JB",
                 "user": "alice", "repository": "octo/lib", "outcome": "failed",
                 "detail": "no admin rights"}]}})");
  });
  HooksArgs args;
  args.action = "repair";
  args.user = "alice";
  args.poll_interval = std::chrono::milliseconds(10);
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return hooksRun(ctx, args); });
  EXPECT_EQ(o.rc, kExitApiError) << o.err;  // one trigger failed
  EXPECT_NE(o.err.find("repair: 1 of 2 done"), std::string::npos) << o.err;
  EXPECT_NE(o.out.find("repair: 2 of 2 done"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("no admin rights"), std::string::npos) << o.out;
  auto reqs = server.requests();
  EXPECT_EQ(reqs.at(0).path, "/api/v1/users/alice/hooks/jobs");
  EXPECT_EQ(reqs.at(0).body, R"({"action":"repair"})");
  EXPECT_EQ(reqs.at(1).path, "/api/v1/users/alice/hooks/jobs/01JOB");
}

TEST(TriggersCommands, AnInstalledHookShowsNoSecretAndDeleteSaysWhatWasLeft) {
  FakeHttpServer server([](const FakeRequest& req) {
    if (req.method == "DELETE") {
      return FakeResponse::json(200, R"({"deleted": "01JA", "hook": {"outcome": "failed",
        "removed": 0, "error": {"error": "no GitHub account is bound", "status": 409}}})");
    }
    return FakeResponse::json(201, R"({"trigger": {"id": "01JA", "hook": {"id": "400000001",
      "installed": true}}, "webhook": {"url": "https://t.example.com/webhooks/github/01JA",
      "content_type": "application/json", "events": ["push"]}})");
  });
  TriggerCreateArgs args{"alice", "github", "octo/app", "r/a", "", {"branch:main=latest"}, false};
  auto c = runAgainst(server.url(), [&](const Context& ctx) { return triggersCreate(ctx, args); });
  EXPECT_EQ(c.rc, kExitOk) << c.err;
  EXPECT_NE(c.out.find("Installed webhook 400000001 on octo/app"), std::string::npos) << c.out;
  EXPECT_EQ(c.out.find("SECRET"), std::string::npos) << c.out;
  EXPECT_NE(server.requests().at(0).body.find(R"("install_hook":true)"), std::string::npos);
  auto d = runAgainst(server.url(),
                      [](const Context& ctx) { return triggersDelete(ctx, "alice", "01JA"); });
  EXPECT_EQ(d.rc, kExitOk);
  EXPECT_EQ(d.out, "Deleted trigger 01JA\n");
  EXPECT_NE(d.err.find("left on the repository: no GitHub account is bound"), std::string::npos)
      << d.err;
}

}  // namespace
}  // namespace triggerd::cli
