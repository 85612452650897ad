// Random seam: cryptographically secure bytes (OpenSSL RAND_bytes) for secrets, OAuth state,
// nonces and ids. Tests may inject a seeded source.
#pragma once

#include <cstdint>
#include <string>

namespace triggerd {

class Random {
 public:
  virtual ~Random() = default;
  virtual std::string bytes(size_t n) = 0;  // aborts if the CSPRNG fails: nothing safe to do
};

class SecureRandom final : public Random {
 public:
  std::string bytes(size_t n) override;
};

// A secret for a webhook: 32 random bytes, hex (64 chars).
std::string newSecret(Random& rng);
// A sortable unique id: 26 chars of Crockford base32 (48-bit ms time + 80 random bits), a ULID.
std::string newUlid(Random& rng, int64_t unix_millis);

}  // namespace triggerd
