// The admin-only routes on the fake Redis: minting and revoking user tokens, the reseal sweep's
// outcome, and the token check summary.
#include <gtest/gtest.h>

#include <string>

#include "common/digest.h"
#include "tests/support/json_doc.h"
#include "tests/support/loop_runner.h"
#include "tests/support/redis_dump.h"
#include "tests/support/sample_trigger.h"
#include "tests/support/test_keys.h"
#include "tests/unit/handlers/route_harness.h"

namespace triggerd::testing {
namespace {

TEST(TokenRoutes, AMintedTokenIsShownOnceActsForItsUserAndDiesWhenRevoked) {
  RouteHarness api;
  auto minted = api.admin("POST", "/api/v1/users/alice/tokens", R"({"name": "ci"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  auto d = parseJson(minted.body);
  const std::string token = jsonString(d, "/token");
  const std::string id = jsonString(d, "/id");
  EXPECT_EQ(token.rfind("tdu_", 0), 0u);
  EXPECT_EQ(id, sha256Hex(token).substr(0, 16));
  EXPECT_EQ(jsonString(d, "/user"), "alice");
  EXPECT_EQ(jsonString(d, "/name"), "ci");
  EXPECT_EQ(redisDump(api.redis()).find(token), std::string::npos);  // only its hash is kept

  EXPECT_EQ(api.call("GET", "/api/v1/users/alice/triggers", token).status, 200);
  EXPECT_EQ(api.call("GET", "/api/v1/users/bob/triggers", token).status, 403);
  // A user token cannot mint more tokens, not even for its own user.
  EXPECT_EQ(api.call("POST", "/api/v1/users/alice/tokens", token, "{}").status, 403);

  EXPECT_EQ(api.admin("DELETE", "/api/v1/users/bob/tokens/" + id).status, 404);
  auto revoked = api.admin("DELETE", "/api/v1/users/alice/tokens/" + id);
  EXPECT_EQ(revoked.status, 204) << revoked.body;
  auto after = api.call("GET", "/api/v1/users/alice/triggers", token);
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.body.find("unknown or revoked token"), std::string::npos);
  auto again = api.admin("DELETE", "/api/v1/users/alice/tokens/" + id);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.errorField(), "id");
}

TEST(TokenRoutes, MintDefaultsTheNameAndRefusesBadOnes) {
  RouteHarness api;
  auto unnamed = api.admin("POST", "/api/v1/users/alice/tokens", "");
  ASSERT_EQ(unnamed.status, 201) << unnamed.body;
  EXPECT_EQ(jsonString(parseJson(unnamed.body), "/name"), "token");
  for (const std::string& body : {std::string(R"({"name": ""})"), std::string(R"({"name": 7})"),
                                  R"({"name": ")" + std::string(65, 'n') + "\"}"}) {
    auto r = api.admin("POST", "/api/v1/users/alice/tokens", body);
    EXPECT_EQ(r.status, 422) << body;
    EXPECT_EQ(r.errorField(), "name");
  }
  auto unknown = api.admin("POST", "/api/v1/users/alice/tokens", R"({"nmae": "x"})");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.errorField(), "nmae");
}

// A trigger written with `key` as the only key of the keyring.
void storeTriggerSealedWith(RouteHarness& api, const std::string& key, const std::string& id) {
  Keyring ring = keyringOf(key);
  SecureRandom rng;
  SealedRecords records(api.redis(), ring, rng);
  TriggerStore store(records, api.keys());
  Trigger t = sampleTrigger();
  t.id = id;
  auto created = await<Status>(api.loop(), [&](auto cb) { store.create(t, cb); });
  ASSERT_TRUE(created.ok()) << created.error().message;
}

TEST(AdminRoutes, ResealReportsResealedCurrentAndLeftBehindRecords) {
  // The keyring now: a new primary, the old key still accepted.
  RouteHarnessOptions options;
  options.master_key = masterKey('n');
  options.previous_master_keys = {masterKey('o')};
  RouteHarness api(options);
  storeTriggerSealedWith(api, masterKey('o'), "01JD0000000000000000000001");  // to reseal
  storeTriggerSealedWith(api, masterKey('n'), "01JD0000000000000000000002");  // current
  storeTriggerSealedWith(api, masterKey('x'), "01JD0000000000000000000003");  // unknown key

  auto r = api.admin("POST", "/api/v1/admin/keys/reseal");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parseJson(r.body);
  EXPECT_EQ(jsonInt(d, "/resealed"), 1);
  EXPECT_EQ(jsonInt(d, "/current"), 1);
  EXPECT_EQ(jsonString(d, "/key_id"), deriveKeyId(masterKey('n')));
  ASSERT_EQ(jsonSize(d, "/left_behind"), 1u);
  EXPECT_EQ(jsonString(d, "/left_behind/0"), api.keys().trigger("01JD0000000000000000000003"));
  EXPECT_NE(jsonString(d, "/error").find("1 records could not be opened"), std::string::npos);

  // The resealed record opens with the new key alone now.
  std::string stored =
      api.redis().cmd({"GET", api.keys().trigger("01JD0000000000000000000001")}).str;
  EXPECT_FALSE(api.triggers().needsReseal(stored));
  auto again = parseJson(api.admin("POST", "/api/v1/admin/keys/reseal").body);
  EXPECT_EQ(jsonInt(again, "/resealed"), 0);
  EXPECT_EQ(jsonInt(again, "/current"), 2);
}

TEST(AdminRoutes, ResealWithNothingLeftBehindHasNoError) {
  RouteHarness api;
  api.createTrigger("alice");
  auto d = parseJson(api.admin("POST", "/api/v1/admin/keys/reseal").body);
  EXPECT_EQ(jsonInt(d, "/current"), 1);
  EXPECT_EQ(jsonSize(d, "/left_behind"), 0u);
  EXPECT_FALSE(jsonHas(d, "/error"));
}

TEST(AdminRoutes, ResealStopsWith503WhenRedisFails) {
  RouteHarness api;
  api.createTrigger("alice");
  api.redis().failNext(1);
  auto r = api.admin("POST", "/api/v1/admin/keys/reseal");
  EXPECT_EQ(r.status, 503) << r.body;
}

TEST(AdminRoutes, TokenCheckWithNoSourcesCountsNothing) {
  RouteHarness api;
  auto r = api.admin("POST", "/api/v1/admin/tokens/check");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parseJson(r.body);
  for (const char* count :
       {"/checked", "/valid", "/expiring", "/expired", "/revoked", "/unreachable"})
    EXPECT_EQ(jsonInt(d, count), 0) << count;
}

}  // namespace
}  // namespace triggerd::testing
