// Admin-wide commands: `keys reseal`, `sources check` and `health`.
#pragma once

#include "cli/command_context.h"

namespace triggerd::cli {

int keysReseal(const Context& ctx);
// Re-validates every bound provider token now (POST /api/v1/admin/tokens/check).
int sourcesCheck(const Context& ctx);
// GET /readyz without a token: 0 when ready, 1 when triggerd answers it is not (or answers
// something else), 3 when it does not answer.
int health(const Context& ctx);

}  // namespace triggerd::cli
