#include "config/config_values.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "common/encoding.h"

namespace triggerd::config {
namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Digits only, no sign, at most 15 of them (so any unit multiple stays far from overflow).
std::optional<uint64_t> parseDigits(std::string_view s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!isDigit(c)) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

Error bad(std::string message) {
  return Error::badRequest("", std::move(message));
}

struct Unit {
  std::string_view name;
  uint64_t factor;
};

constexpr std::array<Unit, 5> kDurationUnits{
    {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}}};
constexpr std::array<Unit, 5> kSizeUnits{
    {{"TiB", uint64_t{1} << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}};

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

Result<std::pair<std::string, uint16_t>> splitHostPort(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad("missing \":port\" after \"]\"");
    port = rest.substr(1);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return bad("missing \":port\"; write host:port, [ipv6]:port or unix:/path");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad("an IPv6 address needs brackets, e.g. \"[::1]:8080\"");
    }
  }
  if (host.empty()) return bad("missing host before \":port\"; e.g. \"127.0.0.1:8080\"");
  auto p = parseDigits(port);
  if (!p || *p == 0 || *p > 65535) return bad("port must be a number from 1 to 65535");
  return std::make_pair(std::string(host), static_cast<uint16_t>(*p));
}

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  auto fail = [&] {
    return bad("\"" + std::string(text) +
               "\" is not a duration: write a whole number and a unit (ms, s, m, h, d), e.g. "
               "\"500ms\", \"10s\", \"5m\", \"72h\", \"7d\" or \"1h30m\"");
  };
  if (text.empty()) return fail();
  uint64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && isDigit(text[i])) ++i;
    auto n = parseDigits(text.substr(start, i - start));
    if (!n) return fail();
    size_t unit_start = i;
    while (i < text.size() && !isDigit(text[i])) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty()) return fail();
    auto u = std::find_if(kDurationUnits.begin(), kDurationUnits.end(),
                          [&](const Unit& x) { return x.name == unit; });
    if (u == kDurationUnits.end()) return fail();
    total += *n * u->factor;
    if (total > uint64_t{100} * 365 * 86400000) {
      return bad("\"" + std::string(text) + "\" is longer than 100 years");
    }
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

std::string tomlQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string formatDuration(std::chrono::milliseconds d) {
  auto ms = static_cast<uint64_t>(std::max<int64_t>(d.count(), 0));
  if (ms == 0) return "0s";
  for (const Unit& u : kDurationUnits) {
    if (ms % u.factor == 0) return std::to_string(ms / u.factor) + std::string(u.name);
  }
  return std::to_string(ms) + "ms";  // unreachable: the factor 1 always divides
}

Result<uint64_t> parseSize(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return bad("\"" + std::string(text) + "\" is not a size: " + std::string(why));
  };
  size_t i = 0;
  while (i < text.size() && isDigit(text[i])) ++i;
  auto n = parseDigits(text.substr(0, i));
  if (!n)
    return fail("write a whole number of bytes or a number and a unit, e.g. \"64KiB\", \"10MiB\"");
  std::string_view unit = trim(text.substr(i));
  if (unit.empty()) return *n;
  for (const Unit& u : kSizeUnits) {
    if (equalsIgnoreCase(unit, u.name)) {
      if (*n > (~uint64_t{0}) / u.factor) return fail("too large");
      return *n * u.factor;
    }
  }
  std::string lower = toLower(unit);
  if (lower == "kb" || lower == "mb" || lower == "gb" || lower == "tb" || lower == "k" ||
      lower == "m" || lower == "g") {
    return fail("use binary units (KiB, MiB, GiB), which say whether 1000 or 1024 is meant");
  }
  return fail("unknown unit \"" + std::string(unit) + "\"; use B, KiB, MiB, GiB or TiB");
}

std::string formatSize(uint64_t bytes) {
  if (bytes == 0) return "0";
  for (const Unit& u : kSizeUnits) {
    if (u.factor > 1 && bytes % u.factor == 0)
      return std::to_string(bytes / u.factor) + std::string(u.name);
  }
  return std::to_string(bytes);
}

