// The runner's configuration table, shared by its two halves: the table itself
// (runner_config_schema.cpp: every key's binding, validation and help) and the loader
// (runner_config_loader.cpp: TOML, errors with lines, rendering). Internal to runner/.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_schema.h"
#include "runner/runner_config.h"

namespace triggerd::runner_config {

// The TOML shape a key accepts (durations and sizes with triggerd's syntax).
enum class Shape { kString, kInt, kDuration, kSize, kStringArray };

// A TOML value converted to its key's shape; only the matching member is set.
struct Value {
  std::string text;
  int64_t integer = 0;
  std::chrono::milliseconds duration{0};
  uint64_t size = 0;
  std::vector<std::string> strings;
};

// Validates and stores a value (the error says why it is refused); shows it as TOML.
using Apply = std::function<std::optional<std::string>(const Value&, RunnerConfig&,
                                                       const config::LoadContext&)>;
using Show = std::function<std::string(const RunnerConfig&)>;

// One row of the table.
struct Key {
  std::string_view key;
  std::string_view default_toml;  // every runner key has a default
  std::string_view help;
  Shape shape;
  std::string type_doc;
  Apply apply;
  Show show;
};

struct Table {
  std::string_view name;
  std::string_view help;
};

// Every table and key, in the order of docs and --check-config output.
const std::vector<Table>& tables();
const std::vector<Key>& schema();

// A TOML basic string, for rendering.
std::string quote(std::string_view s);

}  // namespace triggerd::runner_config
