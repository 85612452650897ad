#include "providers/page_walk.h"

#include "providers/pagination.h"

namespace triggerd {
namespace {

void onAnswer(const std::shared_ptr<PageWalk>& w, int pages, Result<HttpResponse> r) {
  if (!r.ok() || r->status < 200 || r->status >= 300) {
    return w->on_failure(std::move(r), [w](Status end) { w->done(std::move(end)); });
  }
  auto go_on = w->on_page(*r);
  if (!go_on.ok()) return w->done(go_on.error());
  auto next = nextPageToken(r->header("link"), r->header("x-next-page"));
  if (!*go_on || !next) return w->done(okStatus());
  if (pages + 1 >= w->max_pages) {
    return w->done(Error{502, "",
                         w->provider + " has more than " + std::to_string(w->max_pages) +
                             " pages of " + w->what + "; triggerd does not read further"});
  }
  auto query = pageTokenQuery(*next);
  if (!query.ok()) {
    return w->done(
        Error{502, "", w->provider + "'s next page of " + w->what + " names no page to read"});
  }
  HttpRequest req = w->first;
  req.url = provider_http::appendQuery(w->first.url, *query);
  w->http->send(std::move(req),
                [w, pages](Result<HttpResponse> page) { onAnswer(w, pages + 1, std::move(page)); });
}

}  // namespace

ApiCall walkPages(std::shared_ptr<PageWalk> walk) {
  HttpRequest first = walk->first;
  HttpClient* http = walk->http;
  return http->send(std::move(first), [walk = std::move(walk)](Result<HttpResponse> r) {
    onAnswer(walk, 0, std::move(r));
  });
}

}  // namespace triggerd
