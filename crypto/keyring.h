// Keyring: the master key and the keys it replaced, so secrets sealed before a rotation still
// open. Seal with the primary; open with whichever key a sealed value names; reseal old values
// lazily (needsReseal) or in a sweep, after which the previous key can be retired.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "crypto/aead.h"

namespace triggerd {

class Keyring {
 public:
  // Throws std::invalid_argument when two keys share a key id (start-up only: key loading).
  explicit Keyring(SecretBox primary, std::vector<SecretBox> previous = {});

  // Seals with the primary key.
  std::string seal(std::string_view plaintext, std::string_view associated_data, Random& rng) const;
  // Opens with the key the value names. Errors: malformed, unknown key id (names the ids this
  // keyring holds), authentication failed. Messages never carry plaintext or key material.
  Result<SecretString> open(std::string_view sealed, std::string_view associated_data) const;
  // True when a well-formed value names a key other than the primary.
  bool needsReseal(std::string_view sealed) const;
  // Opens and seals again with the primary key.
  Result<std::string> reseal(std::string_view sealed, std::string_view associated_data,
                             Random& rng) const;

  const SecretBox& primary() const { return primary_; }
  std::vector<std::string> keyIds() const;  // primary first

 private:
  const SecretBox* find(std::string_view key_id) const;

  SecretBox primary_;
  std::vector<SecretBox> previous_;
};

}  // namespace triggerd
