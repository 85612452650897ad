#include "common/digest.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "common/encoding.h"

namespace triggerd {

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string sha256Hex(std::string_view data) {
  return hexEncode(sha256(data));
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // Compare fixed-size digests so neither the content nor the length leaks through timing.
  std::string da = sha256(a), db = sha256(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0 && a.size() == b.size();
}

}  // namespace triggerd
