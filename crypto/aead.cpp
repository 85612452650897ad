#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "common/c_ptr.h"
#include "common/encoding.h"
#include "common/log.h"

namespace triggerd {
namespace {

constexpr std::string_view kVersion = "v1";
constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kMaxKeyIdBytes = 32;

const unsigned char* bytesOf(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool validKeyId(std::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdBytes) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Strict base64url without padding: anything that does not re-encode to itself is refused, so
// no two texts open to the same bytes (the unused low bits of the last character included).
std::optional<std::string> base64UrlDecodeStrict(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
  }
  auto decoded = base64Decode(standard);
  if (!decoded || base64UrlEncode(*decoded) != text) return std::nullopt;
  return decoded;
}

// The associated data actually authenticated: the format header binds version and key id, the
// caller's data binds the record. The key id cannot contain '.', so the join is unambiguous.
std::string fullAad(std::string_view key_id, std::string_view associated_data) {
  std::string aad;
  aad.reserve(kVersion.size() + key_id.size() + associated_data.size() + 2);
  aad += kVersion;
  aad += '.';
  aad += key_id;
  aad += '.';
  aad += associated_data;
  return aad;
}

struct Parts {
  std::string_view version, key_id, nonce, ciphertext;
};

std::optional<Parts> split(std::string_view sealed) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() < 5) {
    size_t dot = sealed.find('.', start);
    parts.push_back(sealed.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 4) return std::nullopt;
  return Parts{parts[0], parts[1], parts[2], parts[3]};
}

Error malformed(std::string why) {
  return Error::internal("sealed secret is malformed: " + std::move(why));
}

}  // namespace

SecretBox::SecretBox(std::string_view key, std::string key_id)
    : key_(secret(key)), key_id_(std::move(key_id)) {
  // Construction happens at start-up (key loading), where an exception becomes an exit message.
  if (key_.size() != kKeyBytes) {
    wipe(key_);
    throw std::invalid_argument("secret key must be 32 bytes, got " + std::to_string(key_.size()));
  }
  if (!validKeyId(key_id_)) {
    throw std::invalid_argument("key id must be 1-32 characters of [A-Za-z0-9_-]");
  }
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated_data,
                            Random& rng) const {
  std::string nonce = rng.bytes(kNonceBytes);
  std::string aad = fullAad(key_id_, associated_data);
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());

  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  bool ok = ctx && nonce.size() == kNonceBytes &&
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytesOf(key_),
                               bytesOf(nonce)) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytesOf(aad),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), out_bytes, &len, bytesOf(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), out_bytes + len, &final_len) == 1 &&
            static_cast<size_t>(len + final_len) == plaintext.size() &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                                out_bytes + plaintext.size()) == 1;
  if (!ok) {
    // Only out of memory gets here; storing the secret unsealed is not an option.
    TLOG_ERROR("credentials", "AES-256-GCM encryption failed");
    std::abort();
  }
  std::string sealed;
  sealed.reserve(kVersion.size() + key_id_.size() + 4 * (nonce.size() + out.size()) / 3 + 8);
  sealed += kVersion;
  sealed += '.';
  sealed += key_id_;
  sealed += '.';
  sealed += base64UrlEncode(nonce);
  sealed += '.';
  sealed += base64UrlEncode(out);
  return sealed;
}

Result<SecretString> SecretBox::open(std::string_view sealed,
                                     std::string_view associated_data) const {
  auto parts = split(sealed);
  if (!parts) return malformed("expected v1.<key id>.<nonce>.<ciphertext>");
  if (parts->version != kVersion) {
    return malformed("unsupported format version '" + log::logValue(parts->version, 16) + "'");
  }
  if (!validKeyId(parts->key_id)) return malformed("invalid key id");
  if (parts->key_id != key_id_) {
    return Error::internal("sealed secret names key id '" + std::string(parts->key_id) +
                           "', not this key ('" + key_id_ + "')");
  }
  auto nonce = base64UrlDecodeStrict(parts->nonce);
  if (!nonce || nonce->size() != kNonceBytes) return malformed("bad nonce");
  auto data = base64UrlDecodeStrict(parts->ciphertext);
  if (!data || data->size() < kTagBytes) return malformed("bad ciphertext");

  size_t ct_len = data->size() - kTagBytes;
  std::string aad = fullAad(parts->key_id, associated_data);
  SecretString plaintext(ct_len, '\0');
  auto* pt_bytes = reinterpret_cast<unsigned char*>(plaintext.data());
  std::string tag = data->substr(ct_len);

  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytesOf(key_), bytesOf(*nonce)) ==
          1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytesOf(aad), static_cast<int>(aad.size())) ==
          1 &&
      EVP_DecryptUpdate(ctx.get(), pt_bytes, &len, bytesOf(*data), static_cast<int>(ct_len)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), pt_bytes + len, &final_len) == 1;
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Error::internal(
        "sealed secret failed authentication (key id '" + key_id_ +
        "'): it was modified, sealed for another record, or sealed with a different key");
  }
  return plaintext;
}

std::string SecretBox::keyIdOf(std::string_view sealed) {
  auto parts = split(sealed);
  if (!parts || parts->version != kVersion || !validKeyId(parts->key_id)) return "";
  return std::string(parts->key_id);
}

std::string deriveKeyId(std::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &digest_len, EVP_sha256(), nullptr) != 1) {
    std::abort();  // SHA-256 cannot fail short of memory exhaustion
  }
  std::string_view raw(reinterpret_cast<const char*>(digest), 4);
  return hexEncode(raw);
}

}  // namespace triggerd
