#include "hooks/hook_spec.h"

#include "common/encoding.h"

namespace triggerd {

std::string webhookUrl(std::string_view public_base_url, const Trigger& t) {
  return std::string(public_base_url) + "/webhooks/" + providerName(t.provider) + "/" + t.id;
}

HookSpec hookSpecFor(const Trigger& t, std::string_view public_base_url, std::string_view secret) {
  HookSpec spec;
  spec.url = webhookUrl(public_base_url, t);
  spec.secret = std::string(secret);
  if (!t.signing_key.empty()) spec.signing_token = signingTokenOf(t.signing_key);
  return spec;
}

std::string newSigningKey(Random& rng) {
  return rng.bytes(32);
}

std::string signingTokenOf(std::string_view key) {
  return "whsec_" + base64Encode(key);
}

std::vector<RemoteHook> hooksOf(const std::vector<RemoteHook>& hooks, const Trigger& t,
                                std::string_view url) {
  std::vector<RemoteHook> out;
  for (const auto& h : hooks) {
    bool by_id = !t.hook_id.empty() && h.id == t.hook_id;
    if (h.url != url && !by_id) continue;
    if (by_id)
      out.insert(out.begin(), h);
    else
      out.push_back(h);
  }
  return out;
}

std::vector<std::string> hookDrift(const RemoteHook& hook, const Trigger& t, std::string_view url) {
  std::vector<std::string> out;
  if (hook.url != url)
    out.push_back("it points at " + hook.url + " instead of " + std::string(url));
  if (!hook.events_ok) out.push_back("it is not subscribed to push and tag push events");
  if (!hook.json_content) out.push_back("its content type is not JSON");
  if (!hook.tls_verified) out.push_back("TLS verification is off");
  if (!hook.secret_set) out.push_back("it has no secret");
  if (!t.signing_key.empty() && hook.signing_token_set.has_value() && !*hook.signing_token_set)
    out.push_back("it has no signing token");
  return out;
}

std::string hookDisabled(const RemoteHook& hook) {
  if (hook.active) return {};
  return hook.disabled_reason.empty() ? "the provider does not deliver to it"
                                      : hook.disabled_reason;
}

std::string joinSentences(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace triggerd
