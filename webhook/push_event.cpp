// Provider-independent pieces of push handling. The parsers live in github_payload.cpp and
// gitlab_payload.cpp.
#include "webhook/push_event.h"

#include <algorithm>
#include <array>

namespace triggerd {
namespace {

char asciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool containsIgnoreCase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return asciiLower(a) == asciiLower(b); });
  return it != haystack.end();
}

}  // namespace

bool hasSkipMarker(std::string_view commit_message) {
  // The markers CI systems share; matched anywhere in the message, in any letter case, the
  // way GitLab and GitHub Actions treat "[ci skip]".
  static constexpr std::array<std::string_view, 4> kMarkers = {"[skip build]", "[build skip]",
                                                               "[skip ci]", "[ci skip]"};
  return std::any_of(kMarkers.begin(), kMarkers.end(), [&](std::string_view marker) {
    return containsIgnoreCase(commit_message, marker);
  });
}

}  // namespace triggerd
