#include "crypto/keyring.h"

#include <openssl/crypto.h>

#include <stdexcept>

namespace triggerd {

Keyring::Keyring(SecretBox primary, std::vector<SecretBox> previous)
    : primary_(std::move(primary)), previous_(std::move(previous)) {
  std::vector<std::string> seen{primary_.keyId()};
  for (const auto& box : previous_) {
    for (const auto& id : seen) {
      if (id == box.keyId()) throw std::invalid_argument("duplicate key id '" + id + "'");
    }
    seen.push_back(box.keyId());
  }
}

std::string Keyring::seal(std::string_view plaintext, std::string_view associated_data,
                          Random& rng) const {
  return primary_.seal(plaintext, associated_data, rng);
}

const SecretBox* Keyring::find(std::string_view key_id) const {
  if (primary_.keyId() == key_id) return &primary_;
  for (const auto& box : previous_) {
    if (box.keyId() == key_id) return &box;
  }
  return nullptr;
}

Result<SecretString> Keyring::open(std::string_view sealed,
                                   std::string_view associated_data) const {
  std::string key_id = SecretBox::keyIdOf(sealed);
  if (key_id.empty()) {
    // The primary produces the precise "malformed: ..." message.
    return primary_.open(sealed, associated_data);
  }
  const SecretBox* box = find(key_id);
  if (box == nullptr) {
    std::string known;
    for (const auto& id : keyIds()) known += (known.empty() ? "" : ", ") + id;
    return Error::internal("sealed secret names unknown key id '" + key_id +
                           "' (this keyring has " + known +
                           "); keep the key it was sealed with among the previous keys until "
                           "every value is resealed");
  }
  return box->open(sealed, associated_data);
}

bool Keyring::needsReseal(std::string_view sealed) const {
  std::string key_id = SecretBox::keyIdOf(sealed);
  return !key_id.empty() && key_id != primary_.keyId();
}

Result<std::string> Keyring::reseal(std::string_view sealed, std::string_view associated_data,
                                    Random& rng) const {
  auto plaintext = open(sealed, associated_data);
  if (!plaintext.ok()) return plaintext.error();
  return seal(*plaintext, associated_data, rng);
}

std::vector<std::string> Keyring::keyIds() const {
  std::vector<std::string> ids{primary_.keyId()};
  for (const auto& box : previous_) ids.push_back(box.keyId());
  return ids;
}

}  // namespace triggerd
