// The trigger routes on the fake Redis: what each answer carries, ownership, concurrent changes
// and Redis failures.
#include <gtest/gtest.h>

#include <string>

#include "store/scripts.h"
#include "tests/support/json_doc.h"
#include "tests/unit/handlers/route_harness.h"

namespace triggerd::testing {
namespace {

constexpr const char* kCreateBody =
    R"({"provider": "github", "repository": "octo/app", "image": "registry.example.com/team/app",)"
    R"( "install_hook": false,)"
    R"( "rules": [{"kind": "branch", "match": "main", "tags": ["latest"]}]})";

std::string triggerPath(const std::string& user, const std::string& id = "") {
  return "/api/v1/users/" + user + "/triggers" + (id.empty() ? "" : "/" + id);
}

class TriggerRoutesTest : public ::testing::Test {
 protected:
  // The trigger as stored now, opened with the keyring (no loop turn: usable inside a command).
  Trigger stored(const std::string& id) {
    auto t = api_.triggers().decode(api_.redis().cmd({"GET", api_.keys().trigger(id)}).str);
    EXPECT_TRUE(t.ok()) << id << ": " << t.error().message;
    return t.ok() ? *t : Trigger{};
  }

  RouteHarness api_;
};

TEST_F(TriggerRoutesTest, CreateAnswers201WithLocationAndTheSecretOnlyThisOnce) {
  auto r = api_.admin("POST", triggerPath("alice"), kCreateBody);
  ASSERT_EQ(r.status, 201) << r.body;
  auto d = parseJson(r.body);
  const std::string id = jsonString(d, "/trigger/id");
  const std::string secret = jsonString(d, "/webhook/secret");
  EXPECT_EQ(id.size(), 26u);
  EXPECT_EQ(r.header("Location"), triggerPath("alice", id));
  EXPECT_EQ(jsonString(d, "/trigger/user"), "alice");
  EXPECT_EQ(jsonString(d, "/webhook/url"), "https://triggerd.test/webhooks/github/" + id);
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_EQ(jsonString(d, "/webhook/events/0"), "push");

  auto one = api_.admin("GET", triggerPath("alice", id));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(jsonString(parseJson(one.body), "/trigger/id"), id);
  EXPECT_EQ(one.body.find(secret), std::string::npos);
  auto list = api_.admin("GET", triggerPath("alice"));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(jsonSize(parseJson(list.body), "/triggers"), 1u);
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  // At rest the secret is sealed: Redis never holds it in clear.
  EXPECT_EQ(api_.redis().cmd({"GET", api_.keys().trigger(id)}).str.find(secret), std::string::npos);
  EXPECT_EQ(stored(id).secret, secret);
}

TEST_F(TriggerRoutesTest, AnotherUsersTriggerIs404ForEveryOperation) {
  const std::string id = api_.createTrigger("alice");
  const std::string bob = api_.mintToken("bob");
  for (const auto& [method, suffix, body] :
       {std::tuple{"GET", "", ""}, std::tuple{"PATCH", "", R"({"enabled": false})"},
        std::tuple{"DELETE", "", ""},
        std::tuple{"POST", "/hook/repair", R"({"rotate_secret": true})"}}) {
    for (const std::string& token : {bob, std::string(RouteHarness::kAdminToken)}) {
      auto r = api_.call(method, triggerPath("bob", id) + suffix, token, body);
      EXPECT_EQ(r.status, 404) << method << suffix << ": " << r.body;
      EXPECT_EQ(r.errorField(), "id");
    }
  }
  EXPECT_EQ(jsonSize(parseJson(api_.admin("GET", triggerPath("bob")).body), "/triggers"), 0u);
  Trigger kept = stored(id);  // untouched by bob's attempts
  EXPECT_TRUE(kept.enabled);
  EXPECT_TRUE(kept.previous_secret.empty());
  // Ids that are not ULIDs are 404 without a Redis read.
  const size_t sent = api_.redis().sent().size();
  EXPECT_EQ(api_.admin("GET", triggerPath("alice", "not-an-id")).status, 404);
  EXPECT_EQ(api_.redis().sent().size(), sent);
}

TEST_F(TriggerRoutesTest, PatchAppliesToTheTriggerAsStoredAndKeepsAConcurrentChange) {
  const std::string id = api_.createTrigger("alice");
  // Between the handler's read and its write, a delivery marks the hook verified.
  bool changed = false;
  api_.redis().setBeforeCommand([&](const std::vector<std::string>& argv) {
    if (changed || argv[0] != "EVAL" || argv[1] != kCompareAndSetScript) return;
    changed = true;
    Trigger t = stored(id);
    t.hook_verified = true;
    api_.redis().cmd({"SET", api_.keys().trigger(id), api_.triggers().encode(t)});
  });
  api_.clock().advance(std::chrono::seconds(60));
  auto r = api_.admin("PATCH", triggerPath("alice", id),
                      R"({"image": "registry.example.com/team/other"})");
  api_.redis().setBeforeCommand(nullptr);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(changed);
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonString(d, "/trigger/image"), "registry.example.com/team/other");
  EXPECT_TRUE(jsonBool(d, "/trigger/hook/verified"));
  EXPECT_EQ(jsonString(d, "/trigger/updated_at"), "2025-11-25T10:01:00Z");
  Trigger now = stored(id);
  EXPECT_EQ(now.image, "registry.example.com/team/other");
  EXPECT_TRUE(now.hook_verified);
}

TEST_F(TriggerRoutesTest, PatchRefusesFieldsThatCannotChange) {
  const std::string id = api_.createTrigger("alice");
  auto r = api_.admin("PATCH", triggerPath("alice", id), R"({"provider": "gitlab"})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.errorField(), "provider");
  auto bad = api_.admin("PATCH", triggerPath("alice", id), "[1]");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.errorField(), "body");
  EXPECT_EQ(stored(id).provider, Provider::kGithub);
}

TEST_F(TriggerRoutesTest, CreateRefusesInvalidBodiesNamingTheField) {
  auto not_json = api_.admin("POST", triggerPath("alice"), "{\"provider\": ");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.errorField(), "body");
  auto bad_image = api_.admin(
      "POST", triggerPath("alice"),
      R"({"provider": "github", "repository": "octo/app", "image": "Registry/UPPER", "rules": []})");
  EXPECT_EQ(bad_image.status, 422);
  EXPECT_FALSE(bad_image.errorField().empty());
  EXPECT_EQ(api_.redis().cmd({"SCARD", api_.keys().userTriggers("alice")}).integer, 0);
}

