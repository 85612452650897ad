#include "redis/resp.h"

#include <charconv>

namespace triggerd {
namespace {

void appendHeader(std::string& out, char kind, size_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.push_back(kind);
  out.append(digits, end);
  out.append("\r\n");
}

}  // namespace

std::string formatRespCommand(const std::vector<std::string>& argv) {
  size_t size = 16;
  for (const std::string& a : argv) size += a.size() + 16;
  std::string out;
  out.reserve(size);
  appendHeader(out, '*', argv.size());
  for (const std::string& a : argv) {
    appendHeader(out, '$', a.size());
    out.append(a);
    out.append("\r\n");
  }
  return out;
}

}  // namespace triggerd
