// Memory for secrets: the master keys, decrypted tokens and hook secrets. Allocated from
// OpenSSL's secure heap (mlock()ed, excluded from core dumps with MADV_DONTDUMP) once
// initSecureHeap() ran, and wiped (OPENSSL_cleanse) when freed. Without a secure heap (mlock
// refused), or once it is full, allocations come from the ordinary heap and are still wiped on
// free (the process is non-dumpable either way).
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <new>
#include <string>
#include <string_view>

namespace triggerd {

template <typename T>
struct SecureAllocator {
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <typename U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) {
    void* p = OPENSSL_secure_malloc(n * sizeof(T));
    if (p == nullptr) p = OPENSSL_malloc(n * sizeof(T));  // the secure heap is full
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (CRYPTO_secure_allocated(p))
      OPENSSL_secure_clear_free(p, n * sizeof(T));
    else
      OPENSSL_clear_free(p, n * sizeof(T));
  }

  template <typename U>
  bool operator==(const SecureAllocator<U>&) const noexcept {
    return true;
  }
};

// A string whose buffer is secure memory. Short values live inside the object itself (the
// small-string buffer): objects holding SecretStrings wipe them in their destructors where that
// matters (wipe()).
using SecretString = std::basic_string<char, std::char_traits<char>, SecureAllocator<char>>;

inline SecretString secret(std::string_view text) {
  return SecretString(text.data(), text.size());
}

// Compares a secret with ordinary text (found by argument-dependent lookup).
inline bool operator==(const SecretString& a, const std::string& b) {
  return std::string_view(a) == std::string_view(b);
}

// Zeroes a string's bytes in place (a plain std::string that held a secret, e.g. a config value
// read from a key file) and empties it.
void wipe(std::string& s);
void wipe(SecretString& s);

// Sets up OpenSSL's secure heap (`bytes`, a power of two). False when the kernel refused to lock
// the memory (RLIMIT_MEMLOCK): secrets then live in the ordinary heap.
bool initSecureHeap(size_t bytes = 4 << 20);

// Keeps this process from dumping core (and from being ptrace-attached by its own user): keys
// and tokens in memory never reach a core file. PR_SET_DUMPABLE 0; false if the kernel refused.
bool disableCoreDumps();
bool coreDumpsDisabled();

}  // namespace triggerd
