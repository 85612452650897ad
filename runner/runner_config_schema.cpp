// The one table of every triggerd-runner configuration key, in the style of config/'s schema: a
// row names the TOML key, its default, its help text and its binding (value shape, validation,
// the RunnerConfig field). The loader (runner_config_loader.cpp), --check-config and the
// reference in docs/runner.md read it. Value syntaxes (durations, sizes, URLs) and secret files
// follow triggerd's own configuration (config/config_values.h, config/config_schema.h).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "config/config_values.h"
#include "runner/command_template.h"
#include "runner/runner_config_schema.h"

namespace triggerd::runner_config {

using std::chrono::milliseconds;
using namespace std::chrono_literals;
using config::formatDuration;
using config::formatSize;
using config::tomlQuote;

namespace {

std::string quoteList(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  std::string out = "[\n";
  for (const auto& i : items) out += "  " + tomlQuote(i) + ",\n";
  return out + "]";
}

// ---- bindings ----

Key text(std::string_view key, std::string_view def, std::string_view help,
         std::string RunnerConfig::*field, std::string type_doc,
         std::function<std::optional<std::string>(std::string&)> validate = {}) {
  return {key,
          def,
          help,
          Shape::kString,
          std::move(type_doc),
          [=](const Value& v, RunnerConfig& c, const config::LoadContext&) {
            std::string s = v.text;
            if (validate) {
              if (auto e = validate(s)) return e;
            }
            c.*field = std::move(s);
            return std::optional<std::string>{};
          },
          [=](const RunnerConfig& c) { return tomlQuote(c.*field); }};
}

Key integer(std::string_view key, std::string_view def, std::string_view help,
            int RunnerConfig::*field, int min, int max) {
  return {key,
          def,
          help,
          Shape::kInt,
          "integer",
          [=](const Value& v, RunnerConfig& c, const config::LoadContext&) {
            if (v.integer < min || v.integer > max)
              return std::optional<std::string>("must be from " + std::to_string(min) + " to " +
                                                std::to_string(max) + " (got " +
                                                std::to_string(v.integer) + ")");
            c.*field = static_cast<int>(v.integer);
            return std::optional<std::string>{};
          },
          [=](const RunnerConfig& c) { return std::to_string(c.*field); }};
}

Key duration(std::string_view key, std::string_view def, std::string_view help,
             milliseconds RunnerConfig::*field, milliseconds min, milliseconds max) {
  return {key,
          def,
          help,
          Shape::kDuration,
          "duration",
          [=](const Value& v, RunnerConfig& c, const config::LoadContext&) {
            if (v.duration < min || v.duration > max)
              return std::optional<std::string>("must be from " + formatDuration(min) + " to " +
                                                formatDuration(max) + " (got " +
                                                formatDuration(v.duration) + ")");
            c.*field = v.duration;
            return std::optional<std::string>{};
          },
          [=](const RunnerConfig& c) { return tomlQuote(formatDuration(c.*field)); }};
}

Key size(std::string_view key, std::string_view def, std::string_view help,
         size_t RunnerConfig::*field, uint64_t min, uint64_t max) {
  return {key,
          def,
          help,
          Shape::kSize,
          "size",
          [=](const Value& v, RunnerConfig& c, const config::LoadContext&) {
            if (v.size < min || v.size > max)
              return std::optional<std::string>("must be from " + formatSize(min) + " to " +
                                                formatSize(max) + " (got " + formatSize(v.size) +
                                                ")");
            c.*field = static_cast<size_t>(v.size);
            return std::optional<std::string>{};
          },
          [=](const RunnerConfig& c) { return tomlQuote(formatSize(c.*field)); }};
}

// An array of strings; `validate` checks each item.
Key list(std::string_view key, std::string_view def, std::string_view help,
         std::vector<std::string> RunnerConfig::*field, std::string type_doc,
         std::function<std::optional<std::string>(const std::string&)> validate) {
  return {key,
          def,
          help,
          Shape::kStringArray,
          std::move(type_doc),
          [=](const Value& v, RunnerConfig& c, const config::LoadContext&) {
            for (size_t i = 0; i < v.strings.size(); ++i) {
              if (auto e = validate(v.strings[i]))
                return std::optional<std::string>("item " + std::to_string(i + 1) + ": " + *e);
            }
            c.*field = v.strings;
            return std::optional<std::string>{};
          },
          [=](const RunnerConfig& c) { return quoteList(c.*field); }};
}

// A file read at load time; "" means none. `read` turns the path into the stored value.
Key file(std::string_view key, std::string_view help, std::string RunnerConfig::*path,
         std::string RunnerConfig::*value,
         std::function<Result<std::string>(const std::string&)> read) {
  return {key,
          "\"\"",
          help,
          Shape::kString,
          "string (file path)",
          [=](const Value& v, RunnerConfig& c, const config::LoadContext& ctx) {
            if (v.text.empty()) {
              c.*path = "";
              c.*value = "";
              return std::optional<std::string>{};
            }
            auto p = config::resolvePath(v.text, ctx);
            if (!p.ok()) return std::optional<std::string>(p.error().message);
            auto s = read(*p);
            if (!s.ok()) return std::optional<std::string>(s.error().message);
            c.*path = std::move(*p);
            c.*value = std::move(*s);
            return std::optional<std::string>{};
          },
          [=](const RunnerConfig& c) {
            return tomlQuote(c.*path) +
                   "  # contents: " + ((c.*value).empty() ? "<unset>" : "<set>");
          }};
}

// ---- validators ----

std::optional<std::string> printableName(std::string& s) {
  bool ok = s.size() <= 100 &&
            std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!ok) return std::string("must be at most 100 printable characters without spaces");
  return std::nullopt;
}

std::optional<std::string> absoluteDir(std::string& s) {
  if (s.empty() || s.front() != '/') return std::string("must be an absolute directory path");
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  if (s == "/") return std::string("must not be the root directory");
  return std::nullopt;
}

std::optional<std::string> logLevel(std::string& s) {
  if (s == "debug" || s == "info" || s == "warn" || s == "error") return std::nullopt;
  return "\"" + s + "\" is not a log level; use debug, info, warn or error";
}

std::optional<std::string> listenAddress(std::string& s) {
  if (s.empty()) return std::nullopt;
  auto a = parseListenAddress(s, "");
  if (!a.ok()) return a.error().message;
  return std::nullopt;
}

std::optional<std::string> redisAddress(std::string& s) {
  if (s.rfind("unix:", 0) == 0) {
    if (s.size() > 5 && s[5] == '/') return std::nullopt;
    return std::string("a unix socket path must be absolute, e.g. \"unix:/run/redis/redis.sock\"");
  }
  auto hp = config::splitHostPort(s);
  if (!hp.ok()) return hp.error().message;
  if (!config::isIpLiteral(hp->first))
    return "host \"" + hp->first +
           "\" must be an IP address: hiredis resolves host names with a blocking lookup";
  return std::nullopt;
}

std::optional<std::string> clusterNode(const std::string& s) {
  auto hp = config::splitHostPort(s);
  if (!hp.ok() || hp->second == 0)
    return "\"" + s + "\" is not IP:port (e.g. \"10.0.0.5:6379\", \"[fd00::5]:6379\")";
  if (!config::isIpLiteral(hp->first))
    return "host \"" + hp->first +
           "\" must be an IP address: hiredis resolves host names with a blocking lookup";
  return std::nullopt;
}

std::optional<std::string> keyPrefix(std::string& s) {
  bool ok = !s.empty() && s.size() <= 64 &&
            std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!ok) return std::string("must be 1 to 64 printable characters without spaces");
  return std::nullopt;
}

