// AES-256-GCM sealing of secrets at rest (source tokens, hook secrets). Pure: no I/O.
// A sealed value is bound to its record through the associated data (e.g. "source:alice:gitlab"),
// so a sealed token copied into another user's record fails to open.
#pragma once

#include <string>
#include <string_view>

#include "common/random.h"
#include "common/result.h"
#include "crypto/secure_memory.h"

namespace triggerd {

class SecretBox {
 public:
  // `key` is 32 raw bytes (copied into secure memory; the caller wipes its own copy); `key_id` a
  // short label stored with every sealed value (rotation), 1-32 characters of [A-Za-z0-9_-].
  // Throws std::invalid_argument otherwise (start-up only).
  SecretBox(std::string_view key, std::string key_id);

  // Text form: "v1.<key_id>.<base64url nonce>.<base64url ciphertext+tag>".
  std::string seal(std::string_view plaintext, std::string_view associated_data, Random& rng) const;
  // AES-256-GCM, 12-byte random nonce, 16-byte tag; the authenticated data is
  // "v1.<key_id>." + associated_data. Errors (status 500, never carrying plaintext or key):
  // malformed value, a key id other than this key's, authentication failed (modified, sealed for
  // another record, or sealed with a different key).
  Result<SecretString> open(std::string_view sealed, std::string_view associated_data) const;
  const std::string& keyId() const { return key_id_; }
  // The key id a sealed value names, or empty if malformed.
  static std::string keyIdOf(std::string_view sealed);

 private:
  SecretString key_;
  std::string key_id_;
};

// The key id derived from a key: first 8 hex chars of SHA-256(key). Stable across restarts.
std::string deriveKeyId(std::string_view key);

}  // namespace triggerd
