#include "common/random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

TEST(Random, SmallDrawsAcrossSeveralBlocksNeverRepeat) {
  SecureRandom rng;
  // 10-byte draws (a job id's randomness) over more than three 4 KiB blocks, then one of every
  // buffered size: no two alike, each of the size asked for.
  std::set<std::string> seen;
  for (int i = 0; i < 1400; ++i) seen.insert(rng.bytes(10));
  EXPECT_EQ(seen.size(), 1400u);
  for (size_t n = 1; n <= SecureRandom::kBufferedMax + 1; ++n) EXPECT_EQ(rng.bytes(n).size(), n);
  EXPECT_NE(rng.bytes(64), rng.bytes(64));  // unbuffered, straight from RAND_bytes
}

TEST(Random, AForkedChildDoesNotServeItsParentsBytes) {
  SecureRandom rng;
  rng.bytes(10);  // a block is drawn and partly served before the fork
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string drawn = rng.bytes(16);
    _exit(write(fds[1], drawn.data(), drawn.size()) == 16 ? 0 : 1);
  }
  close(fds[1]);
  std::string parent = rng.bytes(16);
  char buf[16];
  ASSERT_EQ(read(fds[0], buf, sizeof buf), 16);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(parent, std::string(buf, sizeof buf));
}

}  // namespace
}  // namespace triggerd
