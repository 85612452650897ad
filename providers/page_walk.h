// Reading a provider list to its end, one page after another: the next page comes from the Link
// header's rel="next" (GitHub and GitLab) or GitLab's x-next-page, and later pages repeat the
// first request with only the page selector changed. Used for hook lists, GitHub's hook
// deliveries (cursor pages) and GitLab's hook events.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/client.h"
#include "providers/provider_http.h"

namespace triggerd {

struct PageWalk {
  HttpClient* http = nullptr;
  HttpRequest first;  // the first page
  int max_pages = 20;
  std::string provider;  // "GitHub", for messages
  std::string what;      // "the webhooks of octo/app", for messages
  // A 2xx page: keeps what it needs from it; true to go on to the next page, if there is one.
  std::function<Result<bool>(const HttpResponse& page)> on_page;
  // Any other answer, or a transport failure: works out how the walk ends (it may ask the
  // provider more first) and passes that to `finish`: an Error, or Ok when the answer means
  // "nothing (more) to read".
  std::function<void(Result<HttpResponse> answer, std::function<void(Status)> finish)> on_failure;
  std::function<void(Status)> done;  // exactly once
};

// Sends the first page; every callback runs on a later loop turn.
ApiCall walkPages(std::shared_ptr<PageWalk> walk);

}  // namespace triggerd
