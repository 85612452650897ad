// The table of the console's files, generated at build time from console/web/ by
// embed_assets.cmake (console_asset_data.cpp in the build tree). Internal to console/.
#pragma once

#include <cstddef>
#include <string_view>

namespace triggerd::console_data {

struct AssetFile {
  std::string_view name;  // file name in console/web/
  std::string_view body;
};

extern const AssetFile kFiles[];
extern const size_t kFileCount;

}  // namespace triggerd::console_data
