#include "cli/run.h"

namespace triggerd::cli {

int runCommand(const GlobalArgs& globals, const Environment& env, bool needs_token,
               const Command& command, std::ostream& out, std::ostream& err) {
  if (globals.token_argument) {
    err << formatUsageError(Error::badRequest("--token", kTokenNotAnArgument));
    return kExitUsage;
  }
  ClientOptions options;
  options.unix_socket = globals.unix_socket;
  options.timeout_seconds = globals.timeout_seconds;
  auto url = resolveUrl(globals.url, env);
  if (!url) {
    err << formatUsageError(url.error());
    return kExitUsage;
  }
  options.base_url = std::move(url.value());
  if (needs_token) {
    auto token = resolveToken(globals.token_file, env);
    if (!token) {
      err << formatUsageError(token.error());
      return kExitUsage;
    }
    options.token = std::move(token.value());
  }
  ApiClient client(std::move(options));
  Context ctx{client, OutputOptions{globals.json, globals.pretty}, out, err};
  return command(ctx);
}

}  // namespace triggerd::cli
