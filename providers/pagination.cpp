#include "providers/pagination.h"

#include "common/encoding.h"

namespace triggerd {
namespace {

constexpr size_t kMaxPageNumberDigits = 9;
constexpr size_t kMaxCursorLength = 512;
// The cursor parameters GitHub and GitLab put in next links, in order of preference.
constexpr std::string_view kCursorParams[] = {"cursor", "after", "id_after"};

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Cursor values are base64/base64url/hex or plain ids; anything else is not one of ours.
bool isCursorValue(std::string_view s) {
  if (s.empty() || s.size() > kMaxCursorLength) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '~' || c == '=' || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

void skipSpace(std::string_view s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t')) ++*i;
}

// Reads a token or quoted string starting at *i (RFC 8288 link-param value).
std::string readParamValue(std::string_view s, size_t* i) {
  std::string out;
  if (*i < s.size() && s[*i] == '"') {
    ++*i;
    while (*i < s.size() && s[*i] != '"') {
      if (s[*i] == '\\' && *i + 1 < s.size()) ++*i;
      out += s[*i];
      ++*i;
    }
    if (*i < s.size()) ++*i;  // closing quote
  } else {
    while (*i < s.size() && s[*i] != ';' && s[*i] != ',') out += s[(*i)++];
    out = std::string(trim(out));
  }
  return out;
}

}  // namespace

std::vector<LinkEntry> parseLinkHeader(std::string_view s) {
  std::vector<LinkEntry> out;
  size_t i = 0;
  while (i < s.size()) {
    skipSpace(s, &i);
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i >= s.size()) break;
    if (s[i] != '<') {
      // Not an entry start: skip to the next comma at top level.
      while (i < s.size() && s[i] != ',') ++i;
      continue;
    }
    size_t close = s.find('>', i + 1);
    if (close == std::string_view::npos) break;
    LinkEntry entry;
    entry.url = std::string(trim(s.substr(i + 1, close - i - 1)));
    i = close + 1;
    // Parameters: ; name=value ; name="value"
    while (true) {
      skipSpace(s, &i);
      if (i >= s.size() || s[i] != ';') break;
      ++i;
      skipSpace(s, &i);
      size_t name_start = i;
      while (i < s.size() && s[i] != '=' && s[i] != ';' && s[i] != ',') ++i;
      std::string name = toLower(trim(s.substr(name_start, i - name_start)));
      std::string value;
      if (i < s.size() && s[i] == '=') {
        ++i;
        skipSpace(s, &i);
        value = readParamValue(s, &i);
      }
      if (name == "rel") {
        size_t p = 0;
        while (p < value.size()) {
          while (p < value.size() && value[p] == ' ') ++p;
          size_t start = p;
          while (p < value.size() && value[p] != ' ') ++p;
          if (p > start) entry.rels.push_back(toLower(value.substr(start, p - start)));
        }
      }
    }
    if (!entry.url.empty()) out.push_back(std::move(entry));
    // Anything else up to the next comma belongs to a malformed parameter; drop it.
    while (i < s.size() && s[i] != ',') ++i;
  }
  return out;
}

std::optional<std::string> findLink(std::string_view link_header, std::string_view rel) {
  std::string want = toLower(rel);
  for (auto& entry : parseLinkHeader(link_header)) {
    for (const auto& r : entry.rels)
      if (r == want) return std::move(entry.url);
  }
  return std::nullopt;
}

std::optional<std::string> queryParam(std::string_view url, std::string_view name) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view part = query.substr(pos, amp - pos);
    size_t eq = part.find('=');
    auto key = urlDecode(part.substr(0, eq), true);
    if (key && *key == name) {
      return urlDecode(eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
    }
    pos = amp + 1;
  }
  return std::nullopt;
}

std::optional<std::string> pageTokenFromUrl(std::string_view url) {
  if (auto page = queryParam(url, "page");
      page && isDigits(*page) && page->size() <= kMaxPageNumberDigits) {
    return page;
  }
  for (auto param : kCursorParams) {
    if (auto cursor = queryParam(url, param); cursor && isCursorValue(*cursor)) {
      return std::string(param) + ":" + *cursor;
    }
  }
  return std::nullopt;
}

std::optional<std::string> nextPageToken(std::optional<std::string_view> link_header,
                                         std::optional<std::string_view> x_next_page) {
  if (link_header) {
    if (auto next = findLink(*link_header, "next")) return pageTokenFromUrl(*next);
  }
  if (x_next_page) {
    std::string_view v = trim(*x_next_page);
    if (isDigits(v) && v.size() <= kMaxPageNumberDigits) return std::string(v);
  }
  return std::nullopt;
}

Result<std::string> pageTokenQuery(std::string_view token, const std::string& field) {
  if (token.empty()) return std::string();
  if (isDigits(token) && token.size() <= kMaxPageNumberDigits) {
    return "page=" + std::string(token);
  }
  size_t colon = token.find(':');
  if (colon != std::string_view::npos) {
    std::string_view param = token.substr(0, colon);
    std::string_view cursor = token.substr(colon + 1);
    for (auto known : kCursorParams) {
      if (param == known && isCursorValue(cursor)) {
        return std::string(known) + "=" + urlEncode(cursor);
      }
    }
  }
  return Error::badRequest(field,
                           "not a page token triggerd issued; use the next_page value of the "
                           "previous answer, or omit it for the first page");
}

}  // namespace triggerd
