// The one table of every configuration key. A row names the TOML key,
// whether SIGHUP may change it, its default, its help text and its binding: the value type,
// validator and the Config field it lands in. The loader, nonReloadableChanges(),
// renderEffectiveConfig() and the reference in docs/configuration.md all read this table.
#include "config/config_schema.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "common/encoding.h"
#include "config/config_values.h"

namespace triggerd::config {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr std::optional<std::string_view> kRequired = std::nullopt;
constexpr Reload kLive = Reload::kLive;
constexpr Reload kRestart = Reload::kRestart;

std::string quoteList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + tomlQuote(items[i]);
  return out + "]";
}

std::string secretState(const std::string& value) {
  return value.empty() ? "<unset>" : "<set>";
}

KeyError why(std::string message, int item = -1) {
  return KeyError{std::move(message), item};
}

bool printableNoSpace(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

template <typename T>
std::function<bool(const Config&, const Config&)> sameField(T Config::*field) {
  return [field](const Config& a, const Config& b) { return a.*field == b.*field; };
}

// ---- bindings: one per value shape ----

// A string; `validate` may normalise it in place and returns why it is refused.
Binding text(std::string Config::*field, std::string type_doc, std::string example,
             std::function<std::optional<std::string>(std::string&)> validate = {}) {
  return Binding{ValueType::kString,
                 std::move(type_doc),
                 std::move(example),
                 [field, validate](const Value& v, Config& c, const LoadContext&) -> Check {
                   std::string s = v.text;
                   if (validate) {
                     if (auto e = validate(s)) return why(*e);
                   }
                   c.*field = std::move(s);
                   return std::nullopt;
                 },
                 [field](const Config& c) { return tomlQuote(c.*field); },
                 sameField(field)};
}

Binding integer(int Config::*field, int min, int max) {
  return Binding{ValueType::kInt,
                 "integer",
                 std::to_string(max < 10 ? max : 10),
                 [=](const Value& v, Config& c, const LoadContext&) -> Check {
                   if (v.integer < min || v.integer > max) {
                     return why("must be from " + std::to_string(min) + " to " +
                                std::to_string(max) + " (got " + std::to_string(v.integer) + ")");
                   }
                   c.*field = static_cast<int>(v.integer);
                   return std::nullopt;
                 },
                 [field](const Config& c) { return std::to_string(c.*field); },
                 sameField(field)};
}

Binding flag(bool Config::*field) {
  return Binding{ValueType::kBool,
                 "boolean",
                 "true",
                 [field](const Value& v, Config& c, const LoadContext&) -> Check {
                   c.*field = v.boolean;
                   return std::nullopt;
                 },
                 [field](const Config& c) { return std::string(c.*field ? "true" : "false"); },
                 sameField(field)};
}

// A duration stored as D (seconds or milliseconds); a seconds field refuses "1500ms".
template <typename D>
Binding duration(D Config::*field, milliseconds min, milliseconds max) {
  return Binding{
      ValueType::kDuration,
      "duration",
      tomlQuote(formatDuration(std::clamp(milliseconds(30s), min, max))),
      [=](const Value& v, Config& c, const LoadContext&) -> Check {
        if (v.duration < min || v.duration > max) {
          return why("must be from " + formatDuration(min) + " to " + formatDuration(max) +
                     " (got " + formatDuration(v.duration) + ")");
        }
        auto d = std::chrono::duration_cast<D>(v.duration);
        if (d != v.duration) return why("must be a whole number of seconds");
        c.*field = d;
        return std::nullopt;
      },
      [field](const Config& c) {
        return tomlQuote(formatDuration(std::chrono::duration_cast<milliseconds>(c.*field)));
      },
      sameField(field)};
}

Binding size(size_t Config::*field, uint64_t min, uint64_t max) {
  return Binding{ValueType::kSize,
                 "size",
                 tomlQuote(formatSize(min * 16)),
                 [=](const Value& v, Config& c, const LoadContext&) -> Check {
                   if (v.size < min || v.size > max) {
                     return why("must be from " + formatSize(min) + " to " + formatSize(max) +
                                " (got " + formatSize(v.size) + ")");
                   }
                   c.*field = static_cast<size_t>(v.size);
                   return std::nullopt;
                 },
                 [field](const Config& c) {
                   std::string s = formatSize(c.*field);
                   bool digits = std::all_of(s.begin(), s.end(),
                                             [](char ch) { return ch >= '0' && ch <= '9'; });
                   return digits ? s : tomlQuote(s);
                 },
                 sameField(field)};
}

Binding listen(ListenAddress Config::*field) {
  return Binding{
      ValueType::kListenAddress,
      "listen address",
      "\"127.0.0.1:8080\"",
      [field](const Value& v, Config& c, const LoadContext&) -> Check {
        auto a = parseListenAddress(v.text, "");
        if (!a.ok()) return why(a.error().message);
        c.*field = std::move(a.value());
        return std::nullopt;
      },
      [field](const Config& c) { return tomlQuote((c.*field).text); },
      [field](const Config& a, const Config& b) { return (a.*field).text == (b.*field).text; }};
}

// An array of strings; `validate` checks and may normalise each item.
Binding list(std::vector<std::string> Config::*field, std::string type_doc, std::string example,
             std::function<std::optional<std::string>(std::string&)> validate) {
  return Binding{ValueType::kStringArray,
                 std::move(type_doc),
                 std::move(example),
                 [field, validate](const Value& v, Config& c, const LoadContext&) -> Check {
                   std::vector<std::string> items = v.strings;
                   for (size_t i = 0; i < items.size(); ++i) {
                     if (auto e = validate(items[i])) {
                       return why("item " + std::to_string(i + 1) + ": " + *e, static_cast<int>(i));
                     }
                   }
                   c.*field = std::move(items);
                   return std::nullopt;
                 },
                 [field](const Config& c) { return quoteList(c.*field); },
                 sameField(field)};
}

// ---- validators ----

std::optional<std::string> httpUrl(std::string& s) {
  auto u = normaliseHttpUrl(s);
  if (!u.ok()) return u.error().message;
  s = std::move(u.value());
  return std::nullopt;
}

std::optional<std::string> optionalHttpUrl(std::string& s) {
  return s.empty() ? std::nullopt : httpUrl(s);
}

// A URL template: {job}, {user} and {trigger} are filled in per job.
std::optional<std::string> urlTemplate(std::string& s) {
  if (s.empty()) return std::nullopt;
  std::string probe = s;
  for (std::string_view p : {"{job}", "{user}", "{trigger}"})
    for (size_t at = probe.find(p); at != std::string::npos; at = probe.find(p))
      probe.replace(at, p.size(), "x");
  if (probe.find('{') != std::string::npos || probe.find('}') != std::string::npos)
    return std::string("only {job}, {user} and {trigger} are filled in");
  auto u = normaliseHttpUrl(probe);
  if (!u.ok()) return u.error().message;
  return std::nullopt;
}

std::optional<std::string> logLevel(std::string& s) {
  if (s == "debug" || s == "info" || s == "warn" || s == "error") return std::nullopt;
  return "\"" + s + "\" is not a log level; use debug, info, warn or error";
}

std::optional<std::string> keyPrefix(std::string& s) {
  if (s.empty() || s.size() > 64 || !printableNoSpace(s)) {
    return std::string("must be 1 to 64 printable characters without spaces, e.g. \"triggerd:\"");
  }
  return std::nullopt;
}

std::optional<std::string> userAgent(std::string& s) {
  bool ok = !s.empty() && s.size() <= 200 &&
            std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!ok) return std::string("must be 1 to 200 printable ASCII characters");
  return std::nullopt;
}

