// Lists served a page at a time (next_page): one page, or every page with --all, printed as a
// table or as JSON.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "cli/command_context.h"

namespace triggerd::cli {

using RowOf = std::function<std::vector<std::string>(const rapidjson::Value&)>;

struct Listing {
  const char* items_key;  // "repositories", "branches", "jobs", ...
  std::vector<std::string> headers;
  RowOf row;
};

struct PageChoice {
  std::string page;  // empty: the first
  bool all = false;  // follow next_page to the end
};

// Fetches one page, or with args.all follows next_page to the end, then prints the items as a
// table, or as JSON: the answer verbatim for one page; for --all one answer of the same shape
// holding every item, with "next_page": null.
int listPaged(const Context& ctx, const std::string& path, const PageChoice& args,
              const Listing& listing);

}  // namespace triggerd::cli
