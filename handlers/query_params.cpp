#include "handlers/query_params.h"

#include <string>

namespace triggerd {

Result<int64_t> intParam(const RequestContext& ctx, std::string_view name, int64_t fallback,
                         int64_t min, int64_t max) {
  auto raw = ctx.queryParam(name);
  if (!raw) return fallback;
  std::string field(name);
  std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (raw->empty() || raw->size() > 9) return Error::badRequest(field, "must be " + range);
  int64_t v = 0;
  for (char c : *raw) {
    if (c < '0' || c > '9') return Error::badRequest(field, "must be " + range);
    v = v * 10 + (c - '0');
  }
  if (v < min || v > max) return Error::badRequest(field, "must be " + range);
  return v;
}

Result<PageParams> pageParams(const RequestContext& ctx, int64_t default_per_page) {
  auto page = intParam(ctx, "page", 1, 1, 100000);
  if (!page.ok()) return page.error();
  auto per_page = intParam(ctx, "per_page", default_per_page, 1, 100);
  if (!per_page.ok()) return per_page.error();
  return PageParams{*page, *per_page};
}

}  // namespace triggerd
