#include "webhook/signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <vector>

#include "common/c_ptr.h"
#include "common/encoding.h"

namespace triggerd {
namespace {

using Digest = std::array<unsigned char, 32>;  // SHA-256 and HMAC-SHA256 output
using EvpMacPtr = CPtr<EVP_MAC, EVP_MAC_free>;
using EvpMacCtxPtr = CPtr<EVP_MAC_CTX, EVP_MAC_CTX_free>;

constexpr std::string_view kGithubPrefix = "sha256=";
constexpr std::string_view kStandardVersion = "v1,";

// HMAC-SHA256 over the concatenation of `parts`, streamed so a large body is never copied.
// nullopt only when OpenSSL itself fails (out of memory); callers then refuse the delivery.
// An HMAC-SHA256 context with the algorithm already fetched. OpenSSL 3 looks algorithms up in
// its provider store on every fetch, which cost more than hashing a whole payload; each check
// duplicates this template instead. Created once, kept for the process' life; dup only reads it.
const EVP_MAC_CTX* hmacTemplate() {
  static EVP_MAC_CTX* tmpl = [] {
    EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) return static_cast<EVP_MAC_CTX*>(nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac.get());  // holds its own reference to `mac`
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx && EVP_MAC_CTX_set_params(ctx, params) != 1) {
      EVP_MAC_CTX_free(ctx);
      ctx = nullptr;
    }
    return ctx;
  }();
  return tmpl;
}

std::optional<Digest> hmacSha256(std::string_view key,
                                 std::initializer_list<std::string_view> parts) {
  const EVP_MAC_CTX* tmpl = hmacTemplate();
  if (!tmpl) return std::nullopt;
  EvpMacCtxPtr ctx(EVP_MAC_CTX_dup(tmpl));
  if (!ctx) return std::nullopt;
  // A null key means "reuse the previous key" to OpenSSL; an empty secret must still be a key.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), nullptr) != 1) return std::nullopt;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    if (EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                       part.size()) != 1)
      return std::nullopt;
  }
  Digest out{};
  size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size())
    return std::nullopt;
  return out;
}

std::optional<Digest> sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size())
    return std::nullopt;
  return out;
}

bool sameDigest(const Digest& a, const Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view digestView(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

// Standard Webhooks timestamps are integer Unix seconds. At most 15 digits (far beyond any
// real clock) keeps the arithmetic below free of overflow.
std::optional<int64_t> parseTimestamp(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// |a - b| without signed overflow: unsigned subtraction yields the exact distance.
uint64_t distance(int64_t a, int64_t b) {
  return a >= b ? static_cast<uint64_t>(a) - static_cast<uint64_t>(b)
                : static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
}

}  // namespace

std::string githubSignature(std::string_view secret, std::string_view body) {
  auto mac = hmacSha256(secret, {body});
  if (!mac) return std::string();
  return std::string(kGithubPrefix) + hexEncode(digestView(*mac));
}

bool verifyGithubSignature(std::string_view secret, std::string_view body,
                           std::string_view header_value) {
  // An empty secret is a misconfiguration: anyone can compute that HMAC, so nothing verifies.
  if (secret.empty()) return false;
  std::string_view value = trim(header_value);
  if (value.size() != kGithubPrefix.size() + 64) return false;
  if (!equalsIgnoreCase(value.substr(0, kGithubPrefix.size()), kGithubPrefix)) return false;
  // Decoding accepts either hex case. Only the sender's own value drives its timing; the
  // comparison against the expected MAC is constant time.
  auto given = hexDecode(value.substr(kGithubPrefix.size()));
  if (!given || given->size() != sizeof(Digest)) return false;
  auto expected = hmacSha256(secret, {body});
  if (!expected) return false;
  Digest given_digest{};
  std::copy(given->begin(), given->end(), given_digest.begin());
  return sameDigest(given_digest, *expected);
}

bool verifyGitlabToken(std::string_view secret, std::string_view header_value) {
  if (secret.empty()) return false;
  // Comparing fixed-size digests instead of the strings hides the secret's length and the
  // position of the first differing byte.
  auto a = sha256(secret);
  auto b = sha256(header_value);
  if (!a || !b) return false;
  return sameDigest(*a, *b);
}

std::string standardWebhookSignature(std::string_view key, std::string_view id,
                                     std::string_view timestamp, std::string_view body) {
  auto mac = hmacSha256(key, {id, ".", timestamp, ".", body});
  if (!mac) return std::string();
  return std::string(kStandardVersion) + base64Encode(digestView(*mac));
}

StandardWebhookCheck verifyStandardWebhook(std::string_view key, std::string_view id,
                                           std::string_view timestamp,
                                           std::string_view signature_header, std::string_view body,
                                           int64_t now_unix, int64_t tolerance_seconds) {
  if (id.empty()) return StandardWebhookCheck::kMalformed;
  auto ts = parseTimestamp(timestamp);
  if (!ts) return StandardWebhookCheck::kMalformed;

  // Collect the well-formed v1 signatures; other versions (a future v1a, ...) are skipped as
  // the spec asks, and an undecodable v1 entry counts as absent.
  std::vector<Digest> candidates;
  std::string_view rest = signature_header;
  while (!rest.empty() && candidates.size() < 16) {
    size_t sp = rest.find(' ');
    std::string_view entry = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    if (entry.size() <= kStandardVersion.size() ||
        entry.substr(0, kStandardVersion.size()) != kStandardVersion)
      continue;
    auto raw = base64Decode(entry.substr(kStandardVersion.size()));
    if (!raw || raw->size() != sizeof(Digest)) continue;
    Digest d{};
    std::copy(raw->begin(), raw->end(), d.begin());
    candidates.push_back(d);
  }
  if (candidates.empty()) return StandardWebhookCheck::kMalformed;

  uint64_t tolerance = tolerance_seconds > 0 ? static_cast<uint64_t>(tolerance_seconds) : 0;
  if (distance(*ts, now_unix) > tolerance) return StandardWebhookCheck::kStale;

  if (key.empty()) return StandardWebhookCheck::kBadSignature;
  auto expected = hmacSha256(key, {id, ".", timestamp, ".", body});
  if (!expected) return StandardWebhookCheck::kBadSignature;
  // Every candidate is compared, so timing does not reveal which entry matched.
  bool match = false;
  for (const Digest& d : candidates) match |= sameDigest(d, *expected);
  return match ? StandardWebhookCheck::kValid : StandardWebhookCheck::kBadSignature;
}

}  // namespace triggerd
