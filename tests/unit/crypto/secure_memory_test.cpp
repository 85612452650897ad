// Secrets live in OpenSSL's secure heap (locked, excluded from core dumps) and are wiped when
// freed; the process can make itself non-dumpable.
#include "crypto/secure_memory.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "crypto/aead.h"

namespace triggerd {
namespace {

TEST(SecureMemory, SecretStringsLiveInTheSecureHeap) {
  ASSERT_TRUE(initSecureHeap(1 << 16)) << "mlock refused: raise RLIMIT_MEMLOCK";
  SecretString s = secret(std::string(100, 'k'));  // longer than the small-string buffer
  EXPECT_EQ(CRYPTO_secure_allocated(s.data()), 1);
  std::string ordinary(100, 'k');
  EXPECT_EQ(CRYPTO_secure_allocated(ordinary.data()), 0);
}

TEST(SecureMemory, AFullSecureHeapFallsBackToWipedOrdinaryMemory) {
  ASSERT_TRUE(initSecureHeap(1 << 16));
  std::vector<SecretString> many;
  for (int i = 0; i < 2000; ++i) many.push_back(secret(std::string(100, 'x')));  // > 64 KiB
  EXPECT_EQ(many.back(), std::string(100, 'x'));
  EXPECT_EQ(CRYPTO_secure_allocated(many.back().data()), 0);  // overflowed to the heap
  EXPECT_EQ(CRYPTO_secure_allocated(many.front().data()), 1);
}

TEST(SecureMemory, OpenedSecretsAreSecretStrings) {
  ASSERT_TRUE(initSecureHeap(1 << 16));
  SecretBox box(std::string(32, 'm'), "k1");
  SecureRandom rng;
  std::string token(60, 't');
  auto opened = box.open(box.seal(token, "source:alice:github", rng), "source:alice:github");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, token);
  EXPECT_EQ(CRYPTO_secure_allocated(opened->data()), 1);
}

TEST(SecureMemory, WipeZeroesTheBytesItHeld) {
  std::string key(64, 'x');
  const char* bytes = key.data();
  size_t n = key.size();
  wipe(key);
  EXPECT_TRUE(key.empty());
  // The buffer is still owned by `key` (clear() keeps the capacity): its bytes are zero now.
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(bytes[i], '\0') << i;
}

TEST(SecureMemory, ProcessBecomesNonDumpable) {
  // In a child, so the test binary itself stays debuggable.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(disableCoreDumps() && coreDumpsDisabled() ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(coreDumpsDisabled());
}

}  // namespace
}  // namespace triggerd
