// Drives a provider API call to completion for tests: a real EventLoop, a CurlMultiClient that
// may reach the fakes on 127.0.0.1, and a safety timeout (tests/support/loop_runner.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <utility>

#include "common/result.h"
#include "http/curl_multi_client.h"
#include "loop/event_loop.h"
#include "providers/provider_http.h"
#include "providers/provider_types.h"
#include "tests/support/loop_runner.h"
#include "tests/support/loopback_http.h"

namespace triggerd::testing {

// What walking a paginated listing saw.
struct PageWalk {
  size_t items = 0;
  int pages = 0;
};

class LoopRunner {
 public:
  LoopRunner() : client_(loop_, loopbackClientOptions()) {}

  HttpClient& http() { return client_; }
  EventLoop& loop() { return loop_; }

  // Starts a call with a callback that stores its result, then runs the loop until the callback
  // fires or `timeout` passes. A call refused up front returns its Error without running.
  template <typename T>
  Result<T> run(const std::function<ApiCall(std::function<void(Result<T>)>)>& start,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    std::optional<Result<T>> out;
    ApiCall call = start([&](Result<T> r) { out.emplace(std::move(r)); });
    if (!call.ok()) return call.error();
    if (!runUntil(
            loop_, [&] { return out.has_value(); }, timeout)) {
      client_.cancel(*call);
      return Error{599, "", "test timed out waiting for the callback"};
    }
    return std::move(*out);
  }

  // Follows a listing's next_page tokens from the first page to the last, calling `check` on
  // every item. A failed page, or more than 10 pages, fails the test and ends the walk.
  template <typename T>
  PageWalk walkPages(const std::function<ApiCall(const std::string& page,
                                                 std::function<void(Result<Page<T>>)>)>& list,
                     const std::function<void(const T&)>& check) {
    PageWalk walk;
    std::string page;
    do {
      auto result = run<Page<T>>([&](auto cb) { return list(page, cb); });
      if (!result.ok()) {
        ADD_FAILURE() << "page " << walk.pages + 1 << ": " << result.error().message;
        break;
      }
      ++walk.pages;
      walk.items += result->items.size();
      for (const auto& item : result->items) check(item);
      page = result->next_page.value_or("");
      if (walk.pages >= 10) {
        ADD_FAILURE() << "the listing did not end within 10 pages";
        break;
      }
    } while (!page.empty());
    return walk;
  }

 private:
  EventLoop loop_;
  CurlMultiClient client_;
};

}  // namespace triggerd::testing
