// Parsers for the value syntaxes the configuration uses: durations, sizes, URLs, CIDRs,
// listen addresses. Pure (no I/O); each failure is a sentence without the key, which the
// loader prefixes with "file:line key: ".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace triggerd::config {

// "10s", "500ms", "5m", "72h", "7d" or a sum such as "1h30m". A unit is required.
Result<std::chrono::milliseconds> parseDuration(std::string_view text);
// The shortest exact spelling: 90000ms -> "90s", 5400000ms -> "90m".
std::string formatDuration(std::chrono::milliseconds d);

// "10MiB", "64KiB", "512B", "1GiB" (IEC units, any case) or a string of digits (bytes).
Result<uint64_t> parseSize(std::string_view text);
// "10MiB" when exact in an IEC unit, else the byte count.
std::string formatSize(uint64_t bytes);
// `s` as a TOML basic string: quoted, with quotes, backslashes and control characters escaped.
std::string tomlQuote(std::string_view s);

// An absolute http(s) URL without query, fragment or credentials. Scheme and host are
// lower-cased and trailing slashes removed: "HTTPS://Example.com/x/" -> "https://example.com/x".
Result<std::string> normaliseHttpUrl(std::string_view text);

// "10.0.0.0/8", "fd00::/8". Host bits must be zero; returns the canonical spelling.
Result<std::string> parseCidr(std::string_view text);

// Splits "host:port" or "[v6]:port" (port 1..65535); the host is returned without brackets
// and is not checked further.
Result<std::pair<std::string, uint16_t>> splitHostPort(std::string_view text);

// True for an IPv4 or IPv6 literal (IPv6 without brackets).
bool isIpLiteral(std::string_view host);

// 64 hexadecimal characters (a SHA-256 digest), any case.
bool isSha256Hex(std::string_view text);

// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace triggerd::config
