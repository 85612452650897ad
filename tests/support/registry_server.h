// A real container registry for tests: Debian's docker-registry (the CNCF distribution
// registry) on a free loopback port, plain HTTP, storage in a temp dir, configured by a file
// written here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace triggerd::testing {

class RegistryServer {
 public:
  RegistryServer();  // throws when it does not start answering
  ~RegistryServer();

  // "127.0.0.1:<port>": the registry part of an image name.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // GET /v2/<repository>/tags/list: the tags pushed so far (none when the repository is unknown).
  std::vector<std::string> tags(const std::string& repository) const;

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Subprocess> proc_;
};

}  // namespace triggerd::testing