// "" or http://IP:port: the guard exempts exactly the proxy's address, so it must be a literal.
std::optional<std::string> proxyUrl(std::string& s) {
  if (s.empty()) return std::nullopt;
  constexpr std::string_view kScheme = "http://";
  std::string_view rest(s);
  if (rest.substr(0, kScheme.size()) != kScheme || rest.back() == '/') {
    return std::string("must be http://IP:port (e.g. \"http://10.0.0.8:3128\"), or \"\" for none");
  }
  auto hp = splitHostPort(rest.substr(kScheme.size()));
  if (!hp.ok() || !isIpLiteral(hp->first)) {
    return std::string("the proxy must be an IP literal and a port, e.g. \"http://10.0.0.8:3128\"");
  }
  return std::nullopt;
}

std::optional<std::string> clientId(std::string& s) {
  if (s.size() > 100 || !printableNoSpace(s)) {
    return std::string("must be printable characters without spaces, as GitHub shows it");
  }
  return std::nullopt;
}

std::optional<std::string> githubScope(std::string& s) {
  bool ok = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '_' || c == ':';
  });
  if (!ok) return "\"" + s + "\" is not a GitHub OAuth scope (e.g. \"repo\", \"admin:repo_hook\")";
  return std::nullopt;
}

std::optional<std::string> cidr(std::string& s) {
  auto n = parseCidr(s);
  if (!n.ok()) return n.error().message;
  s = std::move(n.value());
  return std::nullopt;
}

// The value may be a bearer token pasted by mistake, so it is never echoed.
std::optional<std::string> sha256Hex(std::string& s) {
  if (!isSha256Hex(s)) {
    return "not a SHA-256 digest (64 hex characters, e.g. the output of "
           "`printf %s \"$TOKEN\" | sha256sum`)";
  }
  s = toLower(s);
  return std::nullopt;
}

// "ip:port" or "[v6]:port" of a sentinel or cluster node: no host names, no unix sockets.
std::optional<std::string> redisNode(std::string& s) {
  auto hp = splitHostPort(s);
  if (!hp.ok() || hp->second == 0)
    return "\"" + s + "\" is not IP:port (e.g. \"10.0.0.5:26379\", \"[fd00::5]:26379\")";
  if (!isIpLiteral(hp->first)) {
    return "host \"" + hp->first +
           "\" must be an IP address: hiredis resolves host names with a blocking lookup on the "
           "event loop";
  }
  return std::nullopt;
}

std::optional<std::string> masterName(std::string& s) {
  if (s.size() > 100 || !printableNoSpace(s))
    return std::string(
        "must be the name the sentinels monitor, without spaces (e.g. \"mymaster\")");
  return std::nullopt;
}

// ---- bindings that read files or fill more than one field ----

Binding redisAddress() {
  return Binding{
      ValueType::kString,
      "string (host:port or unix:/path)",
      "\"127.0.0.1:6379\"",
      [](const Value& v, Config& c, const LoadContext&) -> Check {
        if (v.text.rfind("unix:", 0) != 0) {
          auto hp = splitHostPort(v.text);
          if (hp.ok() && !isIpLiteral(hp->first)) {
            return why("host \"" + hp->first +
                       "\" must be an IP address or the address must be unix:/path: hiredis "
                       "resolves host names with a blocking lookup on the event loop");
          }
        }
        auto a = parseListenAddress(v.text, "");
        if (!a.ok()) return why(a.error().message);
        c.redis_address = v.text;
        c.redis_endpoint = std::move(a.value());
        return std::nullopt;
      },
      [](const Config& c) { return tomlQuote(c.redis_address); },
      sameField(&Config::redis_address)};
}

// A file holding a password-like secret; "" means none. The secret lands in `value`.
Binding secretFile(std::string Config::*path, std::string Config::*value, std::string example) {
  return Binding{
      ValueType::kString,
      "string (file path)",
      std::move(example),
      [=](const Value& v, Config& c, const LoadContext& ctx) -> Check {
        if (v.text.empty()) {
          c.*path = "";
          c.*value = "";
          return std::nullopt;
        }
        auto p = resolvePath(v.text, ctx);
        if (!p.ok()) return why(p.error().message);
        auto s = readSecretFile(p.value());
        if (!s.ok()) return why(s.error().message);
        c.*path = std::move(p.value());
        c.*value = std::move(s.value());
        return std::nullopt;
      },
      [=](const Config& c) {
        return tomlQuote(c.*path) + "  # contents: " + secretState(c.*value);
      },
      [=](const Config& a, const Config& b) { return a.*path == b.*path && a.*value == b.*value; }};
}