Result<std::string> normaliseHttpUrl(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return bad("\"" + std::string(text) + "\" is not a usable URL: " + std::string(why));
  };
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return fail("it contains a space or control character");
    }
  }
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return fail("it must start with http:// or https://");
  std::string scheme = toLower(text.substr(0, sep));
  if (scheme != "http" && scheme != "https") return fail("only http and https are allowed");
  std::string_view rest = text.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return fail("it must not carry a query or fragment");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.empty()) return fail("the host is missing");
  if (authority.find('@') != std::string_view::npos) {
    return fail("credentials do not belong in a URL");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after ']'");
      port = after.substr(1);
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, std::string(host.substr(1, host.size() - 2)).c_str(), &a6) != 1) {
      return fail("the bracketed host is not an IPv6 address");
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty()) return fail("the host is missing");
    for (char c : host) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '-' ||
                c == '.' || c == '_';
      if (!ok) return fail("the host has a character a host name cannot have");
    }
  }
  if (authority.find(':') != std::string_view::npos && authority.front() != '[' && port.empty()) {
    return fail("the port is empty");
  }
  if (!port.empty()) {
    auto p = parseDigits(port);
    if (!p || *p == 0 || *p > 65535) return fail("the port must be a number from 1 to 65535");
  }
  std::string out = scheme + "://" + toLower(host);
  if (!port.empty()) out += ":" + std::string(port);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out += path;
  return out;
}

Result<std::string> parseCidr(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return bad("\"" + std::string(text) + "\" is not a network: " + std::string(why));
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return fail(
        "write an address and a prefix length, e.g. \"10.0.0.0/8\", \"fd00::/8\" or "
        "\"192.0.2.7/32\" for one host");
  }
  std::string addr(text.substr(0, slash));
  auto prefix = parseDigits(text.substr(slash + 1));
  unsigned char bytes[16] = {};
  int family = addr.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(family, addr.c_str(), bytes) != 1) {
    return fail(family == AF_INET ? "not an IPv4 address" : "not an IPv6 address");
  }
  size_t bits = family == AF_INET ? 32 : 128;
  if (!prefix || *prefix > bits) {
    return fail("the prefix length must be a number from 0 to " + std::to_string(bits));
  }
  unsigned char masked[16] = {};
  std::memcpy(masked, bytes, bits / 8);
  for (size_t i = 0; i < bits / 8; ++i) {
    size_t keep = *prefix > i * 8 ? std::min<size_t>(8, *prefix - i * 8) : 0;
    auto mask = static_cast<unsigned char>(keep == 0 ? 0 : (0xff << (8 - keep)) & 0xff);
    masked[i] = static_cast<unsigned char>(bytes[i] & mask);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, masked, buf, sizeof buf);
  std::string canonical = std::string(buf) + "/" + std::to_string(*prefix);
  if (std::memcmp(masked, bytes, bits / 8) != 0) {
    return fail("bits are set after the prefix; did you mean \"" + canonical + "\"?");
  }
  return canonical;
}

bool isIpLiteral(std::string_view host) {
  unsigned char buf[16];
  std::string h(host);
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

bool isSha256Hex(std::string_view text) {
  return text.size() == 64 && hexDecode(text).has_value();
}

std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, word.size() / 4) + 1;
  for (const std::string& c : candidates) {
    size_t d = editDistance(toLower(word), c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace triggerd::config

namespace triggerd {

Result<ListenAddress> parseListenAddress(const std::string& text, const std::string& key) {
  auto fail = [&](std::string why) {
    return Error::badRequest(key, "\"" + text + "\" is not a listen address: " + std::move(why));
  };
  ListenAddress out;
  out.text = text;
  if (text.rfind("unix:", 0) == 0) {
    out.unix_path = text.substr(5);
    if (out.unix_path.empty() || out.unix_path.front() != '/') {
      return fail("a unix socket path must be absolute, e.g. \"unix:/run/triggerd/admin.sock\"");
    }
    if (out.unix_path.size() >= sizeof(sockaddr_un::sun_path)) {
      return fail("a unix socket path must be shorter than " +
                  std::to_string(sizeof(sockaddr_un::sun_path)) + " bytes");
    }
    return out;
  }
  auto hp = config::splitHostPort(text);
  if (!hp.ok()) return fail(hp.error().message);
  if (!config::isIpLiteral(hp->first)) {
    return fail("\"" + hp->first +
                "\" is not an IP address; write 127.0.0.1, 0.0.0.0, [::1] or [::] (host names "
                "are not resolved)");
  }
  out.host = hp->first;
  out.port = hp->second;
  return out;
}

}  // namespace triggerd
