// TOML (toml++) -> Config through the schema table. Collects every problem in the file, each as
// "file:line key: why", and reads the secret files the config names. Never throws.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/encoding.h"
#include "config/config.h"
#include "config/config_schema.h"
#include "config/config_values.h"

namespace triggerd {
namespace config {
namespace {

constexpr size_t kMaxSecretFileBytes = 64 * 1024;
constexpr std::string_view kCredentialsPrefixes[] = {"$CREDENTIALS_DIRECTORY/",
                                                     "${CREDENTIALS_DIRECTORY}/"};

// Overrides (--set) are reported after the file's lines, under their own origin.
constexpr uint32_t kOverrideLine = UINT32_MAX;

struct Diagnostic {
  uint32_t line;
  std::string key;
  std::string message;
};

class Diagnostics {
 public:
  void add(uint32_t line, std::string key, std::string message) {
    list_.push_back({line, std::move(key), std::move(message)});
  }
  // A problem with a value given by `--set KEY=VALUE` rather than by the file.
  void addOverride(std::string key, std::string message) {
    add(kOverrideLine, std::move(key), std::move(message));
  }
  bool empty() const { return list_.empty(); }
  bool hasKey(std::string_view key) const {
    return std::any_of(list_.begin(), list_.end(),
                       [&](const Diagnostic& d) { return d.key == key; });
  }
  // One line per problem, ordered by line number (missing keys, line 0, first).
  Error toError(const std::string& path) {
    std::stable_sort(list_.begin(), list_.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
    std::string text;
    for (const Diagnostic& d : list_) {
      if (!text.empty()) text += '\n';
      text +=
          (d.line == kOverrideLine ? std::string("--set") : path + ":" + std::to_string(d.line)) +
          " " + d.key + ": " + d.message;
    }
    return Error::badRequest(list_.front().key, std::move(text));
  }

 private:
  std::vector<Diagnostic> list_;
};

uint32_t lineOf(const toml::node& n) {
  return n.source().begin.line;
}

std::string typeOf(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string_view leafOf(std::string_view key) {
  return key.substr(key.rfind('.') + 1);
}
std::string_view tableOf(std::string_view key) {
  return key.substr(0, key.find('.'));
}

// The node at a dotted schema key, or null if it (or its table) is absent.
const toml::node* find(const toml::table& root, std::string_view key) {
  const toml::table* t = &root;
  std::string_view rest = key;
  while (true) {
    size_t dot = rest.find('.');
    const toml::node* n = t->get(rest.substr(0, dot));
    if (!n || dot == std::string_view::npos) return n;
    t = n->as_table();
    if (!t) return nullptr;
    rest = rest.substr(dot + 1);
  }
}

// A TOML literal worth showing as an example: the default, unless it is empty.
std::string exampleFor(const ConfigKey& k) {
  if (k.default_toml && *k.default_toml != "\"\"" && *k.default_toml != "[]") {
    return std::string(*k.default_toml);
  }
  return k.bind.example;
}

// Converts `n` to the key's value type; on failure returns why (and the offending item).
Check convert(const toml::node& n, const ConfigKey& k, Value& out) {
  auto mismatch = [&](std::string got) {
    return KeyError{"expected " + k.bind.type_doc + ", got " + got + "; e.g. " +
                    std::string(leafOf(k.key)) + " = " + exampleFor(k)};
  };
  switch (k.bind.type) {
    case ValueType::kString:
    case ValueType::kListenAddress:
      if (!n.is_string()) return mismatch(typeOf(n));
      out.text = n.as_string()->get();
      return std::nullopt;
    case ValueType::kInt:
      if (!n.is_integer()) return mismatch(typeOf(n));
      out.integer = n.as_integer()->get();
      return std::nullopt;
    case ValueType::kBool:
      if (!n.is_boolean()) return mismatch(typeOf(n));
      out.boolean = n.as_boolean()->get();
      return std::nullopt;
    case ValueType::kDuration: {
      if (n.is_integer()) {
        return mismatch("an integer (a duration needs a unit: \"" +
                        std::to_string(n.as_integer()->get()) + "s\", not " +
                        std::to_string(n.as_integer()->get()) + ")");
      }
      if (!n.is_string()) return mismatch(typeOf(n));
      auto d = parseDuration(n.as_string()->get());
      if (!d.ok()) return KeyError{d.error().message};
      out.duration = d.value();
      return std::nullopt;
    }
    case ValueType::kSize: {
      if (n.is_integer()) {
        int64_t v = n.as_integer()->get();
        if (v < 0) return KeyError{"a size cannot be negative"};
        out.size = static_cast<uint64_t>(v);
        return std::nullopt;
      }
      if (!n.is_string()) return mismatch(typeOf(n));
      auto s = parseSize(n.as_string()->get());
      if (!s.ok()) return KeyError{s.error().message};
      out.size = s.value();
      return std::nullopt;
    }
    case ValueType::kStringArray: {
      const toml::array* a = n.as_array();
      if (!a) return mismatch(typeOf(n));
      for (size_t i = 0; i < a->size(); ++i) {
        const toml::node& item = *a->get(i);
        if (!item.is_string()) {
          return KeyError{"item " + std::to_string(i + 1) + ": expected a string, got " +
                              typeOf(item) + "; e.g. " + std::string(leafOf(k.key)) + " = " +
                              exampleFor(k),
                          static_cast<int>(i)};
        }
        out.strings.push_back(item.as_string()->get());
      }
      return std::nullopt;
    }
  }
  return KeyError{"unsupported value type"};  // unreachable: the switch covers every type
}

// The line to report for `check` on node `n`: the offending array item's, if any.
uint32_t lineFor(const toml::node& n, const KeyError& e) {
  if (e.item >= 0) {
    if (const toml::array* a = n.as_array()) {
      if (const toml::node* item = a->get(static_cast<size_t>(e.item))) return lineOf(*item);
    }
  }
  return lineOf(n);
}

// Where to report a key that is absent: its table's line, or 0 when the table is absent too.
uint32_t missingLine(const toml::table& root, std::string_view key) {
  const toml::node* t = root.get(tableOf(key));
  return t ? lineOf(*t) : 0;
}

// Reports keys and tables the schema does not know, with a suggestion when one is close.
void checkUnknown(const toml::table& root, Diagnostics& diags) {
  std::vector<std::string> keys, tables;
  for (const ConfigKey& k : configSchema()) keys.emplace_back(k.key);
  for (const ConfigTable& t : configTables()) tables.emplace_back(t.name);

  auto suggest = [&](const std::string& full, bool is_table) -> std::string {
    const auto& pool = is_table ? tables : keys;
    std::optional<std::string> best = closestMatch(full, pool);
    if (!best && !is_table) {
      // The right key in the wrong table: "server.max_body_bytes" -> "limits.max_body_bytes".
      for (const std::string& k : keys) {
        if (leafOf(k) == leafOf(full)) best = k;
      }
    }
    if (!best && is_table) best = closestMatch(full, keys);  // a key written as a [table]
    return best ? "; did you mean " +
                      (is_table && std::count(tables.begin(), tables.end(), *best)
                           ? "[" + *best + "]"
                           : *best) +
                      "?"
                : "";
  };

  for (auto&& [name, node] : root) {
    std::string top(name.str());
    bool known_table = std::count(tables.begin(), tables.end(), top) > 0;
    if (!known_table) {
      diags.add(name.source().begin.line, top,
                std::string(node.is_table() ? "unknown table" : "unknown key") +
                    suggest(top, node.is_table()));
      continue;
    }
    const toml::table* t = node.as_table();
    if (!t) {
      diags.add(name.source().begin.line, top,
                "expected a table ([" + top + "]), got " + typeOf(node));
      continue;
    }
    for (auto&& [leaf, value] : *t) {
      std::string full = top + "." + std::string(leaf.str());
      if (std::count(keys.begin(), keys.end(), full)) continue;
      diags.add(leaf.source().begin.line, full, "unknown key" + suggest(full, false));
    }
  }
}

// Lays `--set KEY=VALUE` overrides over the parsed file, so they pass the same checks as the
// file's own values. VALUE is read as a TOML value when it is one (true, 8080, "text", ["a"])
// and as a string otherwise (/var/lib/triggerd/spool-2, 10s). Returns the keys overridden.
std::set<std::string> applyOverrides(toml::table& root, const std::vector<std::string>& overrides,
                                     Diagnostics& diags) {
  std::vector<std::string> keys;
  for (const ConfigKey& k : configSchema()) keys.emplace_back(k.key);
  std::set<std::string> applied;
  for (const std::string& item : overrides) {
    size_t eq = item.find('=');
    std::string key(trim(std::string_view(item).substr(0, eq)));
    if (eq == std::string::npos || key.empty()) {
      diags.addOverride(key.empty() ? item : key,
                        "expected KEY=VALUE, e.g. --set spool.dir=/var/lib/triggerd/spool-2");
      continue;
    }
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::optional<std::string> best = closestMatch(key, keys);
      diags.addOverride(key, "unknown key" + (best ? "; did you mean " + *best + "?" : ""));
      continue;
    }
    std::string raw = item.substr(eq + 1);
    toml::table parsed;
    bool is_toml = false;
    try {
      parsed = toml::parse("v = " + raw);
      is_toml = parsed.size() == 1 && parsed.get("v") != nullptr;
    } catch (const toml::parse_error&) {
    }
    toml::node* table = root.get(tableOf(key));
    if (!table)
      table = root.insert(std::string(tableOf(key)), toml::table{}).first->second.as_table();
    if (!table || !table->is_table()) continue;  // the file's own error says why
    std::string leaf(leafOf(key));
    if (is_toml)
      table->as_table()->insert_or_assign(leaf, *parsed.get("v"));
    else
      table->as_table()->insert_or_assign(leaf, raw);
    applied.insert(key);
  }
  return applied;
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string errnoText(const std::string& path, int err) {
  return "cannot read " + path + ": " + std::strerror(err);
}

// Reads a whole regular file of at most `max` bytes.
Result<std::string> readSmallFile(const std::string& path, size_t max) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat() can refuse it.
  // It changes nothing for the regular files read here.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return Error::badRequest("", errnoText(path, errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::badRequest("", path + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max) {
    ::close(fd);
    return Error::badRequest("", path + " is larger than " + std::to_string(max) + " bytes");
  }
  std::string data;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error::badRequest("", errnoText(path, err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max) break;
  }
  ::close(fd);
  if (data.size() > max) {
    return Error::badRequest("", path + " is larger than " + std::to_string(max) + " bytes");
  }
  return data;
}

std::string stripTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool underDirectory(const std::string& path, const std::string& dir) {
  if (dir.empty()) return false;
  std::error_code ec1, ec2;
  auto p = std::filesystem::weakly_canonical(path, ec1).string();
  auto d = std::filesystem::weakly_canonical(dir, ec2).string();
  if (ec1 || ec2 || d.empty()) return false;
  if (d.back() != '/') d += '/';
  return startsWith(p, d);
}

char octal(unsigned v) {
  return static_cast<char>('0' + (v & 7));
}

}  // namespace

Result<std::string> resolvePath(std::string_view raw, const LoadContext& ctx) {
  std::string path(raw);
  for (std::string_view prefix : kCredentialsPrefixes) {
    if (!startsWith(raw, prefix)) continue;
    if (ctx.credentials_dir.empty()) {
      return Error::badRequest("",
                               "$CREDENTIALS_DIRECTORY is not set: systemd sets it for a unit with "
                               "LoadCredential=; outside systemd, write the file's path instead");
    }
    path = ctx.credentials_dir + "/" + std::string(raw.substr(prefix.size()));
    break;
  }
  if (path.empty()) return Error::badRequest("", "the path is empty");
  if (path.front() == '$') {
    return Error::badRequest("", "\"" + path +
                                     "\": only a leading $CREDENTIALS_DIRECTORY/ is expanded; "
                                     "other variables are not");
  }
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(ctx.base_dir) / p;
  return p.lexically_normal().string();
}

Result<std::string> readSecretFile(const std::string& path) {
  auto data = readSmallFile(path, kMaxSecretFileBytes);
  if (!data.ok()) return data.error();
  std::string secret = stripTrailingNewlines(std::move(data.value()));
  if (secret.empty()) return Error::badRequest("", path + " is empty");
  return secret;
}

Result<std::string> readMasterKeyFile(const std::string& path, const LoadContext& ctx) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error::badRequest("", errnoText(path, errno));
  if ((st.st_mode & 077) != 0 && !underDirectory(path, ctx.credentials_dir)) {
    std::string mode = {'0', octal(st.st_mode >> 6), octal(st.st_mode >> 3), octal(st.st_mode)};
    return Error::badRequest(
        "", path + " is accessible to group or other (mode " + mode + "); run: chmod 600 " + path);
  }
  auto data = readSmallFile(path, 4096);
  if (!data.ok()) return data.error();
  std::string& bytes = data.value();
  auto looksHex = [](std::string_view s) { return hexDecode(s).has_value(); };
  if (bytes.size() == 32) {
    if (looksHex(bytes)) {
      return Error::badRequest("", path +
                                       " holds 32 hex characters (16 bytes); a master key is "
                                       "32 raw bytes or 64 hex characters (e.g. `openssl "
                                       "rand -hex 32`)");
    }
    return bytes;
  }
  std::string text = bytes;
  if (text.size() >= 1 && text.back() == '\n') text.pop_back();
  if (text.size() >= 1 && text.back() == '\r') text.pop_back();
  if (text.size() == 64) {
    if (auto key = hexDecode(text)) return *key;
  }
  return Error::badRequest("", path + " must hold 32 raw bytes or 64 hex characters (it has " +
                                   std::to_string(bytes.size()) +
                                   " bytes); create one with: openssl rand -hex 32 > " + path);
}

Result<std::vector<std::string>> readHashFile(const std::string& path) {
  auto data = readSmallFile(path, kMaxSecretFileBytes);
  if (!data.ok()) return data.error();
  std::vector<std::string> hashes;
  std::istringstream in(data.value());
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    // `sha256sum` output carries a trailing "  -" or file name; take the first word.
    t = t.substr(0, t.find_first_of(" \t"));
    if (!isSha256Hex(t)) {
      return Error::badRequest("", path + " line " + std::to_string(number) +
                                       ": not a SHA-256 digest (64 hex characters)");
    }
    hashes.push_back(toLower(t));
  }
  return hashes;
}

}  // namespace config

