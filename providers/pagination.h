// Pagination shared by the GitHub and GitLab clients: RFC 8288 Link headers, GitLab's
// x-next-page, and the opaque page tokens triggerd hands to API clients. Pure: no I/O.
//
// A page token is what `Page::next_page` carries and what `?page=` brings back:
//   "3"                    offset pagination (the next URL's `page`)
//   "<param>:<value>"      cursor/keyset pagination, param one of `cursor`, `after`, `id_after`
// Tokens are rebuilt into query parameters from a whitelist, so a token from a client can only
// ever select a page, never add other parameters to the provider request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace triggerd {

struct LinkEntry {
  std::string url;
  std::vector<std::string> rels;  // lowercased; `rel="next last"` names two relations
};

// Parses a Link header value: `<url>; rel="next", <url>; rel="last"`. Malformed entries are
// skipped; commas inside <...> or quoted strings do not split entries.
std::vector<LinkEntry> parseLinkHeader(std::string_view value);
// The URL of the first entry with relation `rel`, if any.
std::optional<std::string> findLink(std::string_view link_header, std::string_view rel);

// The percent-decoded value of query parameter `name` in `url` (first occurrence).
std::optional<std::string> queryParam(std::string_view url, std::string_view name);

// The page token for a next-page URL, or nullopt if the URL carries no page selector we know.
std::optional<std::string> pageTokenFromUrl(std::string_view url);

// The token for the next page, from Link rel="next" (GitHub and GitLab) or, failing that,
// GitLab's x-next-page header (empty on the last page).
std::optional<std::string> nextPageToken(std::optional<std::string_view> link_header,
                                         std::optional<std::string_view> x_next_page);

// The query parameters ("page=3", "cursor=abc", "id_after=42") that select the page a token names.
// An empty token means the first page and yields "". Errors are 400s on `field` (the client's
// ?page=).
Result<std::string> pageTokenQuery(std::string_view token, const std::string& field = "page");

}  // namespace triggerd
