#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <vector>

#include "common/encoding.h"

namespace triggerd {
namespace {

std::string key(char fill) {
  return std::string(32, fill);
}

std::vector<std::string> splitDots(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    parts.push_back(s.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

// A different base64url character at the same position.
char flip(char c) {
  return c == 'A' ? 'B' : 'A';
}

constexpr const char* kAad = "source:alice:gitlab";
constexpr const char* kToken = "glpat-XXXXXXXXXXXXXXXXXXXX";

TEST(SecretBoxTest, RoundTrip) {
  SecretBox box(key('k'), "k1");
  SecureRandom rng;
  for (const std::string& plaintext : {std::string(), std::string("x"), std::string(kToken),
                                       std::string(1000, 'z'), std::string("bin\0ary\xff", 8)}) {
    std::string sealed = box.seal(plaintext, kAad, rng);
    auto opened = box.open(sealed, kAad);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(*opened, plaintext);
    if (plaintext.size() >= 8) {
      EXPECT_EQ(sealed.find(plaintext), std::string::npos);
    }
  }
}

TEST(SecretBoxTest, Format) {
  SecretBox box(key('k'), "k1");
  SecureRandom rng;
  std::string sealed = box.seal(kToken, kAad, rng);
  auto parts = splitDots(sealed);
  ASSERT_EQ(parts.size(), 4u) << sealed;
  EXPECT_EQ(parts[0], "v1");
  EXPECT_EQ(parts[1], "k1");
  EXPECT_EQ(parts[2].size(), 16u);  // 12 bytes
  // ciphertext + 16-byte tag
  EXPECT_EQ(parts[3].size(),
            base64UrlEncode(std::string(std::string(kToken).size() + 16, '\0')).size());
  EXPECT_EQ(sealed.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(SecretBox::keyIdOf(sealed), "k1");
  EXPECT_EQ(box.keyId(), "k1");
}

TEST(SecretBoxTest, AssociatedDataIsBound) {
  SecretBox box(key('k'), "k1");
  SecureRandom rng;
  std::string sealed = box.seal(kToken, "source:alice:gitlab", rng);
  for (const char* other : {"source:mallory:gitlab", "source:alice:github", "", "source:alice"}) {
    auto opened = box.open(sealed, other);
    ASSERT_FALSE(opened.ok()) << other;
    EXPECT_NE(opened.error().message.find("failed authentication"), std::string::npos);
    EXPECT_NE(opened.error().message.find("sealed for another record"), std::string::npos);
  }
}

TEST(SecretBoxTest, EveryTamperedCharacterFails) {
  SecretBox box(key('k'), "k1");
  SecureRandom rng;
  std::string sealed = box.seal(kToken, kAad, rng);
  auto parts = splitDots(sealed);
  for (size_t part : {size_t{2}, size_t{3}}) {
    for (size_t i = 0; i < parts[part].size(); ++i) {
      auto tampered = parts;
      tampered[part][i] = flip(tampered[part][i]);
      auto opened = box.open(join(tampered), kAad);
      EXPECT_FALSE(opened.ok()) << "part " << part << " char " << i;
      if (!opened.ok()) {
        EXPECT_EQ(opened.error().message.find(kToken), std::string::npos);
      }
    }
  }
}

TEST(SecretBoxTest, StructuralTamperingFails) {
  SecretBox box(key('k'), "k1");
  SecureRandom rng;
  std::string sealed = box.seal(kToken, kAad, rng);
  auto parts = splitDots(sealed);

  auto expectError = [&](const std::string& value, const std::string& needle) {
    auto opened = box.open(value, kAad);
    ASSERT_FALSE(opened.ok()) << value;
    EXPECT_NE(opened.error().message.find(needle), std::string::npos)
        << value << ": " << opened.error().message;
  };
  expectError("", "malformed");
  expectError("v1.k1.abc", "malformed");
  expectError(sealed + ".extra", "malformed");
  expectError("v2." + parts[1] + "." + parts[2] + "." + parts[3], "unsupported format version");
  expectError("v1.k2." + parts[2] + "." + parts[3], "names key id 'k2'");
  expectError("v1.k1." + parts[2].substr(1) + "." + parts[3], "bad nonce");
  expectError("v1.k1." + parts[2] + "." + parts[3].substr(0, 10), "bad ciphertext");
  expectError("v1.k1." + parts[2] + "." + parts[3] + "=", "bad ciphertext");
  expectError("v1.k1." + parts[2] + "." + parts[3] + "AA", "failed authentication");
  expectError("v1.k1." + parts[2] + ".", "bad ciphertext");
  // The same bytes in standard base64 are not the format.
  std::string with_plus = parts[3];
  for (char& c : with_plus) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (with_plus != parts[3]) expectError("v1.k1." + parts[2] + "." + with_plus, "bad ciphertext");
}

TEST(SecretBoxTest, WrongKeyFails) {
  SecureRandom rng;
  SecretBox right(key('a'), "same");
  SecretBox wrong(key('b'), "same");
  std::string sealed = right.seal(kToken, kAad, rng);
  auto opened = wrong.open(sealed, kAad);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("different key"), std::string::npos);
  // Never the key, in any spelling.
  EXPECT_EQ(opened.error().message.find(key('b')), std::string::npos);
  EXPECT_EQ(opened.error().message.find(hexEncode(key('b'))), std::string::npos);
}

TEST(SecretBoxTest, NoncesAreUnique) {
  SecretBox box(key('k'), "k1");
  SecureRandom rng;
  std::set<std::string> nonces;
  std::set<std::string> ciphertexts;
  constexpr int kSeals = 10000;
  for (int i = 0; i < kSeals; ++i) {
    auto parts = splitDots(box.seal(kToken, kAad, rng));
    nonces.insert(parts[2]);
    ciphertexts.insert(parts[3]);
  }
  EXPECT_EQ(nonces.size(), static_cast<size_t>(kSeals));
  EXPECT_EQ(ciphertexts.size(), static_cast<size_t>(kSeals));
}

TEST(SecretBoxTest, RejectsBadKeysAtConstruction) {
  EXPECT_THROW(SecretBox(std::string(31, 'k'), "k1"), std::invalid_argument);
  EXPECT_THROW(SecretBox(std::string(33, 'k'), "k1"), std::invalid_argument);
  EXPECT_THROW(SecretBox(key('k'), ""), std::invalid_argument);
  EXPECT_THROW(SecretBox(key('k'), "has.dot"), std::invalid_argument);
  EXPECT_THROW(SecretBox(key('k'), std::string(33, 'a')), std::invalid_argument);
  EXPECT_NO_THROW(SecretBox(key('k'), deriveKeyId(key('k'))));
}

TEST(SecretBoxTest, KeyIdOf) {
  EXPECT_EQ(SecretBox::keyIdOf("v1.abc.n.c"), "abc");
  EXPECT_EQ(SecretBox::keyIdOf("v2.abc.n.c"), "");
  EXPECT_EQ(SecretBox::keyIdOf("v1.abc.n"), "");
  EXPECT_EQ(SecretBox::keyIdOf("garbage"), "");
  EXPECT_EQ(SecretBox::keyIdOf(""), "");
}

TEST(DeriveKeyIdTest, FirstEightHexOfSha256) {
  // SHA-256 of 32 zero bytes is 66687aad...
  EXPECT_EQ(deriveKeyId(std::string(32, '\0')), "66687aad");
  EXPECT_EQ(deriveKeyId(key('a')), deriveKeyId(key('a')));
  EXPECT_NE(deriveKeyId(key('a')), deriveKeyId(key('b')));
  EXPECT_EQ(deriveKeyId(key('a')).size(), 8u);
}

}  // namespace
}  // namespace triggerd
