// The config loader (config/): TOML text through the schema table into a Config, with every
// diagnostic. When the text loads, the effective config it renders (--check-config) must load
// again to the same rendering.
//
// Input: the TOML text of a triggerd.toml. It is parsed as if it lived in a scratch directory
// that holds a master key ("master.key") and an admin token file ("admin-tokens.sha256"), so
// seeds such as config/triggerd.local.toml reach the valid path.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

std::string g_config_path;
std::string g_scratch_dir;

void removeScratch() {
  std::error_code ec;
  std::filesystem::remove_all(g_scratch_dir, ec);
}

void writeFile(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ::chmod(path.c_str(), mode);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char dir[] = "/tmp/triggerd-config-fuzz-XXXXXX";
  if (!::mkdtemp(dir)) std::abort();
  std::string d = dir;
  g_scratch_dir = d;
  std::atexit(removeScratch);  // libFuzzer ends a timed run with exit()
  writeFile(d + "/master.key", std::string(64, 'a') + "\n", 0600);
  writeFile(d + "/admin-tokens.sha256", std::string(64, 'b') + "\n", 0644);
  ::mkdir((d + "/state").c_str(), 0700);
  writeFile(d + "/state/master.key", std::string(64, 'c') + "\n", 0600);
  writeFile(d + "/state/admin-tokens.sha256", std::string(64, 'd') + "\n", 0644);
  ::mkdir((d + "/config").c_str(), 0700);
  g_config_path = d + "/config/triggerd.toml";
  ::unsetenv("CREDENTIALS_DIRECTORY");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace triggerd;
  auto config = parseConfig(std::string(fuzz::asText(data, size)), g_config_path);
  if (!config.ok()) {
    if (config.error().message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  std::string rendered = renderEffectiveConfig(*config);
  auto again = parseConfig(rendered, g_config_path);
  if (!again.ok() || renderEffectiveConfig(*again) != rendered) std::abort();
  return 0;
}
