// What a trigger's hook must look like on the provider, and how a hook found there differs from
// it. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "providers/hook_types.h"
#include "triggers/trigger.h"

namespace triggerd {

// {public_base_url}/webhooks/{provider}/{trigger id}: the URL that identifies a trigger's hook
// among the repository's hooks.
std::string webhookUrl(std::string_view public_base_url, const Trigger& t);

// The spec for `t` with `secret` (the trigger's, or a new one during a rotation). The signing
// token is the trigger's signing key, when it has one.
HookSpec hookSpecFor(const Trigger& t, std::string_view public_base_url, std::string_view secret);

// A Standard Webhooks signing token, "whsec_" + base64 of 32 random bytes, and its key bytes.
std::string newSigningKey(Random& rng);
std::string signingTokenOf(std::string_view key);

// The trigger's hooks among `hooks`: those at its URL, and the one with its hook id whatever its
// URL (a changed public_base_url). The one to keep comes first: the trigger's hook id if there,
// else the first by the provider's order.
std::vector<RemoteHook> hooksOf(const std::vector<RemoteHook>& hooks, const Trigger& t,
                                std::string_view url);

// What is wrong with `hook` for `t`, one sentence each; empty when nothing triggerd can see is
// wrong. Secrets are never shown back, so only a missing secret or signing token shows. The
// active state is left out: hookDisabled() says it.
std::vector<std::string> hookDrift(const RemoteHook& hook, const Trigger& t, std::string_view url);

// Why the provider does not deliver to `hook`, or empty when it does.
std::string hookDisabled(const RemoteHook& hook);

// "a; b; c"
std::string joinSentences(const std::vector<std::string>& parts);

}  // namespace triggerd
