// Pieces FakeGitHub's files share: GitHub's error body, the time and permission ranks.
#pragma once

#include <cstdint>
#include <string>

#include "tests/fakes/fake_api_common.h"

namespace triggerd::testing::fake_github {

int64_t nowUnix();
// {"message", "documentation_url", "status"}, GitHub's error body.
FakeApiResponse githubMessage(int status, const std::string& message,
                              const std::string& docs = "https://docs.github.com/rest");
// admin 5, maintain 4, push 3, triage 2, pull 1, none 0.
int permissionRank(const std::string& permission);

}  // namespace triggerd::testing::fake_github
