// TOML (toml++) -> RunnerConfig through the table in runner_config_schema.cpp. Collects every
// problem in the file, each as "file:line key: why", and reads the files the config names
// (before the loop runs). Never throws.
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_values.h"
#include "runner/runner_config_schema.h"

namespace triggerd {
namespace {

using namespace runner_config;

uint32_t lineOf(const toml::node& n) {
  return n.source().begin.line;
}

std::string typeOf(const toml::node& n) {
  if (n.is_string()) return "a string";
  if (n.is_integer()) return "an integer";
  if (n.is_floating_point()) return "a floating-point number";
  if (n.is_boolean()) return "a boolean";
  if (n.is_array()) return "an array";
  if (n.is_table()) return "a table";
  return "a date or time";
}

std::optional<std::string> convert(const toml::node& n, const Key& k, Value& out) {
  auto mismatch = [&](const std::string& got) {
    return std::optional<std::string>("expected " + k.type_doc + ", got " + got + "; e.g. " +
                                      std::string(k.key.substr(k.key.find('.') + 1)) + " = " +
                                      std::string(k.default_toml.substr(0, 60)));
  };
  switch (k.shape) {
    case Shape::kString:
      if (!n.is_string()) return mismatch(typeOf(n));
      out.text = n.as_string()->get();
      return std::nullopt;
    case Shape::kInt:
      if (!n.is_integer()) return mismatch(typeOf(n));
      out.integer = n.as_integer()->get();
      return std::nullopt;
    case Shape::kDuration: {
      if (!n.is_string()) return mismatch(typeOf(n) + " (a duration is a string with a unit)");
      auto d = config::parseDuration(n.as_string()->get());
      if (!d.ok()) return d.error().message;
      out.duration = *d;
      return std::nullopt;
    }
    case Shape::kSize: {
      if (n.is_integer()) {
        if (n.as_integer()->get() < 0) return std::string("a size cannot be negative");
        out.size = static_cast<uint64_t>(n.as_integer()->get());
        return std::nullopt;
      }
      if (!n.is_string()) return mismatch(typeOf(n));
      auto s = config::parseSize(n.as_string()->get());
      if (!s.ok()) return s.error().message;
      out.size = *s;
      return std::nullopt;
    }
    case Shape::kStringArray: {
      const toml::array* a = n.as_array();
      if (!a) return mismatch(typeOf(n));
      for (size_t i = 0; i < a->size(); ++i) {
        if (!a->get(i)->is_string())
          return "item " + std::to_string(i + 1) + ": expected a string, got " + typeOf(*a->get(i));
        out.strings.push_back(a->get(i)->as_string()->get());
      }
      return std::nullopt;
    }
  }
  return std::string("unsupported value type");
}

struct Problem {
  uint32_t line;
  std::string key;
  std::string message;
};

void checkUnknown(const toml::table& root, std::vector<Problem>& problems) {
  std::vector<std::string> keys, names;
  for (const Key& k : schema()) keys.emplace_back(k.key);
  for (const Table& t : tables()) names.emplace_back(t.name);
  for (auto&& [name, node] : root) {
    std::string top(name.str());
    if (std::find(names.begin(), names.end(), top) == names.end()) {
      auto best = config::closestMatch(top, names);
      problems.push_back({name.source().begin.line, top,
                          std::string(node.is_table() ? "unknown table" : "unknown key") +
                              (best ? "; did you mean [" + *best + "]?" : "")});
      continue;
    }
    const toml::table* t = node.as_table();
    if (!t) {
      problems.push_back({name.source().begin.line, top, "expected a table ([" + top + "])"});
      continue;
    }
    for (auto&& [leaf, value] : *t) {
      std::string full = top + "." + std::string(leaf.str());
      if (std::find(keys.begin(), keys.end(), full) != keys.end()) continue;
      auto best = config::closestMatch(full, keys);
      problems.push_back({leaf.source().begin.line, full,
                          "unknown key" + (best ? "; did you mean " + *best + "?" : "")});
    }
  }
}

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "runner";
  return buf;
}

Result<RunnerConfig> parse(const std::string& text, const std::string& path) {
  std::error_code ec;
  std::filesystem::path file(path.empty() ? "triggerd-runner.toml" : path);
  const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
  config::LoadContext ctx{
      std::filesystem::absolute(file, ec).parent_path().lexically_normal().string(),
      creds ? creds : ""};
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Error::badRequest("", path + ":" + std::to_string(where.line) + ":" +
                                     std::to_string(where.column) +
                                     ": TOML syntax error: " + std::string(e.description()));
  }
  std::vector<Problem> problems;
  checkUnknown(root, problems);
  RunnerConfig c;
  c.path = path;
  for (const Key& k : schema()) {
    std::string table(k.key.substr(0, k.key.find('.')));
    std::string leaf(k.key.substr(k.key.find('.') + 1));
    const toml::node* node = nullptr;
    if (const toml::table* t = root[table].as_table()) node = t->get(leaf);
    toml::table default_doc;
    bool from_default = node == nullptr;
    if (from_default) {
      default_doc = toml::parse("v = " + std::string(k.default_toml));
      node = default_doc.get("v");
    }
    Value v;
    auto problem = convert(*node, k, v);
    if (!problem) problem = k.apply(v, c, ctx);
    if (problem)
      problems.push_back({from_default ? 0 : lineOf(*node), std::string(k.key), *problem});
  }
  if (c.name.empty()) c.name = hostName();
  if (!c.api_url.empty() && c.api_token.empty())
    problems.push_back({0, "api.token_file", "required when api.url is set"});
  bool commands_bad = std::any_of(problems.begin(), problems.end(),
                                  [](const Problem& p) { return p.key == "build.commands"; });
  if (c.commands.empty() && !commands_bad)
    problems.push_back({0, "build.commands", "at least one command is needed to build"});
  if (!problems.empty()) {
    std::stable_sort(problems.begin(), problems.end(),
                     [](const Problem& a, const Problem& b) { return a.line < b.line; });
    std::string msg;
    for (const auto& p : problems)
      msg += (msg.empty() ? "" : "\n") + path + ":" + std::to_string(p.line) + " " + p.key + ": " +
             p.message;
    return Error::badRequest(problems.front().key, msg);
  }
  return c;
}
}  // namespace

