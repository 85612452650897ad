#include "cli/local_files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/encoding.h"

namespace triggerd::cli {

namespace {

constexpr size_t kMaxSecretBytes = 64u << 10;

Result<std::string> readStream(std::istream& in, const std::string& path, size_t max_bytes) {
  std::string data;
  char chunk[8192];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    data.append(chunk, static_cast<size_t>(in.gcount()));
    if (data.size() > max_bytes) {
      return Error::badRequest(path, "is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  if (in.bad()) return Error::badRequest(path, "cannot be read");
  return data;
}

}  // namespace

Result<std::string> readTextFile(const std::string& path, size_t max_bytes) {
  if (path == "-") return readStream(std::cin, "stdin", max_bytes);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::badRequest(path, std::string("cannot be opened: ") + std::strerror(errno));
  return readStream(in, path, max_bytes);
}

Result<std::string> cleanSecret(std::string_view raw, const std::string& field,
                                std::string_view what) {
  std::string_view secret = trim(raw);
  if (secret.empty()) return Error::badRequest(field, "holds no " + std::string(what));
  for (char c : secret) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Error::badRequest(field, "the " + std::string(what) +
                                          " contains a control character or several lines; "
                                          "put only the " +
                                          std::string(what) + " in it");
    }
  }
  return std::string(secret);
}

Result<std::string> readSecretFile(const std::string& path, std::string_view what) {
  auto text = readTextFile(path, kMaxSecretBytes);
  if (!text) return text.error();
  return cleanSecret(text.value(), path == "-" ? "stdin" : path, what);
}

}  // namespace triggerd::cli
