// triggerd formats commands itself; hiredis's formatter is the reference they must equal byte
// for byte, whatever the arguments hold.
#include "redis/resp.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <string>
#include <vector>

namespace triggerd {
namespace {

std::string hiredisFormat(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  char* out = nullptr;
  int n = redisFormatCommandArgv(&out, static_cast<int>(argv.size()), args.data(), lens.data());
  EXPECT_GT(n, 0);
  std::string text(out, static_cast<size_t>(n));
  redisFreeCommand(out);
  return text;
}

TEST(RespTest, OneCommandIsAnArrayOfBulkStrings) {
  EXPECT_EQ(formatRespCommand({"GET", "triggerd:jobs"}),
            "*2\r\n$3\r\nGET\r\n$13\r\ntriggerd:jobs\r\n");
}

TEST(RespTest, EqualsHiredisForAnyBytes) {
  std::string binary("a\r\nb\0c$*\xff", 10);
  std::string big(100000, 'x');
  std::vector<std::vector<std::string>> commands = {
      {"PING"},
      {"SET", "", ""},
      {"EVALSHA", "0123456789abcdef0123456789abcdef01234567", "1", "k", binary, big},
      std::vector<std::string>(1000, "arg"),
  };
  for (const auto& argv : commands) EXPECT_EQ(formatRespCommand(argv), hiredisFormat(argv));
}

}  // namespace
}  // namespace triggerd