namespace config {
namespace {

Result<Config> parse(const std::string& toml_text, const std::string& path,
                     const std::vector<std::string>& overrides) {
  std::error_code ec;
  std::filesystem::path file(path.empty() ? "triggerd.toml" : path);
  std::filesystem::path dir = std::filesystem::absolute(file, ec).parent_path();
  const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
  LoadContext ctx{dir.lexically_normal().string(), creds ? creds : ""};

  toml::table root;
  try {
    root = toml::parse(toml_text, path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Error::badRequest("", path + ":" + std::to_string(where.line) + ":" +
                                     std::to_string(where.column) +
                                     ": TOML syntax error: " + std::string(e.description()));
  }

  Diagnostics diags;
  checkUnknown(root, diags);
  std::set<std::string> overridden = applyOverrides(root, overrides, diags);
  // Where a key's problem is reported: its line in the file, or the --set that gave the value.
  auto report = [&](const std::string& key, uint32_t line, std::string message) {
    if (overridden.count(key))
      diags.addOverride(key, std::move(message));
    else
      diags.add(line, key, std::move(message));
  };
  Config config;
  config.path = path;
  config.overrides = overrides;
  for (const ConfigKey& k : configSchema()) {
    std::string key(k.key);
    const toml::node* table = root.get(tableOf(k.key));
    if (table && !table->is_table()) continue;  // reported by checkUnknown
    const toml::node* node = find(root, k.key);
    const bool from_default = !node;
    toml::table default_doc;
    if (!node && k.default_toml) {
      try {
        default_doc = toml::parse("v = " + std::string(*k.default_toml));
      } catch (const toml::parse_error&) {
        diags.add(0, key, "internal error: the built-in default does not parse");
        continue;
      }
      node = default_doc.get("v");
    }
    if (!node) {
      diags.add(missingLine(root, k.key), key,
                "required; e.g. " + std::string(leafOf(k.key)) + " = " + k.bind.example);
      continue;
    }
    Value value;
    Check problem = convert(*node, k, value);
    if (!problem) problem = k.bind.apply(value, config, ctx);
    if (problem) report(key, from_default ? 0 : lineFor(*node, *problem), problem->message);
  }
  for (const CrossProblem& p : crossCheck(config)) {
    // Already explained by the key's own error, or by the one it depends on.
    if (diags.hasKey(p.key) || (!p.related.empty() && diags.hasKey(p.related))) continue;
    const toml::node* node = find(root, p.key);
    report(p.key, node ? lineOf(*node) : missingLine(root, p.key), p.message);
  }
  if (!diags.empty()) return diags.toError(path);
  return config;
}

}  // namespace
}  // namespace config

Result<Config> parseConfig(const std::string& toml_text, const std::string& path,
                           const std::vector<std::string>& overrides) {
  try {
    return config::parse(toml_text, path, overrides);
  } catch (const std::exception& e) {  // not expected: the contract is "never throws"
    return Error::internal(path + ":0: cannot load the configuration: " + e.what());
  }
}

Result<Config> loadConfig(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error::badRequest("", path + ":0: cannot open the config file: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  return parseConfig(text.str(), path, overrides);
}

}  // namespace triggerd
