// Outbound HTTP for tests: a CurlMultiClient may reach the fake servers on 127.0.0.1, which the
// address guard refuses by default (docs/http-limits.md).
#pragma once

#include "http/curl_multi_client.h"

namespace triggerd::testing {

inline CurlMultiClient::Options loopbackClientOptions() {
  CurlMultiClient::Options options;
  auto guard = AddressGuard::fromStrings({"127.0.0.0/8"});
  if (guard.ok()) options.address_guard = *guard;
  return options;
}

}  // namespace triggerd::testing
