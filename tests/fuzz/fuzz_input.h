// How the fuzz targets cut one input into fields: the first fields are lines, the last field is
// everything after them. A text format (rather than FuzzedDataProvider's byte stream) lets the
// seed corpus be real requests and payloads written by hand or copied from tests/fixtures.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace triggerd::fuzz {

inline std::string_view asText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// N fields: N-1 lines ('\n' not included), then the rest. Missing fields are empty.
template <size_t N>
std::array<std::string_view, N> fields(std::string_view input) {
  std::array<std::string_view, N> out{};
  for (size_t i = 0; i + 1 < N; ++i) {
    size_t nl = input.find('\n');
    if (nl == std::string_view::npos) {
      out[i] = input;
      return out;
    }
    out[i] = input.substr(0, nl);
    input.remove_prefix(nl + 1);
  }
  out[N - 1] = input;
  return out;
}

}  // namespace triggerd::fuzz
