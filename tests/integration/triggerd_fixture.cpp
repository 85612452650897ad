#include "tests/integration/triggerd_fixture.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "common/digest.h"
#include "tests/support/json_doc.h"

namespace triggerd::testing {

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::string githubPush(const std::string& relative, int variant) {
  std::string body = fixture(relative);
  // The published examples were pushed at 1557933657 (2019-05-15) by commit 6113728f...
  replaceAll(body, "1557933657", std::to_string(time(nullptr)));
  if (variant != 0)
    replaceAll(body, "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
               sha256Hex(std::to_string(variant)).substr(0, 40));
  return body;
}

TriggerdInstance::TriggerdInstance(TriggerdOptions options) : options_(std::move(options)) {
  if (options_.shared_redis) {
    redis_ = options_.shared_redis;
  } else {
    RedisServer::Options ro;
    ro.appendonly = options_.redis_appendonly;
    ro.appendfsync = options_.redis_appendfsync;
    own_redis_ = std::make_unique<RedisServer>(ro);
    redis_ = own_redis_.get();
  }
  public_port_ = options_.public_port ? options_.public_port : freePort();
  admin_port_ = freePort();
  while (admin_port_ == public_port_) admin_port_ = freePort();
  admin_token_ = "test-admin-token-0123456789abcdef";
  writeConfig();
  start();
}

TriggerdInstance::~TriggerdInstance() {
  if (proc_ && proc_->running()) {
    int rc = proc_->stop(15);
    if (rc != 0) ADD_FAILURE() << "triggerd exited with " << rc << " on SIGTERM:\n" << log();
  }
}

void TriggerdInstance::writeConfig() {
  dir_.write("master.key", options_.master_key_hex + "\n");
  std::string previous_files;
  for (size_t i = 0; i < options_.previous_master_keys_hex.size(); ++i) {
    std::string name = "previous-" + std::to_string(i) + ".key";
    dir_.write(name, options_.previous_master_keys_hex[i] + "\n");
    previous_files += std::string(previous_files.empty() ? "" : ", ") + "\"" + name + "\"";
  }
  for (const auto& [name, content] : options_.files) dir_.write(name, content);
  std::string toml;
  toml += "[server]\n";
  toml += "public_listen = \"127.0.0.1:" + std::to_string(public_port_) + "\"\n";
  toml += "admin_listen = \"127.0.0.1:" + std::to_string(admin_port_) + "\"\n";
  std::string base = !options_.public_base_url.empty() ? options_.public_base_url
                     : options_.public_base_url_is_listener
                         ? "http://127.0.0.1:" + std::to_string(public_port_)
                         : "https://triggerd.test";
  toml += "public_base_url = \"" + base + "\"\n";
  toml += "log_level = \"debug\"\n";
  toml += options_.server_extra + "\n";
  toml += "\n[redis]\naddress = \"" + redis().address() + "\"\n";
  toml += "command_timeout = \"500ms\"\nconnect_timeout = \"500ms\"\n";
  toml += options_.redis_extra + "\n";
  toml += "\n[security]\nmaster_key_file = \"master.key\"\n";
  toml += "previous_master_key_files = [" + previous_files + "]\n";
  toml += "admin_token_sha256 = [\"" + sha256Hex(admin_token_) + "\"]\n";
  toml += options_.security_extra + "\n";
  if (!options_.limits_toml.empty()) toml += "\n[limits]\n" + options_.limits_toml + "\n";
  if (!options_.github_extra.empty()) toml += "\n[github]\n" + options_.github_extra + "\n";
  toml += options_.extra_toml + "\n";
  dir_.write("triggerd.toml", toml, 0644);
  config_path_ = dir_.file("triggerd.toml");
}

void TriggerdInstance::start() {
  std::vector<std::string> argv{triggerdBinary(), "--config", config_path_};
  argv.insert(argv.end(), options_.args.begin(), options_.args.end());
  proc_ = std::make_unique<Subprocess>(std::move(argv), dir_.file("triggerd.log"), options_.env);
  if (!options_.wait_ready) return;
  // The admin listener: the public port may be shared with other processes (reuse_port).
  bool became_ready = waitUntil([&] { return !proc_->running() || ready(); });
  if (!became_ready || !proc_->running())
    throw std::runtime_error("triggerd did not become ready:\n" + log());
}

bool TriggerdInstance::ready() {
  return httpCall("GET", adminUrl("/readyz"), {}, "", {"", 1000, ""}).status == 200;
}

void TriggerdInstance::restartWithKeys(const std::string& master_key_hex,
                                       const std::vector<std::string>& previous_hex) {
  int rc = stop(15);
  if (rc != 0) ADD_FAILURE() << "triggerd exited with " << rc << ":\n" << log();
  options_.master_key_hex = master_key_hex;
  options_.previous_master_keys_hex = previous_hex;
  writeConfig();
  start();
}

void TriggerdInstance::restartWithExtraToml(const std::string& extra_toml) {
  int rc = stop(15);
  if (rc != 0) ADD_FAILURE() << "triggerd exited with " << rc << ":\n" << log();
  options_.extra_toml = extra_toml;
  writeConfig();
  start();
}

int TriggerdInstance::stop(int sig) {
  return proc_ ? proc_->stop(sig) : -1;
}

std::string TriggerdInstance::publicUrl(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(public_port_) + path;
}

std::string TriggerdInstance::adminUrl(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(admin_port_) + path;
}

HttpCallResult TriggerdInstance::admin(const std::string& method, const std::string& path,
                                       const std::string& body, const std::string& token) {
  Headers h{{"Authorization", "Bearer " + (token.empty() ? admin_token_ : token)}};
  if (!body.empty()) h.emplace_back("Content-Type", "application/json");
  return httpCall(method, adminUrl(path), h, body);
}

HttpCallResult TriggerdInstance::post(const std::string& path, const std::string& body,
                                      const Headers& headers) {
  return httpCall("POST", publicUrl(path), headers, body);
}

std::pair<std::string, std::string> TriggerdInstance::createTrigger(const std::string& user,
                                                                    const std::string& provider,
                                                                    const std::string& repository,
                                                                    const std::string& rules_json) {
  std::string body =
      R"({"provider": ")" + provider + R"(", "repository": ")" + repository +
      R"(", "image": "registry.example.com/team/app", "install_hook": false, "rules": )" +
      rules_json + "}";
  auto r = admin("POST", "/api/v1/users/" + user + "/triggers", body);
  if (r.status != 201) throw std::runtime_error("create trigger failed: " + r.body);
  auto doc = parseJson(r.body);
  return {jsonString(doc, "/trigger/id"), jsonString(doc, "/webhook/secret")};
}

long long TriggerdInstance::streamLength() {
  auto v = redis().cmd({"XLEN", "triggerd:jobs"});
  return v.integer;
}

std::vector<std::string> TriggerdInstance::streamJobs() {
  std::vector<std::string> out;
  auto v = redis().cmd({"XRANGE", "triggerd:jobs", "-", "+"});
  for (const auto& entry : v.elements) {
    if (entry.elements.size() < 2) continue;
    const auto& fields = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2)
      if (fields[i].str == "job") out.push_back(fields[i + 1].str);
  }
  return out;
}

}  // namespace triggerd::testing
