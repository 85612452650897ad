#include "cli/paged_list.h"

#include <set>

#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/table.h"
#include "common/json.h"

namespace triggerd::cli {
namespace {

// --all stops here even if the provider keeps handing out pages.
constexpr int kMaxPages = 1000;

}  // namespace

int listPaged(const Context& ctx, const std::string& path, const PageChoice& args,
              const Listing& listing) {
  rapidjson::Document merged(rapidjson::kObjectType);
  auto& alloc = merged.GetAllocator();
  rapidjson::Value items(rapidjson::kArrayType);
  std::string page = args.page;
  std::string next_page;
  std::set<std::string> seen_pages;
  for (int fetched = 0;; ++fetched) {
    if (fetched == kMaxPages) {
      return unexpectedAnswer(
          ctx, "more than " + std::to_string(kMaxPages) + " pages; stopped following next_page");
    }
    auto answer = callApi(ctx, "GET", paths::withPage(path, page));
    if (!answer.ok()) return answer.exit_code;
    const auto* page_items = json::member(answer.doc, listing.items_key);
    if (!page_items || !page_items->IsArray()) {
      return unexpectedAnswer(ctx, std::string("no \"") + listing.items_key + "\" array");
    }
    next_page = valueText(json::member(answer.doc, "next_page"));
    if (!args.all) {
      if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
      items.CopyFrom(*page_items, alloc);
      break;
    }
    for (const auto& item : page_items->GetArray())
      items.PushBack(rapidjson::Value(item, alloc), alloc);
    if (next_page.empty()) break;
    if (!seen_pages.insert(next_page).second) {
      return unexpectedAnswer(ctx, "next_page \"" + next_page + "\" came back twice");
    }
    page = next_page;
  }

  if (ctx.output.json) {
    merged.AddMember(rapidjson::StringRef(listing.items_key), items, alloc);
    merged.AddMember("next_page", rapidjson::Value(rapidjson::kNullType), alloc);
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    merged.Accept(w);
    printJsonIfAsked(ctx, std::string_view(buf.GetString(), buf.GetSize()));
    return kExitOk;
  }
  Table table(listing.headers);
  for (const auto& item : items.GetArray()) table.addRow(listing.row(item));
  ctx.out << table.render();
  if (!args.all && !next_page.empty()) {
    // On stderr so the table stays clean for pipes.
    ctx.err << "more: add --page " << cellText(next_page) << " for the next page, or --all\n";
  }
  return kExitOk;
}

}  // namespace triggerd::cli