Result<RunnerConfig> parseRunnerConfig(const std::string& toml_text, const std::string& path) {
  try {
    return parse(toml_text, path);
  } catch (const std::exception& e) {
    return Error::internal(path + ":0: cannot load the configuration: " + e.what());
  }
}

Result<RunnerConfig> loadRunnerConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::badRequest("", path + ":0: cannot open the config file");
  std::stringstream text;
  text << in.rdbuf();
  return parseRunnerConfig(text.str(), path);
}

std::string renderRunnerConfig(const RunnerConfig& c) {
  std::string out = "# triggerd-runner effective configuration";
  if (!c.path.empty()) out += ", loaded from " + c.path;
  out += "\n";
  std::string_view table;
  for (const Key& k : schema()) {
    size_t dot = k.key.find('.');
    if (k.key.substr(0, dot) != table) {
      table = k.key.substr(0, dot);
      out += "\n[" + std::string(table) + "]\n";
    }
    out += std::string(k.key.substr(dot + 1)) + " = " + k.show(c) + "\n";
  }
  return out;
}

std::string renderRunnerConfigReference() {
  auto cell = [](std::string_view s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
  };
  std::string out;
  for (const Table& t : tables()) {
    out += "### [" + std::string(t.name) + "]\n\n" + std::string(t.help) + "\n\n";
    out += "| key | type | default | meaning |\n|---|---|---|---|\n";
    for (const Key& k : schema()) {
      if (k.key.substr(0, k.key.find('.')) != t.name) continue;
      out += "| `" + std::string(k.key) + "` | " + cell(k.type_doc) + " | `" +
             cell(k.default_toml) + "` | " + cell(k.help) + " |\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace triggerd