Binding masterKeyFile() {
  return Binding{ValueType::kString,
                 "string (file path)",
                 "\"$CREDENTIALS_DIRECTORY/master.key\"",
                 [](const Value& v, Config& c, const LoadContext& ctx) -> Check {
                   if (v.text.empty()) return why("must name the file holding the master key");
                   auto p = resolvePath(v.text, ctx);
                   if (!p.ok()) return why(p.error().message);
                   auto k = readMasterKeyFile(p.value(), ctx);
                   if (!k.ok()) return why(k.error().message);
                   c.master_key_file = std::move(p.value());
                   c.master_key = std::move(k.value());
                   return std::nullopt;
                 },
                 [](const Config& c) {
                   return tomlQuote(c.master_key_file) + "  # key: " + secretState(c.master_key);
                 },
                 [](const Config& a, const Config& b) {
                   return a.master_key_file == b.master_key_file && a.master_key == b.master_key;
                 }};
}

Binding previousMasterKeyFiles() {
  return Binding{ValueType::kStringArray,
                 "array of strings (file paths)",
                 "[\"/etc/triggerd/master.key.old\"]",
                 [](const Value& v, Config& c, const LoadContext& ctx) -> Check {
                   std::vector<std::string> paths, keys;
                   for (size_t i = 0; i < v.strings.size(); ++i) {
                     auto item = static_cast<int>(i);
                     std::string n = "item " + std::to_string(i + 1) + ": ";
                     auto p = resolvePath(v.strings[i], ctx);
                     if (!p.ok()) return why(n + p.error().message, item);
                     auto k = readMasterKeyFile(p.value(), ctx);
                     if (!k.ok()) return why(n + k.error().message, item);
                     paths.push_back(std::move(p.value()));
                     keys.push_back(std::move(k.value()));
                   }
                   c.previous_master_key_files = std::move(paths);
                   c.previous_master_keys = std::move(keys);
                   return std::nullopt;
                 },
                 [](const Config& c) {
                   return quoteList(c.previous_master_key_files) +
                          "  # keys: " + (c.previous_master_keys.empty() ? "<unset>" : "<set>");
                 },
                 [](const Config& a, const Config& b) {
                   return a.previous_master_key_files == b.previous_master_key_files &&
                          a.previous_master_keys == b.previous_master_keys;
                 }};
}

// Appends the hashes read from each file to admin_token_sha256 (applied after the inline list),
// skipping hashes listed already.
Binding adminTokenFiles() {
  return Binding{ValueType::kStringArray,
                 "array of strings (file paths)",
                 "[\"/etc/triggerd/admin-tokens.sha256\"]",
                 [](const Value& v, Config& c, const LoadContext& ctx) -> Check {
                   std::vector<std::string> paths;
                   for (size_t i = 0; i < v.strings.size(); ++i) {
                     auto item = static_cast<int>(i);
                     std::string n = "item " + std::to_string(i + 1) + ": ";
                     auto p = resolvePath(v.strings[i], ctx);
                     if (!p.ok()) return why(n + p.error().message, item);
                     auto hashes = readHashFile(p.value());
                     if (!hashes.ok()) return why(n + hashes.error().message, item);
                     // A hash already listed (inline, or in an earlier file) is not added
                     // again, so the rendered effective config loads to the same list.
                     for (auto& h : hashes.value()) {
                       auto& all = c.admin_token_sha256;
                       if (std::find(all.begin(), all.end(), h) == all.end()) {
                         all.push_back(std::move(h));
                       }
                     }
                     paths.push_back(std::move(p.value()));
                   }
                   c.admin_token_sha256_files = std::move(paths);
                   return std::nullopt;
                 },
                 [](const Config& c) { return quoteList(c.admin_token_sha256_files); },
                 sameField(&Config::admin_token_sha256_files)};
}

// A directory; "" disables the feature. Not created or checked here: the daemon owns it.
Binding directory(std::string Config::*field) {
  return Binding{ValueType::kString,
                 "string (directory path)",
                 "\"/var/lib/triggerd/spool\"",
                 [field](const Value& v, Config& c, const LoadContext& ctx) -> Check {
                   if (v.text.empty()) {
                     c.*field = "";
                     return std::nullopt;
                   }
                   auto p = resolvePath(v.text, ctx);
                   if (!p.ok()) return why(p.error().message);
                   c.*field = std::move(p.value());
                   return std::nullopt;
                 },
                 [field](const Config& c) { return tomlQuote(c.*field); },
                 sameField(field)};
}

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * 1024;

}  // namespace

const std::vector<ConfigTable>& configTables() {
  static const std::vector<ConfigTable> tables{
      {"server", "Listeners, the public URL and logging."},
      {"limits", "Limits on inbound HTTP requests, enforced on both listeners."},
      {"redis", "The Redis server holding jobs, triggers, sources and delivery ids."},
      {"queue", "The job stream runners consume."},
      {"security", "Encryption keys, admin tokens and the outbound address guard."},
      {"github", "GitHub API and OAuth app (for the OAuth binding flow)."},
      {"tokens", "Periodic re-validation of bound provider tokens."},
      {"outbound", "Calls triggerd makes to GitHub and GitLab APIs."},
      {"spool", "The local spool that keeps verified deliveries while Redis is unreachable."},
      {"webhooks", "Webhook verification."},
      {"triggers", "Limits on build triggers and the memory their compiled rules may take."},
      {"statuses", "Commit statuses triggerd posts on GitHub and GitLab as jobs change state."},
      {"runners", "What build runners get from triggerd."},
      {"hooks", "Installing and keeping repository hooks through the bound accounts."},
      {"console", "The web console on the public listener (/console/) and its sessions."},
  };
  return tables;
}

