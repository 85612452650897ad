#include "console/assets.h"

#include "console/asset_table.h"

namespace triggerd {
namespace {

std::string_view contentTypeOf(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

}  // namespace

std::optional<ConsoleAsset> findConsoleAsset(std::string_view name) {
  for (size_t i = 0; i < console_data::kFileCount; ++i) {
    const auto& f = console_data::kFiles[i];
    if (f.name == name) return ConsoleAsset{f.name, contentTypeOf(f.name), f.body};
  }
  return std::nullopt;
}

std::vector<ConsoleAsset> consoleAssets() {
  std::vector<ConsoleAsset> out;
  for (size_t i = 0; i < console_data::kFileCount; ++i) {
    const auto& f = console_data::kFiles[i];
    out.push_back(ConsoleAsset{f.name, contentTypeOf(f.name), f.body});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> consolePageHeaders() {
  return {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"},
  };
}

}  // namespace triggerd
