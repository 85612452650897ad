#include "common/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "common/encoding.h"
#include "common/log.h"

namespace triggerd {

namespace {

void drawOrAbort(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    TLOG_ERROR("random", "RAND_bytes failed; refusing to continue without a CSPRNG");
    std::abort();
  }
}

// Counts forks: a child must not serve the bytes its parent serves too.
std::atomic<uint64_t> fork_generation{0};

uint64_t forkGeneration() {
  static std::once_flag registered;
  std::call_once(registered,
                 [] { pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); }); });
  return fork_generation.load(std::memory_order_relaxed);
}

}  // namespace

SecureRandom::~SecureRandom() {
  OPENSSL_cleanse(block_, sizeof block_);
}

std::string SecureRandom::bytes(size_t n) {
  std::string out(n, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (n > kBufferedMax) {
    drawOrAbort(dst, n);
    return out;
  }
  std::lock_guard lock(mutex_);
  const uint64_t generation = forkGeneration();
  if (used_ + n > kBlock || generation_ != generation) {
    drawOrAbort(block_, kBlock);
    used_ = 0;
    generation_ = generation;
  }
  std::memcpy(dst, block_ + used_, n);
  OPENSSL_cleanse(block_ + used_, n);
  used_ += n;
  return out;
}

std::string newSecret(Random& rng) {
  return hexEncode(rng.bytes(32));
}

std::string newUlid(Random& rng, int64_t unix_millis) {
  static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string rnd = rng.bytes(10);
  // 128 bits: 48 time bits then 80 random bits, emitted as 26 base32 digits (130 bits, top 2 zero).
  unsigned char raw[16];
  auto t = static_cast<uint64_t>(unix_millis);
  for (int i = 5; i >= 0; --i) {
    raw[i] = static_cast<unsigned char>(t & 0xff);
    t >>= 8;
  }
  for (int i = 0; i < 10; ++i) raw[6 + i] = static_cast<unsigned char>(rnd[static_cast<size_t>(i)]);
  std::string out(26, '0');
  // Walk the 130-bit big-endian number 5 bits at a time from the least significant end.
  unsigned acc = 0;
  int bits = 0;
  int pos = 25;
  for (int i = 15; i >= 0 && pos >= 0; --i) {
    acc |= static_cast<unsigned>(raw[i]) << bits;
    bits += 8;
    while (bits >= 5 && pos >= 0) {
      out[static_cast<size_t>(pos--)] = kCrockford[acc & 31];
      acc >>= 5;
      bits -= 5;
    }
  }
  if (pos >= 0) out[static_cast<size_t>(pos)] = kCrockford[acc & 31];
  return out;
}

}  // namespace triggerd