const std::vector<ConfigKey>& configSchema() {
  // clang-format off
  static const std::vector<ConfigKey> schema{
    // ---- [server] ----
    {"server.public_listen", kRestart, "\"0.0.0.0:8080\"",
     "Address of the public listener: webhooks, the OAuth callback, /healthz and /readyz. "
     "Not used when systemd passes a socket named \"public\".",
     listen(&Config::public_listen)},
    {"server.admin_listen", kRestart, "\"127.0.0.1:8081\"",
     "Address of the admin listener: /api/v1 and /metrics. Keep it on loopback or a unix "
     "socket. Not used when systemd passes a socket named \"admin\".",
     listen(&Config::admin_listen)},
    {"server.public_base_url", kRestart, kRequired,
     "The URL at which GitHub and GitLab reach the public listener; webhook and OAuth callback "
     "URLs are built from it. http or https, no query; a trailing slash is removed.",
     text(&Config::public_base_url, "string (http(s) URL)", "\"https://triggerd.example.com\"",
          httpUrl)},
    {"server.log_level", kLive, "\"info\"",
     "Least severe level logged: debug, info, warn or error.",
     text(&Config::log_level, "string (debug|info|warn|error)", "\"info\"", logLevel)},
    {"server.reuse_port", kRestart, "false",
     "Let several triggerd processes on this machine listen on the same public port "
     "(SO_REUSEPORT on the public listener triggerd binds; the kernel spreads new connections "
     "over them). Every process needs its own admin listener and spool.dir (docs/operations.md, "
     "several processes). Not needed with socket activation, where the processes share "
     "systemd's socket.",
     flag(&Config::reuse_port)},

    // ---- [limits] ----
    {"limits.max_body_bytes", kLive, "\"10MiB\"",
     "Largest request body accepted; a larger one gets 413 and the connection is closed.",
     size(&Config::max_body_bytes, kKiB, 100 * kMiB)},
    {"limits.max_header_bytes", kLive, "\"64KiB\"",
     "Largest request line plus headers accepted.",
     size(&Config::max_header_bytes, kKiB, kMiB)},
    {"limits.request_timeout", kLive, "\"10s\"",
     "Deadline for reading a whole request, from its first byte (from the accept for a "
     "connection's first request) to its last; a slower client is disconnected (guards "
     "against slowloris). Handler time is not covered.",
     duration(&Config::request_timeout, 100ms, 10min)},
    {"limits.idle_timeout", kLive, "\"30s\"",
     "How long a keep-alive connection may stay idle between requests, and how long an answer "
     "may stall unread.",
     duration(&Config::idle_timeout, 1s, 1h)},
    {"limits.max_connections", kLive, "1024",
     "Most inbound connections open at once, per listener. At the limit triggerd stops "
     "accepting: new clients wait in the kernel's backlog until a connection closes.",
     integer(&Config::max_connections, 1, 1000000)},
    {"limits.max_connections_per_address", kLive, "256",
     "Most connections open at once from one client IP address on the public listener; a "
     "further one is answered 503 with Retry-After and closed. 0 disables the limit. GitHub and "
     "GitLab deliver from a few addresses with a few connections each, so the default leaves "
     "them ample room while one address cannot hold more than a quarter of max_connections. "
     "Behind a reverse proxy every connection comes from the proxy: set it to max_connections "
     "or 0 there.",
     integer(&Config::max_connections_per_address, 0, 1000000)},

    // ---- [redis] ----
    {"redis.address", kRestart, "\"127.0.0.1:6379\"",
     "Redis server as IP:port, [IPv6]:port or unix:/path. Host names are refused: hiredis "
     "would resolve them with a blocking lookup on the event loop.",
     redisAddress()},
    {"redis.password_file", kRestart, "\"\"",
     "File holding the Redis AUTH password (a trailing newline is ignored). Empty: no AUTH.",
     secretFile(&Config::redis_password_file, &Config::redis_password,
                "\"$CREDENTIALS_DIRECTORY/redis.password\"")},
    {"redis.key_prefix", kRestart, "\"triggerd:\"",
     "Prefix of every Redis key triggerd and its runners use.",
     text(&Config::key_prefix, "string", "\"triggerd:\"", keyPrefix)},
    {"redis.allow_volatile_redis", kRestart, "false",
     "Start even though Redis runs without AOF persistence (appendonly no), accepting that a "
     "Redis crash loses acknowledged jobs. For development only.",
     flag(&Config::allow_volatile_redis)},
    {"redis.connect_timeout", kRestart, "\"2s\"",
     "Deadline for connecting to Redis; on expiry triggerd retries with backoff.",
     duration(&Config::redis_connect_timeout, 100ms, 1min)},
    {"redis.command_timeout", kRestart, "\"2s\"",
     "Deadline for one Redis command; on expiry the connection is dropped and re-established.",
     duration(&Config::redis_command_timeout, 100ms, 1min)},
    {"redis.ping_interval", kRestart, "\"1s\"",
     "How often triggerd pings Redis when nothing else is sent, so a frozen Redis is noticed "
     "(readiness follows) even without traffic.",
     duration(&Config::redis_ping_interval, 100ms, 1min)},
    {"redis.sentinels", kRestart, "[]",
     "Redis Sentinel: IP:port of each sentinel watching the primary. When set, redis.address is "
     "not used: triggerd asks the sentinels (one after another until one answers) for the "
     "primary of redis.master_name before every connection, checks with ROLE that it is the "
     "primary, and asks again on a lost connection, a timeout, a READONLY reply and every "
     "redis.ping_interval, so it follows a failover (docs/redis-ha.md).",
     list(&Config::redis_sentinels, "array of strings (IP:port)", "[\"10.0.0.5:26379\"]",
          redisNode)},
    {"redis.master_name", kRestart, "\"\"",
     "The name the sentinels monitor the primary under (`sentinel monitor <name> ...`). "
     "Required with redis.sentinels.",
     text(&Config::redis_master_name, "string", "\"mymaster\"", masterName)},
    {"redis.sentinel_password_file", kRestart, "\"\"",
     "File holding the password of the sentinels themselves (their requirepass; a trailing "
     "newline is ignored). Empty: no AUTH to the sentinels. redis.password_file is the "
     "primary's.",
     secretFile(&Config::redis_sentinel_password_file, &Config::redis_sentinel_password,
                "\"$CREDENTIALS_DIRECTORY/sentinel.password\"")},
    {"redis.cluster_nodes", kRestart, "[]",
     "Redis Cluster: IP:port of some of its nodes, from which triggerd reads the slot map "
     "(CLUSTER SLOTS). When set, redis.address is not used: triggerd keeps a connection per "
     "primary and sends each command to the primary of its keys' slot, following MOVED and "
     "ASK. Keys then carry hash tags so that every script's keys share a slot: the job stream "
     "is \"<key_prefix>{queue}:jobs\" (docs/redis-ha.md, docs/redis-layout.md).",
     list(&Config::redis_cluster_nodes, "array of strings (IP:port)", "[\"10.0.0.5:6379\"]",
          redisNode)},
    {"redis.wait_replicas", kRestart, "0",
     "After each enqueue, WAIT until this many replicas have the jobs before the delivery is "
     "acknowledged; fewer within redis.wait_timeout and the delivery goes to the spool (or gets "
     "503) and is enqueued again later, which its dedupe makes harmless. 0: no WAIT, so a "
     "failover can lose jobs acknowledged just before it (docs/redis-ha.md has the bound and "
     "the cost).",
     integer(&Config::redis_wait_replicas, 0, 10)},
    {"redis.wait_timeout", kRestart, "\"500ms\"",
     "How long the WAIT after an enqueue waits for redis.wait_replicas replicas. Shorter than "
     "redis.command_timeout: the WAIT holds the connection's later commands behind it.",
     duration(&Config::redis_wait_timeout, 10ms, 30s)},

    // ---- [queue] ----
    {"queue.visibility_timeout", kRestart, "\"15m\"",
     "A job claimed by a runner but neither acknowledged nor kept alive (XCLAIM) for this long "
     "is taken back and queued again. Whole seconds.",
     duration(&Config::visibility_timeout, 1s, 7 * 24h)},
    {"queue.max_attempts", kRestart, "3",
     "Deliveries of a job to runners before it moves to the dead-letter stream.",
     integer(&Config::max_attempts, 1, 100)},
    {"queue.delivery_ttl", kRestart, "\"72h\"",
     "How long webhook delivery ids are remembered, so a redelivery enqueues nothing. "
     "Whole seconds.",
     duration(&Config::delivery_ttl, 1h, 30 * 24h)},
    {"queue.job_retention", kRestart, "\"7d\"",
     "How long a job's record and the job lists naming it are kept after the job was queued "
     "(a retry from the dead-letter stream starts it again), and its build log after the last "
     "runner report. Whole seconds.",
     duration(&Config::job_retention, 1h, 365 * 24h)},
    {"queue.history_length", kRestart, "100",
     "Jobs kept in each trigger's build history (GET .../triggers/{id}/jobs), newest first.",
     integer(&Config::history_length, 1, 10000)},
    {"queue.user_history_length", kRestart, "1000",
     "Jobs kept in each user's job list (GET .../users/{user}/jobs), newest first.",
     integer(&Config::user_history_length, 1, 100000)},
    {"queue.reclaim_interval", kRestart, "\"30s\"",
     "How often jobs whose runner stopped answering are looked for (one triggerd process does "
     "it at a time).",
     duration(&Config::reclaim_interval, 1s, 1h)},

    // ---- [security] ----
    {"security.master_key_file", kRestart, kRequired,
     "File holding the key that encrypts tokens and hook secrets at rest: 32 raw bytes or 64 "
     "hex characters. Must not be accessible to group or other (chmod 600), unless it lies "
     "under $CREDENTIALS_DIRECTORY.",
     masterKeyFile()},
    {"security.previous_master_key_files", kRestart, "[]",
     "Older master keys, still used to open values sealed before a key rotation. Same format "
     "and permission rules as master_key_file.",
     previousMasterKeyFiles()},
    {"security.admin_token_sha256", kLive, "[]",
     "Hex SHA-256 of each admin bearer token (`printf %s \"$TOKEN\" | sha256sum`). At least "
     "one admin token is required, here or in admin_token_sha256_files.",
     list(&Config::admin_token_sha256, "array of strings (64 hex characters)",
          "[\"<64 hex characters>\"]", sha256Hex)},
    {"security.admin_token_sha256_files", kLive, "[]",
     "Files of admin token hashes, one per line ('#' starts a comment line); their hashes are "
     "added to admin_token_sha256 and re-read on reload.",
     adminTokenFiles()},
    {"security.allow_core_dumps", kRestart, "false",
     "Let triggerd dump core (for debugging a crash). Off: the process is not dumpable "
     "(PR_SET_DUMPABLE 0), so keys and decrypted tokens never reach a core file.",
     flag(&Config::allow_core_dumps)},
    {"security.allow_plain_http_gitlab", kLive, "false",
     "Let GitLab tokens travel over plain http:// to servers outside allowed_networks. Off: an "
     "http:// GitLab server must be inside security.allowed_networks (a network you vouch for), "
     "or the call is refused before the token is sent.",
     flag(&Config::allow_plain_http_gitlab)},
    {"security.allowed_networks", kLive, "[]",
     "CIDR networks outbound calls may reach although they are loopback, private or "
     "link-local, e.g. a GitLab server on the internal network.",
     list(&Config::allowed_networks, "array of strings (CIDR)", "[\"10.0.0.0/8\"]", cidr)},

    // ---- [github] ----
    {"github.api_url", kRestart, "\"https://api.github.com\"",
     "GitHub REST API base for new bindings; for GitHub Enterprise \"https://HOST/api/v3\".",
     text(&Config::github_api_url, "string (http(s) URL)", "\"https://api.github.com\"",
          httpUrl)},
    {"github.oauth_url", kRestart, "\"https://github.com\"",
     "GitHub web base for the OAuth flow (/login/oauth/authorize, /login/oauth/access_token).",
     text(&Config::github_oauth_url, "string (http(s) URL)", "\"https://github.com\"", httpUrl)},
    {"github.client_id", kRestart, "\"\"",
     "OAuth app client id. Empty: the OAuth flow is off and GitHub sources are bound with "
     "personal tokens only.",
     text(&Config::github_client_id, "string", "\"Iv1.0123456789abcdef\"", clientId)},
    {"github.client_secret_file", kRestart, "\"\"",
     "File holding the OAuth app client secret (a trailing newline is ignored). Required "
     "when client_id is set.",
     secretFile(&Config::github_client_secret_file, &Config::github_client_secret,
                "\"$CREDENTIALS_DIRECTORY/github-client-secret\"")},
    {"github.scopes", kRestart, "[\"repo\"]",
     "OAuth scopes requested; \"repo\" covers hooks and commit statuses on private repositories.",
     list(&Config::github_scopes, "array of strings", "[\"repo\"]", githubScope)},
    {"github.oauth_success_url", kRestart, "\"\"",
     "Where the OAuth callback redirects after a successful binding. Empty: a small HTML page.",
     text(&Config::github_oauth_success_url, "string (http(s) URL or empty)",
          "\"https://console.example.com/sources\"", optionalHttpUrl)},
    {"github.oauth_handoff_url", kRestart, "\"\"",
     "For integrators with a console of their own: an OAuth flow started through the API (not "
     "from triggerd's console) ends with a redirect here carrying a one-time ?handoff= code, "
     "and binds only when that code is redeemed with POST .../sources/github/complete and a "
     "token of the flow's user. Empty: such flows must be completed in a browser signed in to "
     "triggerd's console as that user.",
     text(&Config::github_oauth_handoff_url, "string (http(s) URL or empty)",
          "\"https://console.example.com/github/complete\"", optionalHttpUrl)},

    // ---- [tokens] ----
    {"tokens.check_interval", kLive, "\"1h\"",
     "How often every bound token is re-validated (revoked, expired, scopes lost). "
     "Whole seconds.",
     duration(&Config::token_check_interval, 1min, 7 * 24h)},
    {"tokens.expiry_warning", kLive, "\"7d\"",
     "A token expiring within this window shows as \"expiring\" in the API, log and metrics. "
     "Whole seconds.",
     duration(&Config::token_expiry_warning, 1h, 365 * 24h)},

    // ---- [outbound] ----
    {"outbound.connect_timeout", kRestart, "\"5s\"",
     "Deadline for connecting to a provider API.",
     duration(&Config::outbound_connect_timeout, 100ms, 1min)},
    {"outbound.total_timeout", kRestart, "\"15s\"",
     "Deadline for a whole provider API call; at least connect_timeout.",
     duration(&Config::outbound_total_timeout, 1s, 10min)},
    {"outbound.max_response_bytes", kRestart, "\"8MiB\"",
     "Largest provider API response read; a larger one fails the call.",
     size(&Config::outbound_max_response_bytes, 64 * kKiB, 256 * kMiB)},
    {"outbound.proxy", kRestart, "\"\"",
     "HTTP proxy for every call to GitHub and GitLab, as http://IP:port; empty: none. The "
     "proxy environment variables (HTTPS_PROXY, ...) are always ignored. Through a proxy, "
     "triggerd still resolves each destination itself and refuses it unless every address passes "
     "security.allowed_networks, then asks the proxy for that address.",
     text(&Config::outbound_proxy, "string", "\"http://10.0.0.8:3128\"", proxyUrl)},
    {"outbound.user_agent", kRestart, "\"triggerd/0.1\"",
     "User-Agent header of provider API calls (GitHub requires one).",
     text(&Config::user_agent, "string", "\"triggerd/0.1\"", userAgent)},

    // ---- [spool] ----
    {"spool.dir", kRestart, "\"\"",
     "Directory of the disk spool: from this version, a verified delivery that Redis cannot "
     "take (unreachable, or slower than its deadline) is written here and fsynced before its "
     "202, then replayed in order when Redis returns (docs/spool.md). Empty: no spool, such "
     "deliveries get 503. Created with mode 0700 when missing; a world-writable directory is "
     "refused. Under systemd: a directory in /var/lib/triggerd (StateDirectory=).",
     directory(&Config::spool_dir)},
    {"spool.max_bytes", kRestart, "\"1GiB\"",
     "Most bytes the spool's segment files may take; beyond it, deliveries that would be "
     "spooled get 503 with Retry-After.",
     size(&Config::spool_max_bytes, kMiB, 1024 * 1024 * kMiB)},
    {"spool.segment_bytes", kRestart, "\"16MiB\"",
     "A segment file this large is closed and a new one begun; a segment is deleted once every "
     "record in it was replayed. At most half of max_bytes.",
     size(&Config::spool_segment_bytes, 64 * kKiB, 1024 * kMiB)},
    {"spool.max_age", kRestart, "\"24h\"",
     "Spooled deliveries older than this are not replayed but moved to the file \"expired\" in "
     "the spool directory, logged and counted: replayed after queue.delivery_ttl, a delivery "
     "could build twice. Shorter than queue.delivery_ttl. Whole seconds.",
     duration(&Config::spool_max_age, 1min, 30 * 24h)},
    {"spool.redis_deadline", kLive, "\"1s\"",
     "How long a delivery waits for Redis to acknowledge its jobs before it is spooled and "
     "answered 202 (the enqueue in flight may still land; the replay's dedupe settles it).",
     duration(&Config::spool_redis_deadline, 50ms, 30s)},

    // ---- [webhooks] ----
    {"webhooks.secret_rotation_grace", kLive, "\"24h\"",
     "After a hook secret rotation, the old secret still verifies deliveries this long. "
     "Whole seconds.",
     duration(&Config::secret_rotation_grace, 0s, 30 * 24h)},
    {"webhooks.signature_tolerance", kLive, "\"5m\"",
     "Largest clock difference accepted on a signed webhook-timestamp (GitLab Standard "
     "Webhooks). Whole seconds.",
     duration(&Config::signature_tolerance, 10s, 1h)},

    // ---- [triggers] ----
    {"triggers.max_per_user", kLive, "200",
     "Most triggers one user may have; creating one more is refused with 422.",
     integer(&Config::max_triggers_per_user, 1, 100000)},
    {"triggers.max_rule_program_size", kLive, "20000",
     "Most RE2 program instructions the match patterns of one trigger may compile to, in "
     "total; larger rules are refused with 422 when saved. Ordinary patterns take tens.",
     integer(&Config::max_rule_program_size, 100, 1000000)},
    {"triggers.rule_cache_program_size", kLive, "5000000",
     "Most RE2 program instructions kept compiled in memory for all triggers together; the "
     "least recently used triggers' rules are dropped beyond it and compiled again when their "
     "next verified delivery arrives.",
     integer(&Config::rule_cache_program_size, 10000, 1000000000)},
    {"triggers.cache_max_age", kLive, "\"1s\"",
     "A trigger read from Redis less than this long ago verifies the next deliveries to it "
     "without being read again (0s: read it for every delivery). A change made through this "
     "triggerd applies at once; one made through another replica, within this long. A "
     "delivery the cached trigger would refuse is always checked against Redis.",
     duration(&Config::trigger_cache_max_age, 0ms, 60s)},
    {"triggers.manual_run_limit", kLive, "10",
     "Most manual runs (POST .../triggers/{id}/run) of one trigger per manual_run_window; "
     "more get 429.",
     integer(&Config::manual_run_limit, 1, 100000)},
    {"triggers.manual_run_window", kLive, "\"1m\"",
     "The window manual_run_limit counts in. Whole seconds.",
     duration(&Config::manual_run_window, 1s, 24h)},

    // ---- [statuses] ----
    {"statuses.enabled", kLive, "true",
     "Post a commit status per image (context \"triggerd/<image>\") when a job is queued, "
     "starts and ends.",
     flag(&Config::statuses_enabled)},
    {"statuses.target_url", kLive, "\"\"",
     "Link of each commit status, e.g. a console page of the job; {job}, {user} and {trigger} "
     "are filled in. Empty: no link.",
     text(&Config::status_target_url, "string (http(s) URL template or empty)",
          "\"https://console.example.com/jobs/{job}\"", urlTemplate)},
    {"statuses.max_attempts", kLive, "6",
     "Tries per commit status before it is given up (provider down or rate limiting).",
     integer(&Config::status_max_attempts, 1, 20)},
    {"statuses.retry_delay", kLive, "\"2s\"",
     "Wait before the first retry of a commit status; it doubles per retry, up to 5 minutes.",
     duration(&Config::status_retry_delay, 100ms, 1min)},

    // ---- [runners] ----
    {"runners.credentials_ttl", kLive, "\"15m\"",
     "Lifetime of the clone credentials a runner fetches for a job (GitLab: the deploy token's "
     "expiry; it is also revoked when the attempt ends). Whole seconds.",
     duration(&Config::credentials_ttl, 1min, 24h)},

    // ---- [hooks] ----
    {"hooks.reconcile_interval", kLive, "\"1h\"",
     "How often every installed hook is checked and repaired (recreated when deleted, "
     "re-enabled when the provider disabled it, its settings sent again when changed) and its "
     "failed deliveries redelivered. One triggerd process of several runs each pass. Whole "
     "seconds.",
     duration(&Config::hooks_reconcile_interval, 1s, 7 * 24h)},
    {"hooks.startup_delay", kRestart, "\"10s\"",
     "When the first reconciliation runs after start-up; it redelivers what failed while "
     "triggerd was down. Whole seconds.",
     duration(&Config::hooks_startup_delay, 0s, 1h)},
    {"hooks.max_concurrency", kLive, "8",
     "Most triggers whose hooks one job (a reconciliation, `triggerctl hooks repair --all`) "
     "works on at once.",
     integer(&Config::hooks_max_concurrency, 1, 64)},
    {"hooks.max_rate_limit_wait", kLive, "\"1h\"",
     "How long background hook work waits for a provider's rate limit to reset before it "
     "gives up on a call; API calls answered while a client waits never wait (503 with "
     "Retry-After). Whole seconds.",
     duration(&Config::hooks_max_rate_limit_wait, 0s, 24h)},
    {"hooks.recover_window", kLive, "\"72h\"",
     "How far back failed deliveries are looked for and redelivered (GitHub redelivers up to "
     "3 days back; GitLab keeps 7 days of hook events). Whole seconds.",
     duration(&Config::hooks_recover_window, 1h, 30 * 24h)},

    // ---- [console] ----
    {"console.session_idle_timeout", kRestart, "\"30m\"",
     "A console session unused this long ends; every request restarts the clock. Whole "
     "seconds.",
     duration(&Config::session_idle_timeout, 1min, 24h)},
    {"console.session_lifetime", kRestart, "\"12h\"",
     "A console session ends this long after sign-in, however busy; at least "
     "session_idle_timeout. Whole seconds.",
     duration(&Config::session_lifetime, 5min, 30 * 24h)},
  };
  // clang-format on
  return schema;
}

