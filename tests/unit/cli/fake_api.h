// Small helpers over FakeHttpServer for the triggerctl tests.
#pragma once

#include <sstream>
#include <string>

#include "cli/run.h"
#include "tests/support/tls_server.h"

namespace triggerd::cli {

// What a command run in-process printed and returned.
struct Output {
  int rc = -1;
  std::string out;
  std::string err;
};

// Runs `command` against the admin API at `url` with a user token, capturing its output.
inline Output runAgainst(const std::string& url, const Command& command, bool json = false,
                         bool pretty = false) {
  GlobalArgs globals;
  globals.url = url;
  globals.json = json;
  globals.pretty = pretty;
  globals.timeout_seconds = 5;
  Environment env;
  env.token = "tdu_test";
  std::ostringstream out, err;
  Output o;
  o.rc = runCommand(globals, env, true, command, out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

// An answer with a status and no body (204, redirects).
inline triggerd::testing::FakeResponse statusOnly(int status) {
  triggerd::testing::FakeResponse r;
  r.status = status;
  return r;
}

}  // namespace triggerd::cli
