// Query parameters the list routes share: ?page= (from 1) and ?per_page= (1 to 100).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "http/request_context.h"

namespace triggerd {

struct PageParams {
  int64_t page = 1;
  int64_t per_page = 20;
};

// 400 naming the parameter when it is not a number in range.
Result<PageParams> pageParams(const RequestContext& ctx, int64_t default_per_page = 20);
// An optional integer parameter in [min, max]; `fallback` when absent. 400 otherwise.
Result<int64_t> intParam(const RequestContext& ctx, std::string_view name, int64_t fallback,
                         int64_t min, int64_t max);

}  // namespace triggerd
