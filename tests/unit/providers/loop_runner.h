// Drives a provider API call to completion for tests: a real EventLoop, a CurlMultiClient that
// may reach loopback (the fakes listen on 127.0.0.1), and a safety timeout.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <utility>

#include "common/result.h"
#include "http/curl_multi_client.h"
#include "loop/event_loop.h"
#include "providers/provider_http.h"

namespace triggerd::testing {

class LoopRunner {
 public:
  LoopRunner() : client_(loop_, clientOptions()) {}

  HttpClient& http() { return client_; }
  EventLoop& loop() { return loop_; }

  // Starts a call with a callback that stores its result, then runs the loop until the callback
  // fires or `timeout` passes. A call refused up front returns its Error without running.
  template <typename T>
  Result<T> run(const std::function<ApiCall(std::function<void(Result<T>)>)>& start,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    std::optional<Result<T>> out;
    ApiCall call = start([&](Result<T> r) {
      out.emplace(std::move(r));
      loop_.stop();
    });
    if (!call.ok()) return call.error();
    bool timed_out = false;
    auto timer = loop_.createTimer([&] {
      timed_out = true;
      loop_.stop();
    });
    timer->arm(timeout);
    while (!out && !timed_out) loop_.run();
    if (!out) {
      client_.cancel(*call);
      return Error{599, "", "test timed out waiting for the callback"};
    }
    return std::move(*out);
  }

 private:
  static CurlMultiClient::Options clientOptions() {
    CurlMultiClient::Options options;
    auto guard = AddressGuard::fromStrings({"127.0.0.0/8"});
    if (guard.ok()) options.address_guard = *guard;
    return options;
  }

  EventLoop loop_;
  CurlMultiClient client_;
};

}  // namespace triggerd::testing
