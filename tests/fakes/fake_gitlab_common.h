// Pieces FakeGitLab's files share: GitLab's error bodies and the scope check.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "tests/fakes/fake_api_common.h"

namespace triggerd::testing::fake_gitlab {

inline constexpr const char* kInsufficientScope =
    "The request requires higher privileges than provided by the access token.";

// {"message": message}, GitLab's usual error body.
FakeApiResponse gitlabMessage(int status, const std::string& message);
// How GitLab's API guard answers an OAuth-style token failure.
FakeApiResponse tokenError(int status, const std::string& error, const std::string& description,
                           const std::string& scope = "");
bool hasAny(const std::vector<std::string>& have, std::initializer_list<const char*> want);

}  // namespace triggerd::testing::fake_gitlab