std::vector<CrossProblem> crossCheck(const Config& c) {
  std::vector<CrossProblem> out;
  const ListenAddress& pub = c.public_listen;
  const ListenAddress& adm = c.admin_listen;
  auto wildcard = [](const std::string& host) { return host == "0.0.0.0" || host == "::"; };
  bool clash = pub.unix_path.empty() && adm.unix_path.empty()
                   ? pub.port == adm.port &&
                         (pub.host == adm.host || wildcard(pub.host) || wildcard(adm.host))
                   : !pub.unix_path.empty() && pub.unix_path == adm.unix_path;
  if (clash) {
    out.push_back({"server.admin_listen", "\"" + adm.text + "\" overlaps server.public_listen \"" +
                                              pub.text +
                                              "\"; the two listeners need different addresses"});
  }
  if (c.admin_token_sha256.empty()) {
    out.push_back({"security.admin_token_sha256",
                   "required: at least one admin token hash, here or in "
                   "security.admin_token_sha256_files; e.g. admin_token_sha256 = [\"<64 hex "
                   "characters>\"]",
                   "security.admin_token_sha256_files"});
  }
  if (!c.github_client_id.empty() && c.github_client_secret_file.empty()) {
    out.push_back({"github.client_secret_file",
                   "required when github.client_id is set; e.g. client_secret_file = "
                   "\"$CREDENTIALS_DIRECTORY/github-client-secret\""});
  }
  if (c.github_client_id.empty() && !c.github_client_secret_file.empty()) {
    out.push_back({"github.client_id", "required when github.client_secret_file is set",
                   "github.client_secret_file"});
  }
  if (c.spool_segment_bytes > c.spool_max_bytes / 2) {
    out.push_back({"spool.segment_bytes",
                   "must be at most half of spool.max_bytes (" + formatSize(c.spool_max_bytes) +
                       "), so that deleting consumed segments can free space",
                   "spool.max_bytes"});
  }
  if (c.spool_max_age >= c.delivery_ttl) {
    out.push_back({"spool.max_age",
                   "must be shorter than queue.delivery_ttl (" +
                       formatDuration(std::chrono::duration_cast<milliseconds>(c.delivery_ttl)) +
                       "): a delivery replayed after its id was forgotten could build twice",
                   "queue.delivery_ttl"});
  }
  if (c.session_idle_timeout > c.session_lifetime) {
    out.push_back(
        {"console.session_lifetime",
         "must be at least console.session_idle_timeout (" +
             formatDuration(std::chrono::duration_cast<milliseconds>(c.session_idle_timeout)) +
             ")"});
  }
  if (!c.redis_sentinels.empty() && !c.redis_cluster_nodes.empty()) {
    out.push_back({"redis.cluster_nodes",
                   "cannot be set together with redis.sentinels: a Redis Cluster fails over by "
                   "itself; keep one of the two"});
  }
  if (!c.redis_sentinels.empty() && c.redis_master_name.empty()) {
    out.push_back({"redis.master_name",
                   "required with redis.sentinels: the name the sentinels monitor the primary "
                   "under, e.g. master_name = \"mymaster\""});
  }
  if (c.redis_sentinels.empty() && !c.redis_master_name.empty()) {
    out.push_back({"redis.sentinels",
                   "required with redis.master_name: the sentinels to ask, e.g. sentinels = "
                   "[\"10.0.0.5:26379\"]",
                   "redis.master_name"});
  }
  if (c.redis_sentinels.empty() && !c.redis_sentinel_password_file.empty()) {
    out.push_back({"redis.sentinel_password_file", "only used with redis.sentinels; remove it",
                   "redis.sentinels"});
  }
  if (!c.redis_cluster_nodes.empty() && c.key_prefix.find_first_of("{}") != std::string::npos) {
    out.push_back({"redis.key_prefix",
                   "must not contain { or } with redis.cluster_nodes: keys carry hash tags of "
                   "their own, and braces in the prefix would change which slot a key hashes to"});
  }
  if (c.redis_wait_replicas > 0 && c.redis_wait_timeout >= c.redis_command_timeout) {
    out.push_back({"redis.wait_timeout",
                   "must be shorter than redis.command_timeout (" +
                       formatDuration(c.redis_command_timeout) +
                       "): the WAIT would otherwise time the connection out",
                   "redis.command_timeout"});
  }
  if (c.outbound_connect_timeout > c.outbound_total_timeout) {
    out.push_back({"outbound.total_timeout", "must be at least outbound.connect_timeout (" +
                                                 formatDuration(c.outbound_connect_timeout) + ")"});
  }
  return out;
}

}  // namespace triggerd::config

