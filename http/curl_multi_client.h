// CurlMultiClient: the HttpClient triggerd uses in production. libcurl's multi interface driven
// by the one libevent loop, hiperfifo-style (one event per socket, one timer), with the SSRF
// AddressGuard enforced when curl opens each socket.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/metrics.h"
#include "http/address_guard.h"
#include "http/client.h"
#include "http/curl_ptr.h"
#include "loop/event_loop.h"

namespace triggerd {

/**
 * Outbound HTTP(S) on the loop thread. Not thread-safe: call everything from the loop thread.
 *
 * Callback contract (HttpClient):
 *  - send() never invokes the callback inline, not even for a request refused up front (bad
 *    scheme, blocked literal address); every callback runs on a later loop turn, from a posted
 *    task, outside any curl or libevent callback. So a callback may call send(), cancel(), or
 *    destroy this client.
 *  - The callback runs exactly once unless cancel(id) ran first. After cancel(id) returns, the
 *    callback for id never runs, even if the transfer had already finished and its result was
 *    waiting for its turn. cancel() of an unknown or finished id is a no-op.
 *  - Destroying the client cancels everything still pending: no callback runs afterwards.
 *
 * Errors (Result error side; an HTTP status of any value, 3xx/4xx/5xx included, is a response):
 *  - Error{422, field "url"}: the request itself is unusable: not an absolute http/https URL
 *    (ftp://, file://, gopher://, ...), a bad method, a header with CR/LF.
 *  - Error{502, field "url"}: the AddressGuard refused the destination (SSRF). The API handler
 *    maps this to 422 when the address came from a user (a GitLab service address).
 *  - Error{504, field ""}: connect or total timeout.
 *  - Error{502, field ""}: any other transport failure: DNS, connect, TLS verification or
 *    handshake, response larger than the cap, connection dropped.
 *  Messages name the host and the cause, never the query string or credentials.
 *
 * Transfer settings, fixed for every request: protocols http,https only (redirect protocols too),
 * redirects NOT followed (a 3xx is returned as is), TLS peer and host verification always on
 * (there is no switch), NOSIGNAL, every content-encoding curl supports (the size cap applies to
 * the decoded body), no "Expect: 100-continue".
 *
 * CA: with HttpRequest::ca_pem set, that PEM bundle ALONE is trusted for the request (the system
 * store is not consulted), which is what a per-server private CA setting means: the GitLab server
 * must chain to it. Without ca_pem, the system store is used.
 *
 * Proxies: the environment (http_proxy, HTTPS_PROXY, ALL_PROXY, ...) is ignored; only
 * Options::proxy is used. Through a proxy the socket-open check would see the proxy's address and
 * the proxy would resolve the destination itself, so with a proxy triggerd first resolves the
 * destination (on a worker thread, never on the loop), judges every address with the guard, and
 * has curl ask the proxy for the judged address (CONNECT_TO), so the proxy never resolves the
 * name again (no DNS rebinding). The proxy's own address is exempt from the guard. Failures
 * through the proxy are worded without the proxy's answer, so error messages cannot be used to
 * probe what lies behind it.
 */
class CurlMultiClient final : public HttpClient {
 public:
  struct Options {
    std::string user_agent = "triggerd/0.1";  // unless the request sets its own User-Agent
    // Client-wide ceilings. A request gets min(request value, ceiling); a request value of 0
    // means "the ceiling". HttpRequest's own defaults equal these.
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{15000};
    size_t max_response_bytes = 8 * 1024 * 1024;
    AddressGuard address_guard;  // default: every non-public address refused
    // "": no proxy (the environment is ignored); else "http://IP:port", the proxy for every
    // request. An IP literal: the guard exempts exactly that address.
    std::string proxy;
    Metrics* metrics = nullptr;  // counts triggerd_ssrf_refusals_total{class}; may be null
  };

  CurlMultiClient(EventLoop& loop, Options options);
  ~CurlMultiClient() override;
  CurlMultiClient(const CurlMultiClient&) = delete;
  CurlMultiClient& operator=(const CurlMultiClient&) = delete;

  HttpRequestId send(HttpRequest request, HttpCallback cb) override;
  void cancel(HttpRequestId id) override;

  // Replaces the guard (SIGHUP reload). Open connections in curl's cache stay usable; new
  // connections are judged by the new guard.
  void setAddressGuard(AddressGuard guard) { options_.address_guard = std::move(guard); }
  // Requests started and not yet delivered or cancelled.
  size_t pending() const { return transfers_.size(); }

 private:
  struct Transfer;
  struct SocketWatch;

  // curl trampolines: noexcept, never call back into curl_multi_* or user code.
  static int onSocket(CURL* easy, curl_socket_t fd, int what, void* userp, void* socketp) noexcept;
  static int onTimer(CURLM* multi, long timeout_ms, void* userp) noexcept;
  static curl_socket_t onOpenSocket(void* clientp, curlsocktype purpose,
                                    curl_sockaddr* address) noexcept;
  static size_t onWrite(char* data, size_t size, size_t n, void* userp) noexcept;
  static size_t onHeader(char* data, size_t size, size_t n, void* userp) noexcept;
  // libevent trampolines.
  static void onSocketEvent(evutil_socket_t fd, short events, void* arg) noexcept;

  void onTimeout();
  void socketAction(curl_socket_t fd, int ev_bitmask);
  void drainCompletions();  // curl_multi_info_read until empty
  void finish(Transfer& t, CURLcode code);
  void scheduleDelivery(HttpRequestId id);
  void deliver(HttpRequestId id);
  // Through a proxy: resolves the destination off the loop, then start() or fails the transfer.
  void resolveThenStart(Transfer& t);
  void onResolved(HttpRequestId id, std::vector<IpAddress> addresses, std::string error);
  void start(Transfer& t);
  void countOutcome(const Result<HttpResponse>& result);
  Status configure(Transfer& t);
  void detach(Transfer& t);  // remove from the multi handle and free the easy handle

  EventLoop& loop_;
  Options options_;
  std::optional<IpAddress> proxy_ip_;  // the address of options_.proxy
  uint16_t proxy_port_ = 0;
  CurlMultiPtr multi_;
  std::unique_ptr<Timer> timer_;
  std::unordered_map<HttpRequestId, std::unique_ptr<Transfer>> transfers_;
  // One watch per socket curl told us about; also attached with curl_multi_assign.
  std::unordered_map<curl_socket_t, std::unique_ptr<SocketWatch>> sockets_;
  HttpRequestId next_id_ = 1;
  // Posted deliveries hold a weak_ptr to this: they do nothing once the client is gone.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace triggerd
