// The commands driven in-process against a fake admin API: what they send, print and return.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/commands_admin.h"
#include "cli/commands_sources.h"
#include "cli/commands_tokens.h"
#include "cli/commands_triggers.h"
#include "cli/run.h"
#include "tests/support/subprocess.h"
#include "tests/support/tls_server.h"
#include "tests/unit/cli/fake_api.h"

namespace triggerd::cli {
namespace {

using triggerd::testing::FakeHttpServer;
using triggerd::testing::FakeRequest;
using triggerd::testing::FakeResponse;

constexpr const char* kCreated = R"({"trigger": {"id": "01JABC", "user": "alice",
  "provider": "github", "repository": {"id": "", "full_name": "octo/app"},
  "hook": {"id": "", "installed": false, "verified": false}, "image": "r.example.com/app",
  "rules": [], "enabled": true},
  "webhook": {"url": "https://t.example.com/webhooks/github/01JABC", "secret": "abc123",
              "content_type": "application/json", "events": ["push"]}})";

TEST(TriggersCommands, CreatePostsTheBodyAndShowsUrlAndSecret) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::json(201, kCreated); });
  TriggerCreateArgs args{
      "alice", "github", "octo/app", "r.example.com/app", "", {"branch:main=latest"}, false};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return triggersCreate(ctx, args); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  auto req = server.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/api/v1/users/alice/triggers");
  EXPECT_EQ(req.header("Authorization"), "Bearer tdu_test");
  EXPECT_NE(req.body.find(R"("rules":[{"kind":"branch","match":"main","tags":["latest"]}])"),
            std::string::npos);
  EXPECT_EQ(o.out.rfind("Created trigger 01JABC for octo/app -> r.example.com/app\n", 0), 0u)
      << o.out;
  EXPECT_NE(o.out.find("https://t.example.com/webhooks/github/01JABC"), std::string::npos);
  EXPECT_NE(o.out.find("abc123"), std::string::npos);
  EXPECT_NE(o.out.find("shown only now"), std::string::npos);
  EXPECT_NE(o.out.find("triggerctl triggers rotate-secret alice 01JABC\n"), std::string::npos);
}

TEST(TriggersCommands, JsonIsVerbatimOrPretty) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::json(201, kCreated); });
  TriggerCreateArgs args{
      "alice", "github", "octo/app", "r.example.com/app", "", {"branch:main=latest"}, false};
  auto create = [&](const Context& ctx) { return triggersCreate(ctx, args); };
  auto o = runAgainst(server.url(), create, true);
  EXPECT_EQ(o.rc, kExitOk);
  EXPECT_EQ(o.out, std::string(kCreated) + "\n");
  auto p = runAgainst(server.url(), create, true, true);
  EXPECT_NE(p.out.find("\n  \"webhook\": {\n    \"url\": "), std::string::npos) << p.out;
}

TEST(TriggersCommands, ApiErrorExitsOneWithMessageFieldAndStatus) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(422, R"({"error": "must be lower-case", "field": "image"})");
  });
  TriggerCreateArgs args{"alice", "github", "octo/app", "R/App", "", {"tag:.*={tag}"}, false};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return triggersCreate(ctx, args); });
  EXPECT_EQ(o.rc, kExitApiError);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "error: must be lower-case (field: image) [HTTP 422]\n");
}

TEST(TriggersCommands, BadRuleIsAUsageErrorAndSendsNothing) {
  FakeHttpServer server;
  TriggerCreateArgs args{"alice", "github", "octo/app", "r/a", "", {"branch:main"}, false};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return triggersCreate(ctx, args); });
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_NE(o.err.find("error: --rule #1: \"branch:main\" has no tags"), std::string::npos)
      << o.err;
  EXPECT_EQ(server.requestCount(), 0u);
}

