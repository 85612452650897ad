// A blocking HTTP client for tests (libcurl easy): the test thread is not an event loop.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace triggerd::testing {

struct HttpCallResult {
  long status = 0;  // 0 when the transfer failed (see error)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;
  std::string header(const std::string& name) const;  // case-insensitive, "" when absent
};

struct HttpCallOptions {
  std::string ca_file;  // trust this CA file for https
  long timeout_ms = 10000;
  std::string unix_socket;  // talk over a unix socket
};

HttpCallResult httpCall(const std::string& method, const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& headers = {},
                        const std::string& body = "", const HttpCallOptions& options = {});

}  // namespace triggerd::testing
