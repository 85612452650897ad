// Turns the parsed global options into a client and runs one command with it: the part of
// main() after argument parsing, kept here so tests can drive it in-process.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "cli/command_context.h"
#include "cli/settings.h"

namespace triggerd::cli {

struct GlobalArgs {
  std::string url;  // empty: TRIGGERCTL_URL or the default
  std::string unix_socket;
  std::string token_file;       // empty: TRIGGERCTL_TOKEN_FILE or TRIGGERCTL_TOKEN
  bool token_argument = false;  // someone tried --token VALUE: refused, see kTokenNotAnArgument
  bool json = false;
  bool pretty = false;
  long timeout_seconds = 30;
};

using Command = std::function<int(const Context&)>;

// Resolves URL and (when `needs_token`) the token, then runs `command`. Problems with the
// settings are usage errors (exit 2), reported on `err`.
int runCommand(const GlobalArgs& globals, const Environment& env, bool needs_token,
               const Command& command, std::ostream& out, std::ostream& err);

}  // namespace triggerd::cli