// A hand-made hook (install_hook false) is the user's to remove: the report's hook is null.
TEST_F(TriggerRoutesTest, DeleteAnswers200AndForgetsTheTrigger) {
  const std::string id = api_.createTrigger("alice");
  auto r = api_.admin("DELETE", triggerPath("alice", id));
  EXPECT_EQ(r.status, 200);
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonString(d, "/deleted"), id);
  EXPECT_TRUE(d["hook"].IsNull()) << r.body;
  EXPECT_EQ(api_.admin("GET", triggerPath("alice", id)).status, 404);
  EXPECT_EQ(api_.admin("DELETE", triggerPath("alice", id)).status, 404);
  EXPECT_EQ(api_.redis()
                .cmd({"EXISTS", api_.keys().trigger(id), api_.keys().userTriggers("alice"),
                      api_.keys().allTriggers()})
                .integer,
            0);
}

TEST_F(TriggerRoutesTest, RotatingTheSecretKeepsTheOldOneForTheGraceWindow) {
  const std::string id = api_.createTrigger("alice");
  const std::string before(stored(id).secret);
  auto r =
      api_.admin("POST", triggerPath("alice", id) + "/hook/repair", R"({"rotate_secret": true})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parseJson(r.body);
  const std::string secret = jsonString(d, "/webhook/secret");
  EXPECT_NE(secret, before);
  EXPECT_EQ(jsonString(d, "/webhook/previous_secret_valid_until"), "2025-11-26T10:00:00Z");
  Trigger now = stored(id);
  EXPECT_EQ(now.secret, secret);
  EXPECT_EQ(now.previous_secret, before);

  auto without = api_.admin("POST", triggerPath("alice", id) + "/hook/repair", "");
  ASSERT_EQ(without.status, 200);
  EXPECT_FALSE(jsonHas(parseJson(without.body), "/webhook/secret"));
  EXPECT_EQ(stored(id).secret, secret);
}

// Redis down or refusing: 503, worded once by the client ("redis unavailable: ...") or by
// expectReply ("redis refused <what>: <reply>"), whichever route it is.
TEST_F(TriggerRoutesTest, RedisFailuresAre503WithOneWording) {
  const std::string id = api_.createTrigger("alice");
  const std::string alice = api_.mintToken("alice");
  api_.redis().setConnected(false);
  struct Case {
    const char* method;
    std::string path, token, body;
  };
  const std::string admin = RouteHarness::kAdminToken;
  for (const Case& c : {Case{"POST", triggerPath("alice"), admin, kCreateBody},
                        Case{"GET", triggerPath("alice"), admin, ""},
                        Case{"GET", triggerPath("alice", id), admin, ""},
                        Case{"DELETE", triggerPath("alice", id), admin, ""},
                        Case{"GET", triggerPath("alice"), alice, ""},  // the token lookup fails
                        Case{"POST", "/api/v1/users/alice/tokens", admin, R"({"name": "ci"})"}}) {
    auto r = api_.call(c.method, c.path, c.token, c.body);
    EXPECT_EQ(r.status, 503) << c.method << " " << c.path << ": " << r.body;
    EXPECT_EQ(jsonString(parseJson(r.body), "/error").rfind("redis unavailable: ", 0), 0u)
        << r.body;
  }
  EXPECT_EQ(api_.call("GET", "/readyz", "", "", Listener::kPublic).status, 503);
  api_.redis().setConnected(true);

  api_.redis().replyErrorNext("OOM command not allowed when used memory > 'maxmemory'.");
  auto refused = api_.admin("POST", triggerPath("alice"), kCreateBody);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(jsonString(parseJson(refused.body), "/error").rfind("redis refused creating ", 0), 0u)
      << refused.body;
  EXPECT_NE(refused.body.find("OOM command not allowed"), std::string::npos);
  EXPECT_EQ(jsonSize(parseJson(api_.admin("GET", triggerPath("alice")).body), "/triggers"), 1u);
}

}  // namespace
}  // namespace triggerd::testing
