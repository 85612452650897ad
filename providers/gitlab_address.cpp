#include "providers/gitlab_address.h"

#include <algorithm>
#include <vector>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"

namespace triggerd {
namespace {

constexpr const char* kField = "service_address";
constexpr size_t kMaxAddressLength = 2048;
constexpr std::string_view kExample = "for example https://gitlab.example.com";

// Top-level routes GitLab reserves for its own pages; no group or relative root uses them in
// practice, so a path through one of them is a page URL someone copied from the browser.
constexpr std::string_view kReservedRoutes[] = {
    "dashboard", "explore", "help", "admin", "profile", "users", "groups", "search", "snippets"};

Error addressError(std::string message) {
  return Error::unprocessable(kField, std::move(message));
}

Error projectUrlError(std::string_view shown) {
  return addressError(log::logValue(shown) +
                      " looks like a project or group URL; enter the GitLab server address (" +
                      std::string(kExample) + ")");
}

bool isHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool isPathChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '%';
}

bool endsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && equalsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

// Validates "host", "host:port" or "[v6]:port" (already lowercased); fills host and port text.
Status parseAuthority(std::string_view authority, std::string_view shown, std::string* host,
                      std::string* port) {
  if (authority.empty()) return addressError(log::logValue(shown) + " has no host name");
  std::string_view rest;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return addressError(log::logValue(shown) + " has an unterminated IPv6 address");
    std::string_view v6 = authority.substr(1, close - 1);
    if (v6.empty()) return addressError(log::logValue(shown) + " has an empty IPv6 address");
    for (char c : v6) {
      bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
      if (!ok) return addressError(log::logValue(shown) + " has an invalid IPv6 address");
    }
    *host = std::string(authority.substr(0, close + 1));
    rest = authority.substr(close + 1);
  } else {
    size_t colon = authority.find(':');
    std::string_view name = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
    if (name.empty()) return addressError(log::logValue(shown) + " has no host name");
    for (char c : name) {
      if (!isHostChar(c)) return addressError(log::logValue(shown) + " has an invalid host name");
    }
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos ||
        name.front() == '-')
      return addressError(log::logValue(shown) + " has an invalid host name");
    *host = std::string(name);
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6)
      return addressError(log::logValue(shown) + " has an invalid port");
    int value = 0;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return addressError(log::logValue(shown) + " has an invalid port");
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535)
      return addressError(log::logValue(shown) + " has a port outside 1-65535");
    *port = std::to_string(value);
  }
  return okStatus();
}

}  // namespace

Result<std::string> normalizeGitlabAddress(std::string_view input) {
  std::string_view text = trim(input);
  if (text.empty())
    return addressError("enter the GitLab server address (" + std::string(kExample) + ")");
  if (text.size() > kMaxAddressLength)
    return addressError("the address is longer than 2048 characters");
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      return addressError("the address contains spaces or control characters");
  }

  size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return addressError(log::logValue(text) + " has no scheme; use http:// or https:// (" +
                        std::string(kExample) + ")");
  }
  std::string scheme = toLower(text.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    return addressError(log::logValue(text) + " uses " + log::logValue(scheme, 16) +
                        "://; use http:// or https://");
  }
  std::string_view rest = text.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return addressError(log::logValue(text) +
                        " must not contain a query (?) or fragment (#); enter the GitLab server "
                        "address (" +
                        std::string(kExample) + ")");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return addressError(log::logValue(text) +
                        " must not contain a user name or password; send the token as "
                        "private_token");
  }

  std::string host, port;
  if (auto st = parseAuthority(toLower(authority), text, &host, &port); !st) return st.error();
  if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) port.clear();

  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  // A pasted API base: keep the server root it names.
  if (endsWithIgnoreCase(path, "/api/v4")) path.remove_suffix(7);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);

  std::vector<std::string_view> segments;
  for (size_t i = 1; i <= path.size();) {  // path starts with '/' when non-empty
    size_t next = path.find('/', i);
    if (next == std::string_view::npos) next = path.size();
    segments.push_back(path.substr(i, next - i));
    i = next + 1;
  }
  for (std::string_view seg : segments) {
    if (seg.empty()) return addressError(log::logValue(text) + " has an empty path segment (//)");
    if (seg == "." || seg == "..")
      return addressError(log::logValue(text) + " must not contain . or .. path segments");
    for (char c : seg) {
      if (!isPathChar(c))
        return addressError(log::logValue(text) + " has characters not allowed in a path");
    }
  }
  // Project and group pages: GitLab puts "/-/" before every project or group sub-page, clone
  // URLs end in .git, and gitlab.com is served from the domain root.
  bool project_like = std::find(segments.begin(), segments.end(), "-") != segments.end() ||
                      (!segments.empty() && endsWithIgnoreCase(segments.back(), ".git")) ||
                      (!segments.empty() && (host == "gitlab.com" || host == "www.gitlab.com"));
  if (project_like) return projectUrlError(text);
  for (size_t i = 0; i < segments.size(); ++i) {
    if (equalsIgnoreCase(segments[i], "api") && i + 1 < segments.size() &&
        equalsIgnoreCase(segments[i + 1], "v4")) {
      return addressError(log::logValue(text) +
                          " points into the GitLab API; enter the GitLab server address (" +
                          std::string(kExample) + ")");
    }
    for (auto reserved : kReservedRoutes) {
      if (equalsIgnoreCase(segments[i], reserved)) {
        return addressError(log::logValue(text) +
                            " looks like the URL of a GitLab page; enter the GitLab server "
                            "address (" +
                            std::string(kExample) + ")");
      }
    }
  }

  std::string out = scheme + "://" + host;
  if (!port.empty()) out += ":" + port;
  out += path;
  return out;
}

bool looksLikeGitlabApiAnswer(std::string_view content_type, std::string_view body) {
  std::string type = toLower(trim(content_type.substr(0, content_type.find(';'))));
  if (type != "application/json") return false;
  std::string_view b = trim(body);
  if (b.empty()) return true;  // 204-style answers carry no body
  auto doc = json::parse(b);
  return doc.ok() && (doc->IsObject() || doc->IsArray());
}

Error notGitlabRootError(std::string_view root, std::string_view detail) {
  std::string message = std::string(root) + " does not look like a GitLab server root";
  if (!detail.empty()) message += " (" + std::string(detail) + ")";
  message += "; if it is a project or group URL, enter the GitLab server address (" +
             std::string(kExample) + ", or https://host/gitlab for a relative URL root)";
  return addressError(std::move(message));
}

}  // namespace triggerd