TEST(TriggersCommands, ListTable) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, R"({"triggers": [{"id": "01JA", "provider": "gitlab",
      "repository": {"full_name": "g/p"}, "image": "r/i", "enabled": false,
      "hook": {"installed": false, "verified": true}, "rules": [{}, {}],
      "updated_at": "2026-11-25T10:00:00Z"}]})");
  });
  auto o = runAgainst(server.url(), [](const Context& ctx) { return triggersList(ctx, "alice"); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "ID    PROVIDER  REPOSITORY  IMAGE  ENABLED  HOOK              RULES  UPDATED\n"
            "01JA  gitlab    g/p         r/i    no       manual, verified  2      "
            "2026-11-25T10:00:00Z\n");
}

TEST(TriggersCommands, UpdateDeleteAndRotate) {
  FakeHttpServer server([](const FakeRequest& req) {
    if (req.method == "DELETE") return statusOnly(204);
    if (req.path.ends_with("/hook/repair")) {
      return FakeResponse::json(200, R"({"trigger": {"id": "01J", "provider": "gitlab",
        "repository": {"full_name": "g/p"}}, "webhook": {"url": "https://t/webhooks/gitlab/01J",
        "secret": "newsecret", "previous_secret_valid_until": "2026-11-26T10:00:00Z"}})");
    }
    return FakeResponse::json(200, R"({"trigger": {"id": "01J", "enabled": false}})");
  });
  TriggerUpdateArgs update;
  update.user = "alice";
  update.id = "01J";
  update.enabled = false;
  auto u =
      runAgainst(server.url(), [&](const Context& ctx) { return triggersUpdate(ctx, update); });
  EXPECT_EQ(u.rc, kExitOk) << u.err;
  EXPECT_NE(u.out.find("ENABLED     no"), std::string::npos) << u.out;
  auto d = runAgainst(server.url(),
                      [](const Context& ctx) { return triggersDelete(ctx, "alice", "01J"); });
  EXPECT_EQ(d.rc, kExitOk);
  EXPECT_EQ(d.out, "Deleted trigger 01J\n");
  auto r = runAgainst(server.url(),
                      [](const Context& ctx) { return triggersRotateSecret(ctx, "alice", "01J"); });
  EXPECT_EQ(r.rc, kExitOk) << r.err;
  EXPECT_NE(r.out.find("newsecret"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("until 2026-11-26T10:00:00Z"), std::string::npos) << r.out;
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "PATCH");
  EXPECT_EQ(reqs[0].body, R"({"enabled":false})");
  EXPECT_EQ(reqs[1].method, "DELETE");
  EXPECT_EQ(reqs[2].method, "POST");
  EXPECT_EQ(reqs[2].path, "/api/v1/users/alice/triggers/01J/hook/repair");
  EXPECT_EQ(reqs[2].body, R"({"rotate_secret":true})");
}

TEST(Unreachable, ExitsThreeAndNamesTheUrl) {
  std::string url = "http://127.0.0.1:" + std::to_string(triggerd::testing::freePort());
  auto o = runAgainst(url, [](const Context& ctx) { return triggersList(ctx, "alice"); });
  EXPECT_EQ(o.rc, kExitUnreachable);
  EXPECT_EQ(
      o.err.rfind("error: cannot reach triggerd at " + url + "/api/v1/users/alice/triggers", 0), 0u)
      << o.err;
  EXPECT_NE(o.err.find("check --url"), std::string::npos);
}

TEST(SourcesCommands, ListTable) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, R"({"sources": [{"provider": "gitlab", "login": "alice",
      "state": "valid", "expires_at": "2027-01-31T00:00:00Z", "scopes": ["api", "read_user"],
      "api_url": "https://gitlab.example.com"}, {"provider": "github", "login": "al",
      "state": "expiring", "scopes": ["repo"], "api_url": "https://api.github.com"}]})");
  });
  auto o = runAgainst(server.url(), [](const Context& ctx) { return sourcesList(ctx, "alice"); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "PROVIDER  LOGIN  STATE     EXPIRES               SCOPES         API_URL\n"
            "gitlab    alice  valid     2027-01-31T00:00:00Z  api,read_user  "
            "https://gitlab.example.com\n"
            "github    al     expiring  never                 repo           "
            "https://api.github.com\n");
}

