// What every triggerctl command runs with (the client, output mode and streams) and the shared
// steps: make a call, report failures with the right exit code, print --json answers.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "cli/api_client.h"

namespace triggerd::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitApiError = 1,     // the daemon answered with an error (or an answer we cannot use)
  kExitUsage = 2,        // bad arguments or unreadable local files
  kExitUnreachable = 3,  // no answer from the daemon
};

struct OutputOptions {
  bool json = false;    // print the API's JSON answer instead of tables
  bool pretty = false;  // with json: re-indent it
};

struct Context {
  const ApiClient& client;
  OutputOptions output;
  std::ostream& out;
  std::ostream& err;
};

// The outcome of one call: on success the 2xx answer and its parsed body (a null document for
// an empty body, e.g. 204); otherwise the exit code, the failure already printed on ctx.err.
struct Answer {
  int exit_code = kExitOk;
  ApiResponse response;
  rapidjson::Document doc;
  bool ok() const { return exit_code == kExitOk; }
};

Answer callApi(const Context& ctx, std::string_view method, const std::string& path,
               std::string_view body = {}, bool authenticated = true,
               const ExtraHeaders& headers = {});

// With --json: prints `body` (verbatim, or re-indented with --pretty) and returns true, so the
// caller skips its human output. An empty body prints nothing.
bool printJsonIfAsked(const Context& ctx, std::string_view body);

// Reports an answer whose shape is not the documented one; returns kExitApiError.
int unexpectedAnswer(const Context& ctx, std::string_view what);

// Reports a local problem (bad --rule, unreadable file); returns kExitUsage.
int usageError(const Context& ctx, const Error& error);
// "error: <field>: <message>\n" for such a problem.
std::string formatUsageError(const Error& error);

// The pretty-printed form of JSON text; the text unchanged when it does not parse.
std::string prettyJson(std::string_view text);

}  // namespace triggerd::cli
