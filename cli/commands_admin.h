// `triggerctl keys reseal` and `triggerctl health`.
#pragma once

#include "cli/command_context.h"

namespace triggerd::cli {

int keysReseal(const Context& ctx);
// GET /readyz without a token: 0 when ready, 1 when triggerd answers it is not (or answers
// something else), 3 when it does not answer.
int health(const Context& ctx);

}  // namespace triggerd::cli