TEST(SourcesCommands, BindGitlabReadsTokenAndCaFromFiles) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(201, R"({"source": {"provider": "gitlab", "login": "alice"}})");
  });
  triggerd::testing::TempDir dir;
  dir.write("token", "glpat-xyz\n");
  dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n");
  BindGitlabArgs args{"alice", "https://gitlab.example.com", dir.file("token"), dir.file("ca.pem")};
  auto o =
      runAgainst(server.url(), [&](const Context& ctx) { return sourcesBindGitlab(ctx, args); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  auto req = server.requests().at(0);
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(req.path, "/api/v1/users/alice/sources/gitlab");
  EXPECT_EQ(req.body,
            R"({"service_address":"https://gitlab.example.com","private_token":"glpat-xyz",)"
            R"("ca_certificate":"-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n"})");
  EXPECT_EQ(o.out.rfind("Bound gitlab account alice for alice\n", 0), 0u) << o.out;
  EXPECT_EQ(o.out.find("glpat"), std::string::npos);
}

TEST(SourcesCommands, BindWithMissingTokenFileSendsNothing) {
  FakeHttpServer server;
  auto o = runAgainst(server.url(), [](const Context& ctx) {
    return sourcesBindGithub(ctx, "alice", "/nonexistent/token");
  });
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_EQ(server.requestCount(), 0u);
}

TEST(SourcesCommands, AuthorizeAndUnbind) {
  FakeHttpServer server([](const FakeRequest& req) {
    if (req.method == "DELETE") {
      return FakeResponse::json(200, R"({"unbound": "github", "triggers_disabled": 2,
        "hooks_removed": 1, "hooks": [
          {"trigger": "01JA", "repository": "octo/app", "hook_id": "1", "result": "removed"},
          {"trigger": "01JB", "repository": "octo/lib", "hook_id": "2", "result": "failed",
           "error": "GitHub rejected the token"}]})");
    }
    return FakeResponse::json(
        200,
        R"({"authorize_url": "https://github.com/login/oauth/authorize?x=1", "expires_in": 600})");
  });
  auto a = runAgainst(server.url(),
                      [](const Context& ctx) { return sourcesAuthorizeGithub(ctx, "alice"); });
  EXPECT_EQ(a.rc, kExitOk);
  EXPECT_NE(a.out.find("(valid for 10 minutes)"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("\n  https://github.com/login/oauth/authorize?x=1\n"), std::string::npos);
  auto u = runAgainst(server.url(),
                      [](const Context& ctx) { return sourcesUnbind(ctx, "alice", "github"); });
  EXPECT_EQ(u.rc, kExitOk);
  EXPECT_EQ(u.out,
            "Unbound github from alice; 1 webhook removed; 2 triggers disabled (re-enable them "
            "after binding again)\n");
  // Best effort: the webhook left behind is named.
  EXPECT_EQ(u.err,
            "warning: the webhook of trigger 01JB on octo/lib was left in place: GitHub "
            "rejected the token\n");
  auto reqs = server.requests();
  EXPECT_EQ(reqs[0].path, "/api/v1/users/alice/sources/github/authorize");
  EXPECT_EQ(reqs[1].path, "/api/v1/users/alice/sources/github");
}

// Three pages of branches: "", "2", "3".
FakeResponse branchPage(const FakeRequest& req) {
  if (req.query.empty()) {
    return FakeResponse::json(200,
                              R"({"branches": [{"name": "main", "sha": "aaa", "protected": true}],
                                      "next_page": "2"})");
  }
  if (req.query == "page=2") {
    return FakeResponse::json(200,
                              R"({"branches": [{"name": "dev", "sha": "bbb", "protected": false}],
                                      "next_page": 3})");
  }
  return FakeResponse::json(200,
                            R"({"branches": [{"name": "x", "sha": "ccc"}], "next_page": null})");
}

