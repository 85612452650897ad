// Reading the files triggerctl is pointed at: rules, CA certificates and secrets (tokens are
// only ever read from files or the environment, never from arguments).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace triggerd::cli {

// The whole file ("-" reads stdin). Errors are 400 with the path as the field.
Result<std::string> readTextFile(const std::string& path, size_t max_bytes = 1u << 20);

// A secret file: surrounding blanks and the trailing newline are dropped; empty content, or a
// control character inside (it would corrupt an HTTP header), is an error naming `what`.
Result<std::string> readSecretFile(const std::string& path, std::string_view what);
// The same checks on a secret that came from somewhere else (TRIGGERCTL_TOKEN).
Result<std::string> cleanSecret(std::string_view raw, const std::string& field,
                                std::string_view what);

}  // namespace triggerd::cli