namespace triggerd {

std::vector<std::string> nonReloadableChanges(const Config& running, const Config& next) {
  std::vector<std::string> changed;
  for (const config::ConfigKey& k : config::configSchema()) {
    if (k.reload == config::Reload::kRestart && !k.bind.same(running, next)) {
      changed.emplace_back(k.key);
    }
  }
  return changed;
}

std::string renderEffectiveConfig(const Config& c) {
  std::string out = "# triggerd effective configuration";
  if (!c.path.empty()) out += ", loaded from " + c.path;
  out += "\n# Keys marked \"restart\" take effect only on a restart; SIGHUP applies the rest.\n";
  for (const std::string& o : c.overrides) out += "# --set " + o + "\n";
  std::string_view table;
  for (const config::ConfigKey& k : config::configSchema()) {
    size_t dot = k.key.find('.');
    std::string_view t = k.key.substr(0, dot);
    if (t != table) {
      out += "\n[" + std::string(t) + "]\n";
      table = t;
    }
    std::string line = std::string(k.key.substr(dot + 1)) + " = " + k.bind.show(c);
    if (k.reload == config::Reload::kRestart) {
      line += line.find("  # ") == std::string::npos ? "  # restart" : ", restart";
    }
    out += line + "\n";
  }
  return out;
}

std::string renderConfigReference() {
  auto cell = [](std::string_view s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
  };
  std::string out;
  for (const config::ConfigTable& t : config::configTables()) {
    out += "### [" + std::string(t.name) + "]\n\n" + std::string(t.help) + "\n\n";
    out += "| key | type | default | reload | meaning |\n|---|---|---|---|---|\n";
    for (const config::ConfigKey& k : config::configSchema()) {
      if (k.key.substr(0, k.key.find('.')) != t.name) continue;
      std::string def = k.default_toml ? "`" + cell(*k.default_toml) + "`" : "**required**";
      out += "| `" + std::string(k.key) + "` | " + cell(k.bind.type_doc) + " | " + def + " | " +
             (k.reload == config::Reload::kLive ? "yes" : "restart") + " | " + cell(k.help) +
             " |\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace triggerd
