// Master keys and keyrings for tests of sealed records.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "crypto/keyring.h"

namespace triggerd::testing {

// A 32-byte master key made of one repeated character: 'k', 'n' (new), 'o' (old)...
inline std::string masterKey(char c) {
  return std::string(32, c);
}

inline SecretBox secretBox(const std::string& key) {
  return SecretBox(key, deriveKeyId(key));
}

// A keyring that seals with `primary` and still opens what `previous` sealed.
inline Keyring keyringOf(const std::string& primary,
                         const std::vector<std::string>& previous = {}) {
  std::vector<SecretBox> boxes;
  for (const auto& key : previous) boxes.push_back(secretBox(key));
  return Keyring(secretBox(primary), std::move(boxes));
}

}  // namespace triggerd::testing
