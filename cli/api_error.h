// What triggerctl prints on stderr when a request fails. Pure: builds the text only.
#pragma once

#include <string>
#include <string_view>

namespace triggerd::cli {

// For a non-2xx answer: "error: <message> (field: <field>) [HTTP <status>]" from the daemon's
// {"error", "field"} body, then a "hint: ..." line for 401/403 and for answers that are not
// triggerd's JSON (usually --url pointing at something else). Ends with a newline.
std::string formatApiError(long status, std::string_view body);

// When no answer came: names the URL (and unix socket) tried, the transport's reason, and what
// to check. Ends with a newline.
std::string formatUnreachable(std::string_view url, std::string_view unix_socket,
                              std::string_view reason);

}  // namespace triggerd::cli
