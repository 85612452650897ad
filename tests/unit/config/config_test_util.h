// Shared fixture for the config tests: a temp dir holding a master key, a minimal valid config
// and helpers to parse a variant of it.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "config/config.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {

inline constexpr char kKeyHex[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
inline constexpr char kTokenHash[] =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* c = std::getenv("CREDENTIALS_DIRECTORY")) saved_credentials_ = c;
    unsetenv("CREDENTIALS_DIRECTORY");
    dir_.write("master.key", std::string(kKeyHex) + "\n", 0600);
  }
  void TearDown() override {
    if (saved_credentials_) {
      setenv("CREDENTIALS_DIRECTORY", saved_credentials_->c_str(), 1);
    } else {
      unsetenv("CREDENTIALS_DIRECTORY");
    }
  }

  // The smallest valid config plus extra lines for [server] (from line 3), for [security]
  // (from line 6 when `server` is empty) and further tables after them.
  static std::string configText(const std::string& server, const std::string& security,
                                const std::string& rest) {
    return "[server]\n"                                               // line 1
           "public_base_url = \"https://triggerd.example.com/\"\n" +  // line 2
           server +
           "[security]\n"                        // line 3
           "master_key_file = \"master.key\"\n"  // line 4
           "admin_token_sha256 = [\"" +
           std::string(kTokenHash) + "\"]\n" +  // line 5
           security + rest;
  }
  static std::string minimal(const std::string& rest = "") { return configText("", "", rest); }
  static std::string withServer(const std::string& lines) {
    return configText(lines + "\n", "", "");
  }
  static std::string withSecurity(const std::string& lines) {
    return configText("", lines + "\n", "");
  }

  std::string path() const { return dir_.file("triggerd.toml"); }
  Result<Config> parse(const std::string& text) const { return parseConfig(text, path()); }
  // The error text of a config expected to fail ("" and a test failure if it loads).
  std::string errorOf(const std::string& text) const {
    auto r = parse(text);
    EXPECT_FALSE(r.ok()) << "config unexpectedly loaded:\n" << text;
    return r.ok() ? "" : r.error().message;
  }
  // "path:line key: " — the prefix every key error starts with.
  std::string at(int line, const std::string& key) const {
    return path() + ":" + std::to_string(line) + " " + key + ": ";
  }

  TempDir dir_;
  std::optional<std::string> saved_credentials_;
};

// True when `text` has a line starting with `prefix`.
inline bool hasLine(const std::string& text, const std::string& prefix) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (text.compare(pos, prefix.size(), prefix) == 0) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace triggerd::testing
