// The triggers admin API through the real daemon: CRUD, authentication, validation, secrecy.
#include <gtest/gtest.h>

#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"

namespace triggerd::testing {
namespace {

const char* kRules = R"([{"kind": "branch", "match": "main", "tags": ["latest"]}])";

class TriggersApiTest : public ::testing::Test {
 protected:
  TriggerdInstance tri_;
};

TEST_F(TriggersApiTest, CreateAnswersTheWebhookUrlAndSecretOnce) {
  std::string body =
      R"({"provider": "github", "repository": "octo/app", "image": "registry.example.com/team/app", "install_hook": false, "rules": )" +
      std::string(kRules) + "}";
  auto r = tri_.admin("POST", "/api/v1/users/alice/triggers", body);
  ASSERT_EQ(r.status, 201) << r.body << tri_.log();
  auto d = parseJson(r.body);
  std::string id = jsonString(d, "/trigger/id");
  std::string secret = jsonString(d, "/webhook/secret");
  EXPECT_EQ(jsonString(d, "/webhook/url"), "https://triggerd.test/webhooks/github/" + id);
  EXPECT_EQ(secret.size(), 64u);

  auto one = tri_.admin("GET", "/api/v1/users/alice/triggers/" + id);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.body.find(secret), std::string::npos);
  auto list = tri_.admin("GET", "/api/v1/users/alice/triggers");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(jsonSize(parseJson(list.body), "/triggers"), 1u);
  EXPECT_EQ(list.body.find(secret), std::string::npos);

