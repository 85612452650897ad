#include "crypto/secure_memory.h"

#include <sys/prctl.h>

namespace triggerd {

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

void wipe(SecretString& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

bool initSecureHeap(size_t bytes) {
  if (CRYPTO_secure_malloc_initialized()) return true;
  // Minimum allocation 16 bytes: tokens and keys are tens of bytes each.
  return CRYPTO_secure_malloc_init(bytes, 16) == 1;
}

bool disableCoreDumps() {
  return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
}

bool coreDumpsDisabled() {
  return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

}  // namespace triggerd