std::optional<std::string> optionalUrl(std::string& s) {
  if (s.empty()) return std::nullopt;
  auto u = config::normaliseHttpUrl(s);
  if (!u.ok()) return u.error().message;
  s = *u;
  return std::nullopt;
}

std::optional<std::string> commandTemplate(const std::string& s) {
  auto t = CommandTemplate::parse(s);
  if (!t.ok()) return t.error().message;
  return std::nullopt;
}

std::optional<std::string> envName(const std::string& s) {
  bool ok =
      !s.empty() && !(s[0] >= '0' && s[0] <= '9') && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_';
      });
  if (!ok) return "\"" + s + "\" is not an environment variable name";
  if (s.rfind("TRIGGERD_", 0) == 0) return "\"" + s + "\": TRIGGERD_* variables are set per job";
  if (s.rfind("GIT_", 0) == 0)
    return "\"" + s + "\": GIT_* variables would change how the checkout runs";
  return std::nullopt;
}

Result<std::string> readCaFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::badRequest("", "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string pem = ss.str();
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Error::badRequest("", path + " holds no PEM certificate");
  return pem;
}

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * 1024;

}  // namespace

const std::vector<Table>& tables() {
  static const std::vector<Table> t{
      {"runner",
       "This runner: its name in the consumer group, where jobs are checked out, how "
       "many run at once, how it stops."},
      {"redis", "The Redis server triggerd writes jobs to (the same as triggerd's [redis])."},
      {"queue", "The job stream protocol; must match triggerd's [queue]."},
      {"api", "triggerd's admin API, for clone credentials of private repositories."},
      {"build", "What runs for each job, and its output."},
  };
  return t;
}

