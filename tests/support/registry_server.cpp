#include "tests/support/registry_server.h"

#include <stdexcept>

#include "common/json.h"
#include "tests/support/http_call.h"

namespace triggerd::testing {

RegistryServer::RegistryServer() : port_(freePort()) {
  dir_.write("config.yml",
             "version: 0.1\n"
             "log:\n  level: warn\n"
             "storage:\n  filesystem:\n    rootdirectory: " +
                 dir_.file("storage") +
                 "\n  delete:\n    enabled: true\n"
                 "http:\n  addr: 127.0.0.1:" +
                 std::to_string(port_) + "\n",
             0644);
  proc_ = std::make_unique<Subprocess>(
      std::vector<std::string>{"docker-registry", "serve", dir_.file("config.yml")},
      dir_.file("registry.log"));
  bool up = waitUntil([&] {
    if (!proc_->running()) return true;
    return httpCall("GET", "http://" + address() + "/v2/", {}, "", {"", 1000, ""}).status == 200;
  });
  if (!up || !proc_->running())
    throw std::runtime_error("docker-registry did not start: " + proc_->log());
}

RegistryServer::~RegistryServer() = default;

std::vector<std::string> RegistryServer::tags(const std::string& repository) const {
  auto r = httpCall("GET", "http://" + address() + "/v2/" + repository + "/tags/list");
  std::vector<std::string> out;
  if (r.status != 200) return out;
  auto doc = json::parse(r.body);
  if (!doc.ok() || !doc->IsObject()) return out;
  const auto* tags = json::member(*doc, "tags");
  if (!tags || !tags->IsArray()) return out;
  for (const auto& t : tags->GetArray())
    if (t.IsString()) out.emplace_back(t.GetString(), t.GetStringLength());
  return out;
}

}  // namespace triggerd::testing
