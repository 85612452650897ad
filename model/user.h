// Users are tenants named by an opaque id: [A-Za-z0-9._-]{1,64}, but not "." or "..", which
// would read as path segments in URLs and keys.
#pragma once

#include <string_view>

#include "common/result.h"

namespace triggerd {

// 400 naming `user` when the id is not one triggerd accepts.
Status validateUserId(std::string_view user);

}  // namespace triggerd
