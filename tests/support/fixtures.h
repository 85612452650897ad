// Provider payloads under tests/fixtures/, as the providers published them (see its README).
#pragma once

#include <string>

namespace triggerd::testing {

// The bytes of tests/fixtures/<relative>; a missing or empty file fails the test.
std::string fixture(const std::string& relative);

}  // namespace triggerd::testing
