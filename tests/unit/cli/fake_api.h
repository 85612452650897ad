// Small helpers over FakeHttpServer for the triggerctl tests.
#pragma once

#include "tests/support/tls_server.h"

namespace triggerd::cli {

// An answer with a status and no body (204, redirects).
inline triggerd::testing::FakeResponse statusOnly(int status) {
  triggerd::testing::FakeResponse r;
  r.status = status;
  return r;
}

}  // namespace triggerd::cli
