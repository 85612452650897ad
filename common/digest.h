// SHA-256 digests (admin token hashes, body-derived delivery ids).
#pragma once

#include <string>
#include <string_view>

namespace triggerd {

std::string sha256(std::string_view data);  // 32 raw bytes
std::string sha256Hex(std::string_view data);
// Constant-time equality of two byte strings of possibly different lengths.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace triggerd