TEST(SourcesCommands, OnePageHintsAtTheNext) {
  FakeHttpServer server(branchPage);
  ListArgs args{"alice", "github", "octo/app", "", false};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return sourcesBranches(ctx, args); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "NAME  SHA  PROTECTED\nmain  aaa  yes\n");
  EXPECT_EQ(o.err, "more: add --page 2 for the next page, or --all\n");
  EXPECT_EQ(server.requests().at(0).path,
            "/api/v1/users/alice/sources/github/repos/octo%2Fapp/branches");
}

TEST(SourcesCommands, AllFollowsNextPage) {
  FakeHttpServer server(branchPage);
  ListArgs args{"alice", "github", "octo/app", "", true};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return sourcesBranches(ctx, args); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "NAME  SHA  PROTECTED\nmain  aaa  yes\ndev   bbb  no\nx     ccc  -\n");
  EXPECT_EQ(o.err, "");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].query, "page=2");
  EXPECT_EQ(reqs[2].query, "page=3");

  auto j = runAgainst(
      server.url(), [&](const Context& ctx) { return sourcesBranches(ctx, args); }, true);
  EXPECT_EQ(j.out, R"({"branches":[{"name":"main","sha":"aaa","protected":true},)"
                   R"({"name":"dev","sha":"bbb","protected":false},{"name":"x","sha":"ccc"}],)"
                   R"("next_page":null})"
                   "\n");
}

TEST(SourcesCommands, AllStopsOnARepeatedPage) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, R"({"tags": [], "next_page": "2"})");
  });
  ListArgs args{"alice", "gitlab", "42", "", true};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return sourcesTags(ctx, args); });
  EXPECT_EQ(o.rc, kExitApiError);
  EXPECT_NE(o.err.find("came back twice"), std::string::npos) << o.err;
  EXPECT_EQ(server.requestCount(), 2u);
}

TEST(SourcesCommands, ReposWithPage) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, R"({"repositories": [{"id": 7, "full_name": "octo/app",
      "default_branch": "main", "private": true}], "next_page": null})");
  });
  ListArgs args{"alice", "github", "", "a b", false};
  auto o = runAgainst(server.url(), [&](const Context& ctx) { return sourcesRepos(ctx, args); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "FULL_NAME  ID  DEFAULT_BRANCH  PRIVATE\nocto/app   7   main            yes\n");
  EXPECT_EQ(server.requests().at(0).query, "page=a%20b");
}

TEST(TokensCommands, CreateShowsTheTokenOnceAndRevoke) {
  FakeHttpServer server([](const FakeRequest& req) {
    if (req.method == "DELETE") return statusOnly(204);
    return FakeResponse::json(201, R"({"token": "tdu_new", "id": "00112233aabbccdd",
                                       "user": "alice", "name": "ci"})");
  });
  auto c =
      runAgainst(server.url(), [](const Context& ctx) { return tokensCreate(ctx, "alice", "ci"); });
  EXPECT_EQ(c.rc, kExitOk) << c.err;
  EXPECT_NE(c.out.find("\n  tdu_new\n"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("triggerctl tokens revoke alice 00112233aabbccdd"), std::string::npos);
  EXPECT_EQ(server.requests().at(0).body, R"({"name":"ci"})");
  auto r = runAgainst(server.url(), [](const Context& ctx) {
    return tokensRevoke(ctx, "alice", "00112233aabbccdd");
  });
  EXPECT_EQ(r.rc, kExitOk);
  EXPECT_EQ(r.out, "Revoked token 00112233aabbccdd of alice\n");
}

TEST(AdminCommands, Reseal) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, R"({"resealed": 12, "key_id": "k2"})");
  });
  auto o = runAgainst(server.url(), [](const Context& ctx) { return keysReseal(ctx); });
  EXPECT_EQ(o.rc, kExitOk);
  EXPECT_EQ(o.out, "Re-sealed 12 secrets with key k2\n");
  EXPECT_EQ(server.requests().at(0).path, "/api/v1/admin/keys/reseal");
  EXPECT_EQ(server.requests().at(0).method, "POST");
}