const std::vector<Key>& schema() {
  // clang-format off
  static const std::vector<Key> keys{
    // ---- [runner] ----
    text("runner.name", "\"\"",
         "This runner's consumer name in the group \"runners\"; stable and unique per runner "
         "process. Empty: the host name.",
         &RunnerConfig::name, "string", printableName),
    text("runner.work_dir", "\"/var/lib/triggerd-runner/jobs\"",
         "Directory for checkouts: one subdirectory per job, removed when the job ends. One "
         "runner per directory (leftovers are removed at start-up).",
         &RunnerConfig::work_dir, "string (absolute directory path)", absoluteDir),
    integer("runner.concurrency", "1", "Jobs built at once.", &RunnerConfig::concurrency, 1, 64),
    duration("runner.stop_grace", "\"5m\"",
             "After SIGTERM, how long the jobs in hand may still run before they are stopped "
             "and reported failed (\"runner stopped\"). Keep systemd's TimeoutStopSec above it.",
             &RunnerConfig::stop_grace, 0s, 24h),
    text("runner.log_level", "\"info\"", "Least severe level logged: debug, info, warn or error.",
         &RunnerConfig::log_level, "string (debug|info|warn|error)", logLevel),

    text("runner.metrics_listen", "\"\"",
         "Address serving GET /metrics (Prometheus text) and GET /healthz: IP:port, "
         "[IPv6]:port or unix:/path. Empty: no listener.",
         &RunnerConfig::metrics_listen, "string (listen address or empty)", listenAddress),

    // ---- [redis] ----
    text("redis.address", "\"127.0.0.1:6379\"",
         "Redis server as IP:port, [IPv6]:port or unix:/path (no host names).",
         &RunnerConfig::redis_address, "string (host:port or unix:/path)", redisAddress),
    list("redis.cluster_nodes", "[]",
         "Redis Cluster: IP:port of some of its nodes, as triggerd's redis.cluster_nodes. When "
         "set, redis.address is not used: the runner reads the slot map, sends each command to "
         "the primary of its keys' slot and follows MOVED and ASK, and keys carry the cluster's "
         "hash tags (\"<key_prefix>{queue}:jobs\").",
         &RunnerConfig::redis_cluster_nodes, "array of strings (IP:port)", clusterNode),
    file("redis.password_file",
         "File holding the Redis AUTH password (a trailing newline is ignored). Empty: no AUTH.",
         &RunnerConfig::redis_password_file, &RunnerConfig::redis_password,
         config::readSecretFile),
    text("redis.key_prefix", "\"triggerd:\"", "Prefix of every key; as triggerd's.",
         &RunnerConfig::key_prefix, "string", keyPrefix),
    duration("redis.connect_timeout", "\"2s\"", "Deadline for connecting to Redis.",
             &RunnerConfig::redis_connect_timeout, 100ms, 1min),
    duration("redis.command_timeout", "\"2s\"",
             "Deadline for one Redis command (the blocking claim gets 5 s more).",
             &RunnerConfig::redis_command_timeout, 100ms, 1min),

    // ---- [queue] ----
    duration("queue.visibility_timeout", "\"15m\"",
             "triggerd's queue.visibility_timeout: a claimed job left idle this long is "
             "reclaimed. The runner keeps its jobs alive every third of it.",
             &RunnerConfig::visibility_timeout, 3s, 7 * 24h),

    // ---- [api] ----
    text("api.url", "\"\"",
         "triggerd's admin API, e.g. \"http://127.0.0.1:8081\". Needed for private "
         "repositories (clone credentials); without it their jobs fail.",
         &RunnerConfig::api_url, "string (http(s) URL)", optionalUrl),
    file("api.token_file",
         "File holding this runner's token for the admin API (a trailing newline is ignored).",
         &RunnerConfig::api_token_file, &RunnerConfig::api_token, config::readSecretFile),
    file("api.ca_file",
         "PEM CA bundle trusted for api.url instead of the system store. Empty: the system "
         "store.",
         &RunnerConfig::api_ca_file, &RunnerConfig::api_ca_pem, readCaFile),
    duration("api.timeout", "\"15s\"", "Deadline for one credentials request.",
             &RunnerConfig::api_timeout, 1s, 5min),

    // ---- [build] ----
    list("build.commands",
         "[\"buildah bud --isolation chroot -f {dockerfile} {build_args:--build-arg} -t "
         "{local_image} {context}\", \"buildah push {local_image} docker://{image}:{tag}\"]",
         "Command templates run in order in the checkout; the job fails at the first that "
         "fails. Words split like a shell splits them, placeholders such as {image} and {tag} "
         "expanded per word, no shell involved (docs/runner.md).",
         &RunnerConfig::commands, "array of strings (command templates)", commandTemplate),
    list("build.cleanup", "[\"buildah rmi {local_image}\"]",
         "Command templates run after every job, whatever its outcome; their failures are "
         "logged only.",
         &RunnerConfig::cleanup, "array of strings (command templates)", commandTemplate),
    duration("build.timeout", "\"1h\"",
             "Deadline for a whole job (checkout, build, push); then its process group is "
             "stopped and the job fails.",
             &RunnerConfig::build_timeout, 1s, 7 * 24h),
    duration("build.kill_grace", "\"10s\"",
             "Between SIGTERM and SIGKILL when a process group is stopped.",
             &RunnerConfig::kill_grace, 0s, 10min),
    list("build.pass_environment",
         "[\"PATH\", \"HOME\", \"LANG\", \"TMPDIR\", \"XDG_RUNTIME_DIR\", \"REGISTRY_AUTH_FILE\", "
         "\"CONTAINERS_STORAGE_CONF\", \"CONTAINERS_REGISTRIES_CONF\", \"DOCKER_CONFIG\", "
         "\"DOCKER_HOST\", \"BUILDAH_ISOLATION\", \"STORAGE_DRIVER\"]",
         "Variables of the runner's own environment handed to every command (when set); "
         "nothing else of it is.",
         &RunnerConfig::pass_environment, "array of strings (variable names)", envName),
    size("build.log_chunk_bytes", "\"16KiB\"",
         "Largest entry of a job's log stream; output is written when a chunk is full or "
         "log_flush_interval passed.",
         &RunnerConfig::log_chunk_bytes, 256, kMiB),
    duration("build.log_flush_interval", "\"1s\"",
             "Longest time output waits before it is written to the log stream.",
             &RunnerConfig::log_flush_interval, 10ms, 1min),
    integer("build.log_max_entries", "10000",
            "Entries a job's log stream keeps (MAXLEN ~); older ones are trimmed.",
            &RunnerConfig::log_max_entries, 10, 10000000),
  };
  // clang-format on
  return keys;
}

}  // namespace triggerd::runner_config
