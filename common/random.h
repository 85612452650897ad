// Random seam: cryptographically secure bytes (OpenSSL RAND_bytes) for secrets, OAuth state,
// nonces and ids. Tests may inject a seeded source.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace triggerd {

class Random {
 public:
  virtual ~Random() = default;
  virtual std::string bytes(size_t n) = 0;  // aborts if the CSPRNG fails: nothing safe to do
};

// RAND_bytes costs about a microsecond per call whatever its size, once per job id on the
// webhook path. Requests of up to kBufferedMax bytes (ids, AEAD nonces, lease owners: values
// that are not secret) are served from a block drawn kBlock bytes at a time, each byte wiped
// once served; longer ones (every secret and token) come straight from RAND_bytes and never
// sit in a buffer. A forked child draws its own block.
class SecureRandom final : public Random {
 public:
  static constexpr size_t kBufferedMax = 16;
  SecureRandom() = default;
  ~SecureRandom() override;
  SecureRandom(const SecureRandom&) = delete;
  SecureRandom& operator=(const SecureRandom&) = delete;
  std::string bytes(size_t n) override;

 private:
  static constexpr size_t kBlock = 4096;
  std::mutex mutex_;  // bytes() may be called from any thread
  unsigned char block_[kBlock];
  size_t used_ = kBlock;     // bytes of block_ served (wiped) so far
  uint64_t generation_ = 0;  // forks seen when block_ was drawn
};

// A secret for a webhook: 32 random bytes, hex (64 chars).
std::string newSecret(Random& rng);
// A sortable unique id: 26 chars of Crockford base32 (48-bit ms time + 80 random bits), a ULID.
std::string newUlid(Random& rng, int64_t unix_millis);

}  // namespace triggerd
