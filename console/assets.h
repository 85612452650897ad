// The web console's files, compiled into triggerd, and the headers every console page carries:
// a strict Content-Security-Policy (scripts, styles and requests from triggerd itself only, no
// inline script), no framing, no referrer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace triggerd {

struct ConsoleAsset {
  std::string_view name;          // "index.html", "app.js"
  std::string_view content_type;  // from the extension
  std::string_view body;
};

// The file of console/web/ called `name`, or nullopt.
std::optional<ConsoleAsset> findConsoleAsset(std::string_view name);
// Every file, for tests.
std::vector<ConsoleAsset> consoleAssets();

// Content-Security-Policy, X-Frame-Options, Referrer-Policy and friends for console pages
// (also the OAuth callback's page).
std::vector<std::pair<std::string, std::string>> consolePageHeaders();

}  // namespace triggerd
