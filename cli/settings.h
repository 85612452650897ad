// Where triggerctl's connection settings come from: flags first, then the environment, then
// defaults. Pure apart from reading the token file.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace triggerd::cli {

// The variables triggerctl reads, captured once so the resolution below stays testable.
struct Environment {
  std::optional<std::string> url;         // TRIGGERCTL_URL
  std::optional<std::string> token_file;  // TRIGGERCTL_TOKEN_FILE
  std::optional<std::string> token;       // TRIGGERCTL_TOKEN (the token itself)
  static Environment fromProcess();
};

// --url, else TRIGGERCTL_URL, else http://127.0.0.1:8081. Errors (400) unless http(s)://.
Result<std::string> resolveUrl(const std::string& url_flag, const Environment& env);

// The API token: --token-file, else TRIGGERCTL_TOKEN_FILE, else TRIGGERCTL_TOKEN. Errors say
// where to put it; never on the command line, where ps and shell history would show it.
Result<std::string> resolveToken(const std::string& token_file_flag, const Environment& env);

// Why the token is not an argument; shared by the error for `--token` and the docs' wording.
inline constexpr const char* kTokenNotAnArgument =
    "tokens are never accepted as command-line arguments (they would show in ps and shell "
    "history): put the token in a file and pass --token-file PATH, or set "
    "TRIGGERCTL_TOKEN_FILE, or TRIGGERCTL_TOKEN";

}  // namespace triggerd::cli
