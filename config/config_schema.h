// The configuration schema: one table (config_schema.cpp) with a row per key, which the loader,
// the reload check, --check-config and the generated reference in docs/configuration.md all
// read. Internal to config/ (the rest of triggerd sees only config.h), except that
// triggerd-runner's own, smaller table (runner/runner_config_schema.cpp) reuses the file
// helpers at the end of this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace triggerd::config {

// The TOML shape a key accepts; the loader converts the node to a Value of this type.
enum class ValueType {
  kString,         // "text"
  kInt,            // 3
  kBool,           // true
  kDuration,       // "10s": a string with a unit (ms, s, m, h, d); bare integers are refused
  kSize,           // "10MiB" or an integer number of bytes
  kStringArray,    // ["a", "b"]
  kListenAddress,  // "127.0.0.1:8080", "[::1]:8080", "unix:/path"
};

// Whether SIGHUP may change a key in a running daemon.
enum class Reload {
  kRestart,  // read once at start-up; a changed value is reported by nonReloadableChanges()
  kLive,     // swapped in on reload
};

// A TOML value already converted to the key's ValueType; only the matching member is set.
struct Value {
  std::string text;                       // kString, kListenAddress
  int64_t integer = 0;                    // kInt
  bool boolean = false;                   // kBool
  std::chrono::milliseconds duration{0};  // kDuration
  uint64_t size = 0;                      // kSize
  std::vector<std::string> strings;       // kStringArray
};

// Where the file being loaded lives, so relative paths and $CREDENTIALS_DIRECTORY resolve.
struct LoadContext {
  std::string base_dir;         // absolute directory of the config file
  std::string credentials_dir;  // $CREDENTIALS_DIRECTORY at load time, or empty
};

// Why a value was refused. `item` points into a string array so the error names its line.
struct KeyError {
  std::string message;
  int item = -1;
};
using Check = std::optional<KeyError>;

// How one key maps onto Config: its shape, how to validate and store it, and how to show and
// compare it. Built by the helpers in config_schema.cpp.
struct Binding {
  ValueType type;
  std::string type_doc;  // for docs and type errors: "duration", "string (http(s) URL)"...
  std::string example;   // a TOML literal used in error messages: "\"10s\""
  std::function<Check(const Value&, Config&, const LoadContext&)> apply;  // validate + store
  std::function<std::string(const Config&)> show;          // TOML literal; secrets never shown
  std::function<bool(const Config&, const Config&)> same;  // for nonReloadableChanges()
};

struct ConfigKey {
  std::string_view key;  // "limits.max_body_bytes"
  Reload reload;
  std::optional<std::string_view> default_toml;  // TOML literal; nullopt: the key is required
  std::string_view help;
  Binding bind;
};

struct ConfigTable {
  std::string_view name;  // "limits"
  std::string_view help;
};

// Every key, in the order of docs and --check-config output.
const std::vector<ConfigKey>& configSchema();
const std::vector<ConfigTable>& configTables();

// A problem that spans keys (public and admin listeners equal, a client id without a secret),
// reported against `key` after every key has been applied.
struct CrossProblem {
  std::string key;
  std::string message;
  std::string related = {};  // a key whose own error makes this problem moot
};
std::vector<CrossProblem> crossCheck(const Config& config);

// ---- file access used by the table's bindings (config_loader.cpp) ----

// Expands a leading "$CREDENTIALS_DIRECTORY/" and resolves a relative path against the config
// file's directory. The result is absolute.
Result<std::string> resolvePath(std::string_view raw, const LoadContext& ctx);
// A password-like secret: the whole file minus trailing CR/LF; must not be empty.
Result<std::string> readSecretFile(const std::string& path);
// A master key: 32 raw bytes, or 64 hex characters and an optional newline. Refuses a file
// that group or other may access, unless it lives under $CREDENTIALS_DIRECTORY.
Result<std::string> readMasterKeyFile(const std::string& path, const LoadContext& ctx);
// Admin token hashes, one per line; blank lines and lines starting with '#' are skipped.
// Returned lower-case.
Result<std::vector<std::string>> readHashFile(const std::string& path);

}  // namespace triggerd::config