TEST(AdminCommands, ResealFailsNamingTheRecordsLeftBehind) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, R"({"resealed": 3, "current": 1, "key_id": "k2",
                 "left_behind": ["triggerd:source:bob:gitlab", "triggerd:trigger:01JD"]})");
  });
  auto o = runAgainst(server.url(), [](const Context& ctx) { return keysReseal(ctx); });
  EXPECT_EQ(o.rc, kExitApiError);
  EXPECT_EQ(o.out, "Re-sealed 3 secrets with key k2\n");
  EXPECT_NE(o.err.find("2 records could not be opened"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("triggerd:source:bob:gitlab"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("triggerd:trigger:01JD"), std::string::npos) << o.err;
}

TEST(AdminCommands, SourcesCheck) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::json(200, R"({"checked": 5, "valid": 2, "expiring": 1, "expired": 1,
                                       "revoked": 1, "unreachable": 0})");
  });
  auto o = runAgainst(server.url(), [](const Context& ctx) { return sourcesCheck(ctx); });
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "Checked 5 bound tokens: 2 valid, 1 expiring, 1 expired, 1 revoked, 0 unreachable\n");
  EXPECT_EQ(server.requests().at(0).method, "POST");
  EXPECT_EQ(server.requests().at(0).path, "/api/v1/admin/tokens/check");
}

TEST(AdminCommands, Health) {
  std::atomic<int> status{200};
  FakeHttpServer server([&status](const FakeRequest&) {
    return status == 200
               ? FakeResponse::json(200, R"({"status": "ok"})")
               : FakeResponse::json(503, R"({"error": "not ready: redis is not connected"})");
  });
  auto ready = runAgainst(server.url(), [](const Context& ctx) { return health(ctx); });
  EXPECT_EQ(ready.rc, kExitOk);
  EXPECT_EQ(ready.out, "ready\n");
  EXPECT_EQ(server.requests().at(0).path, "/readyz");
  EXPECT_EQ(server.requests().at(0).header("Authorization"), "");
  status = 503;
  auto not_ready = runAgainst(server.url(), [](const Context& ctx) { return health(ctx); });
  EXPECT_EQ(not_ready.rc, kExitApiError);
  EXPECT_EQ(not_ready.out, "not ready: redis is not connected\n");
  auto json = runAgainst(
      server.url(), [](const Context& ctx) { return health(ctx); }, true);
  EXPECT_EQ(json.rc, kExitApiError);
  EXPECT_EQ(json.out, "{\"error\": \"not ready: redis is not connected\"}\n");
}

TEST(RunCommand, RefusesATokenArgument) {
  GlobalArgs globals;
  globals.token_argument = true;
  std::ostringstream out, err;
  bool ran = false;
  int rc = runCommand(
      globals, Environment{}, true,
      [&](const Context&) {
        ran = true;
        return 0;
      },
      out, err);
  EXPECT_EQ(rc, kExitUsage);
  EXPECT_FALSE(ran);
  EXPECT_NE(err.str().find("never accepted as command-line arguments"), std::string::npos)
      << err.str();
}

TEST(RunCommand, TokenNeededExceptForHealth) {
  std::ostringstream out, err;
  auto noop = [](const Context&) { return 0; };
  EXPECT_EQ(runCommand(GlobalArgs{}, Environment{}, true, noop, out, err), kExitUsage);
  EXPECT_NE(err.str().find("no API token"), std::string::npos);
  EXPECT_EQ(runCommand(GlobalArgs{}, Environment{}, false, noop, out, err), kExitOk);
}

TEST(RunCommand, BadUrlIsAUsageError) {
  GlobalArgs globals;
  globals.url = "localhost:8081";
  std::ostringstream out, err;
  EXPECT_EQ(runCommand(
                globals, Environment{}, false, [](const Context&) { return 0; }, out, err),
            kExitUsage);
  EXPECT_NE(err.str().find("error: --url:"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace triggerd::cli
