// What a trigger's hook must look like and how a hook found on the provider differs: pure.
#include "hooks/hook_spec.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace triggerd {
namespace {

Trigger trigger() {
  Trigger t;
  t.id = "01JD0000000000000000000000";
  t.provider = Provider::kGitlab;
  t.secret = "s3cret";
  return t;
}

RemoteHook rightHook(const std::string& url) {
  RemoteHook h;
  h.id = "7";
  h.url = url;
  h.events_ok = true;
  return h;
}

constexpr const char* kBase = "https://triggerd.example.com";
const std::string kUrl = std::string(kBase) + "/webhooks/gitlab/01JD0000000000000000000000";

TEST(HookSpec, UrlAndSpecComeFromTheTrigger) {
  Trigger t = trigger();
  EXPECT_EQ(webhookUrl(kBase, t), kUrl);
  HookSpec spec = hookSpecFor(t, kBase, "other-secret");
  EXPECT_EQ(spec.url, kUrl);
  EXPECT_EQ(spec.secret, "other-secret");
  EXPECT_TRUE(spec.signing_token.empty());
  t.signing_key = std::string(32, '\x01');
  spec = hookSpecFor(t, kBase, t.secret);
  ASSERT_EQ(spec.signing_token.rfind("whsec_", 0), 0u);
  EXPECT_EQ(base64Decode(spec.signing_token.substr(6)), t.signing_key);
}

TEST(HookSpec, NewSigningKeysAre32RandomBytes) {
  SecureRandom rng;
  std::string a = newSigningKey(rng), b = newSigningKey(rng);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(HookSpec, OursAreFoundByUrlTheOneWithTheTriggersIdFirst) {
  Trigger t = trigger();
  std::vector<RemoteHook> hooks{rightHook("https://ci.example.com/x"), rightHook(kUrl),
                                rightHook(kUrl), rightHook("https://old.example.com/hook")};
  hooks[1].id = "11";
  hooks[2].id = "12";
  hooks[3].id = "13";
  auto found = hooksOf(hooks, t, kUrl);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].id, "11");  // the provider's order
  t.hook_id = "13";              // the trigger's own hook, at an old URL: found and first
  found = hooksOf(hooks, t, kUrl);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].id, "13");
}

TEST(HookSpec, DriftNamesEachDifference) {
  Trigger t = trigger();
  EXPECT_TRUE(hookDrift(rightHook(kUrl), t, kUrl).empty());
  RemoteHook wrong = rightHook("https://old.example.com/hook");
  wrong.events_ok = false;
  wrong.json_content = false;
  wrong.tls_verified = false;
  wrong.secret_set = false;
  auto drift = hookDrift(wrong, t, kUrl);
  ASSERT_EQ(drift.size(), 5u);
  EXPECT_NE(drift[0].find("instead of " + kUrl), std::string::npos);
  EXPECT_NE(joinSentences(drift).find("no secret"), std::string::npos);
  // A missing signing token matters only when the trigger has a key and the server says so.
  t.signing_key = "k";
  RemoteHook unsigned_hook = rightHook(kUrl);
  EXPECT_TRUE(hookDrift(unsigned_hook, t, kUrl).empty());  // the server does not say
  unsigned_hook.signing_token_set = false;
  EXPECT_EQ(hookDrift(unsigned_hook, t, kUrl), std::vector<std::string>{"it has no signing token"});
}

TEST(HookSpec, DisabledSaysWhyInTheProvidersWords) {
  RemoteHook h = rightHook(kUrl);
  EXPECT_EQ(hookDisabled(h), "");
  h.active = false;
  EXPECT_EQ(hookDisabled(h), "the provider does not deliver to it");
  h.disabled_reason = "GitLab disabled the hook after failed deliveries (alert_status x)";
  EXPECT_EQ(hookDisabled(h), h.disabled_reason);
}

}  // namespace
}  // namespace triggerd
