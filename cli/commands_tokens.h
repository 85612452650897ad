// `triggerctl tokens ...`: user API tokens (admin only).
#pragma once

#include <string>

#include "cli/command_context.h"

namespace triggerd::cli {

int tokensCreate(const Context& ctx, const std::string& user, const std::string& name);
int tokensRevoke(const Context& ctx, const std::string& user, const std::string& id);

}  // namespace triggerd::cli
