#include "crypto/keyring.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace triggerd {
namespace {

SecretBox box(char fill) {
  std::string key(32, fill);
  return SecretBox(key, deriveKeyId(key));
}

constexpr const char* kAad = "source:alice:github";
constexpr const char* kToken = "gho_16C7e42F292c6912E7710c838347Ae178B4a";

TEST(KeyringTest, SealsWithThePrimary) {
  SecureRandom rng;
  Keyring ring(box('n'), {box('o')});
  std::string sealed = ring.seal(kToken, kAad, rng);
  EXPECT_EQ(SecretBox::keyIdOf(sealed), ring.primary().keyId());
  EXPECT_FALSE(ring.needsReseal(sealed));
  auto opened = ring.open(sealed, kAad);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(*opened, kToken);
  EXPECT_EQ(ring.keyIds(), (std::vector<std::string>{box('n').keyId(), box('o').keyId()}));
}

TEST(KeyringTest, Rotation) {
  SecureRandom rng;
  SecretBox old_box = box('o');
  std::string sealed_before = old_box.seal(kToken, kAad, rng);

  Keyring rotated(box('n'), {old_box});
  EXPECT_TRUE(rotated.needsReseal(sealed_before));
  auto opened = rotated.open(sealed_before, kAad);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(*opened, kToken);

  auto resealed = rotated.reseal(sealed_before, kAad, rng);
  ASSERT_TRUE(resealed.ok()) << resealed.error().message;
  EXPECT_EQ(SecretBox::keyIdOf(*resealed), box('n').keyId());
  EXPECT_FALSE(rotated.needsReseal(*resealed));

  // Once everything is resealed, the old key can go.
  Keyring retired(box('n'));
  auto after = retired.open(*resealed, kAad);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(*after, kToken);
  // ... and values still sealed with it no longer open, with a precise reason.
  auto stale = retired.open(sealed_before, kAad);
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().message.find("unknown key id '" + old_box.keyId() + "'"),
            std::string::npos)
      << stale.error().message;
  EXPECT_NE(stale.error().message.find(box('n').keyId()), std::string::npos);
  EXPECT_EQ(stale.error().message.find(kToken), std::string::npos);
}

TEST(KeyringTest, ResealKeepsTheRecordBinding) {
  SecureRandom rng;
  Keyring ring(box('n'), {box('o')});
  std::string sealed = box('o').seal(kToken, kAad, rng);
  EXPECT_FALSE(ring.reseal(sealed, "source:mallory:github", rng).ok());
  auto resealed = ring.reseal(sealed, kAad, rng);
  ASSERT_TRUE(resealed.ok());
  EXPECT_FALSE(ring.open(*resealed, "source:mallory:github").ok());
}

TEST(KeyringTest, ErrorsPassThrough) {
  SecureRandom rng;
  Keyring ring(box('n'), {box('o')});
  auto malformed = ring.open("nonsense", kAad);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find("malformed"), std::string::npos);
  EXPECT_FALSE(ring.needsReseal("nonsense"));

  std::string sealed = ring.seal(kToken, kAad, rng);
  auto moved = ring.open(sealed, "source:bob:github");
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.error().message.find("failed authentication"), std::string::npos);
}

TEST(KeyringTest, DuplicateKeyIdsAreRefused) {
  EXPECT_THROW(Keyring(box('n'), {box('n')}), std::invalid_argument);
  EXPECT_THROW(Keyring(box('n'), {box('o'), box('o')}), std::invalid_argument);
}

}  // namespace
}  // namespace triggerd
