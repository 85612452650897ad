// Byte encodings used across triggerd: hex, base64, URL (percent) and form decoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace triggerd {

std::string hexEncode(std::string_view bytes);
std::optional<std::string> hexDecode(std::string_view hex);
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);  // standard alphabet, padded or not
std::string base64UrlEncode(std::string_view bytes);             // no padding
std::string urlEncode(std::string_view text);                    // RFC 3986 unreserved kept
// Decodes %XX; with plus_is_space (forms) '+' becomes ' '. nullopt on a bad escape.
std::optional<std::string> urlDecode(std::string_view text, bool plus_is_space);
// Splits an application/x-www-form-urlencoded body into decoded (name, value) pairs.
std::optional<std::vector<std::pair<std::string, std::string>>> parseForm(std::string_view body);

// Well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool isValidUtf8(std::string_view text);
// `text` with each byte that starts no well-formed sequence replaced by U+FFFD: for text that
// must be UTF-8 (JSON) but comes from where no encoding is enforced (Git, build output).
std::string replaceInvalidUtf8(std::string_view text);
// At most `max_bytes` of `text`, cut before a UTF-8 sequence rather than inside one; "..."
// (U+2026) ends a clipped text and counts within the limit.
std::string clipUtf8(std::string_view text, size_t max_bytes);

bool equalsIgnoreCase(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);
std::string_view trim(std::string_view s);

}  // namespace triggerd
