#include "common/random.h"

#include <gtest/gtest.h>

#include <set>

namespace triggerd {
namespace {

TEST(Random, SecretsAreHexOf32RandomBytesAndDiffer) {
  SecureRandom rng;
  std::string a = newSecret(rng), b = newSecret(rng);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(Random, UlidsAreCrockfordAndSortByTime) {
  SecureRandom rng;
  std::string early = newUlid(rng, 1764064800000), late = newUlid(rng, 1764064800001);
  ASSERT_EQ(early.size(), 26u);
  EXPECT_EQ(early.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos);
  EXPECT_LT(early, late);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(newUlid(rng, 1764064800000));
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace triggerd
