// CRC-32C (Castagnoli), the checksum of spool records. In software: the spool checks a few
// megabytes at start-up and each record once, so a table-driven version is fast enough and
// needs no CPU feature detection or new dependency.
#pragma once

#include <cstdint>
#include <string_view>

namespace triggerd::spool {

// CRC-32C of `data`, continuing from `crc` (the result of an earlier call, or 0 to start):
// crc32c(b, crc32c(a)) == crc32c(a + b). crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace triggerd::spool