  // At rest the secret is sealed: not in Redis in clear.
  auto stored = tri_.redis().cmd({"GET", "triggerd:trigger:" + id});
  ASSERT_TRUE(stored.isString());
  EXPECT_EQ(stored.str.find(secret), std::string::npos);
  EXPECT_EQ(tri_.log().find(secret), std::string::npos);
}

TEST_F(TriggersApiTest, UpdateAndDelete) {
  auto [id, secret] = tri_.createTrigger("alice", "gitlab", "group/project", kRules);
  auto p = tri_.admin("PATCH", "/api/v1/users/alice/triggers/" + id,
                      R"({"image": "registry.example.com/other/app", "enabled": false})");
  ASSERT_EQ(p.status, 200) << p.body;
  auto d = parseJson(p.body);
  EXPECT_EQ(jsonString(d, "/trigger/image"), "registry.example.com/other/app");
  EXPECT_FALSE(jsonBool(d, "/trigger/enabled"));

  auto del = tri_.admin("DELETE", "/api/v1/users/alice/triggers/" + id);
  EXPECT_EQ(del.status, 200);
  // A hand-made hook stays where the user put it: there is no hook report.
  EXPECT_NE(del.body.find("\"hook\":null"), std::string::npos) << del.body;
  EXPECT_EQ(tri_.admin("GET", "/api/v1/users/alice/triggers/" + id).status, 404);
  EXPECT_EQ(tri_.admin("DELETE", "/api/v1/users/alice/triggers/" + id).status, 404);
}

TEST_F(TriggersApiTest, InvalidInputIs422NamingTheField) {
  struct Case {
    std::string body;
    std::string field;
  };
  std::vector<Case> cases = {
      {R"({"repository": "octo/app", "image": "registry.example.com/a", "rules": [{"kind": "branch", "match": "main", "tags": ["x"]}]})",
       "provider"},
      {R"({"provider": "svn", "repository": "octo/app", "image": "registry.example.com/a", "rules": [{"kind": "branch", "match": "main", "tags": ["x"]}]})",
       "provider"},
      {R"({"provider": "github", "repository": "octo/app", "image": "Registry.Example.com/A:latest", "rules": [{"kind": "branch", "match": "main", "tags": ["x"]}]})",
       "image"},
      {R"({"provider": "github", "repository": "octo/app", "image": "registry.example.com/a", "rules": [{"kind": "branch", "match": "(unclosed", "tags": ["x"]}]})",
       "rules[0].match"},
      {R"({"provider": "github", "repository": "octo/app", "image": "registry.example.com/a", "rules": [{"kind": "branch", "match": "main", "tags": ["{3}"]}]})",
       "rules[0].tags[0]"},
  };
  for (const auto& c : cases) {
    auto r = tri_.admin("POST", "/api/v1/users/alice/triggers", c.body);
    EXPECT_EQ(r.status, 422) << c.body << " -> " << r.body;
    auto d = parseJson(r.body);
    ASSERT_TRUE(jsonHas(d, "/field")) << r.body;
    EXPECT_EQ(jsonString(d, "/field"), c.field) << r.body;
  }
  auto bad_json = tri_.admin("POST", "/api/v1/users/alice/triggers", "{not json");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(
      jsonSize(parseJson(tri_.admin("GET", "/api/v1/users/alice/triggers").body), "/triggers"), 0u);
}

TEST_F(TriggersApiTest, AuthenticationAndUserScope) {
  auto none = httpCall("GET", tri_.adminUrl("/api/v1/users/alice/triggers"));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(jsonString(parseJson(none.body), "/field"), "Authorization");
  EXPECT_EQ(tri_.admin("GET", "/api/v1/users/alice/triggers", "", "wrong-token").status, 401);

  auto minted = tri_.admin("POST", "/api/v1/users/alice/tokens", R"({"name": "ci"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  std::string user_token = jsonString(parseJson(minted.body), "/token");
  EXPECT_EQ(tri_.admin("GET", "/api/v1/users/alice/triggers", "", user_token).status, 200);
  auto other = tri_.admin("GET", "/api/v1/users/bob/triggers", "", user_token);
  EXPECT_EQ(other.status, 403);
  // A user token cannot mint tokens.
  EXPECT_EQ(tri_.admin("POST", "/api/v1/users/alice/tokens", R"({"name": "x"})", user_token).status,
            403);
  // The token is stored only as a hash.
  auto keys = tri_.redis().cmd({"KEYS", "triggerd:token:*"});
  ASSERT_EQ(keys.elements.size(), 1u);
  EXPECT_EQ(keys.elements[0].str.find(user_token), std::string::npos);
}

TEST_F(TriggersApiTest, InvalidUserIdIsRefused) {
  auto r = tri_.admin("GET", "/api/v1/users/bad%20user/triggers");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(jsonString(parseJson(r.body), "/field"), "user");
}

TEST_F(TriggersApiTest, DotSegmentsAreNoUserIds) {
  for (const char* user : {"%2E", "%2E%2E"}) {
    auto r = tri_.admin("GET", std::string("/api/v1/users/") + user + "/triggers");
    EXPECT_EQ(r.status, 400) << user << " " << r.body;
    EXPECT_EQ(jsonString(parseJson(r.body), "/field"), "user") << r.body;
  }
}

// Security: rules are costly to compile in proportion to their patterns; the API caps what one
// trigger and one user may ask for.
TEST(TriggerLimitsTest, HeavyRulesAndTooManyTriggersAre422) {
  TriggerdOptions o;
  o.extra_toml = "[triggers]\nmax_per_user = 2\nmax_rule_program_size = 5000\n";
  TriggerdInstance tri(o);
  std::string heavy = "[";
  for (int i = 0; i < 32; ++i)
    heavy += std::string(i ? "," : "") + R"({"kind": "branch", "match": "\\p{L}{50}x)" +
             std::to_string(i) + R"(", "tags": ["latest"]})";
  heavy += "]";
  auto r = tri.admin("POST", "/api/v1/users/alice/triggers",
                     R"({"provider": "github", "repository": "octo/app", "image": "team/app",
                         "install_hook": false, "rules": )" +
                         heavy + "}");
  ASSERT_EQ(r.status, 422) << r.body;
  auto d = parseJson(r.body);
  std::string field = jsonString(d, "/field");
  EXPECT_EQ(field.rfind("rules[", 0), 0u) << field;
  EXPECT_NE(jsonString(d, "/error").find("triggers.max_rule_program_size"), std::string::npos)
      << r.body;

  for (int i = 0; i < 2; ++i) tri.createTrigger("alice", "github", "octo/app", kRules);
  auto third = tri.admin("POST", "/api/v1/users/alice/triggers",
                         R"({"provider": "github", "repository": "octo/app", "image": "team/app",
                             "install_hook": false, "rules": )" +
                             std::string(kRules) + "}");
  EXPECT_EQ(third.status, 422) << third.body;
  EXPECT_NE(third.body.find("triggers.max_per_user"), std::string::npos) << third.body;
  // Another user is not affected.
  EXPECT_FALSE(tri.createTrigger("bob", "github", "octo/app", kRules).first.empty());
}

}  // namespace
}  // namespace triggerd::testing
