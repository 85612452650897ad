// RequestContext: one in-flight inbound HTTP request, as handlers see it.
//
// Ownership and lifetime (read this before writing a handler)
// ------------------------------------------------------------
// * Handlers receive a RequestPtr (std::shared_ptr<RequestContext>). Holding it keeps the C++
//   object valid; copy it into callbacks that answer later (Redis, curl, timers).
// * The HTTP exchange ends exactly once, by whichever comes first:
//     - reply()/replyRaw()/fail()  — the answer is handed to the connection, which writes it;
//     - the client going away      — the context becomes dead (clientGone()), registered cancel
//                                    hooks run, and every later reply()/fail() is a no-op.
//   alive() is true until then. Accessors (method, path, params, query, headers, body, peer...)
//   stay valid for the object's whole lifetime, also after the exchange ended: the context owns
//   the buffer the request was read into (moved from the connection, not copied), and body()
//   and the header values are views into it.
// * Dropping the last RequestPtr without replying answers 500 (and logs an error) so the
//   connection is never left hanging. The object is then freed on a later loop turn through
//   EventLoop::deferredDelete, never inside the callback that dropped it. Contexts must
//   not outlive the EventLoop.
//
// Callbacks and re-entrancy
// -------------------------
// * reply()/fail() never call back into handler code and never fire cancel hooks. The next
//   request of a pipelining client is parsed from the server's task event, not inside reply().
// * Cancel hooks run once, on the loop, from a clean stack (the server's task event, not from
//   inside the connection's close), after the context is already dead. Use them to cancel
//   pending work (HttpClient::cancel, Redis command handles); they must not reply.
// * onCancel() on an already-dead context whose hooks have run calls the hook inline.
// * Everything here is loop-thread only.
//
// Usage:
//   router.addOrDie("GET", "/api/v1/users/{user}/jobs", [&](const RequestPtr& ctx) {
//     auto user = std::string(ctx->param("user"));
//     auto id = redis.command(argv, [ctx](Result<Reply> r) {
//       if (!r.ok()) return ctx->fail(r.error());   // no-op if the client left
//       ctx->reply(200, renderJobs(*r));
//     });
//     ctx->onCancel([&redis, id] { redis.cancel(id); });
//   });
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "http/request_storage.h"
#include "http/responses.h"
#include "http/router.h"
#include "loop/event_loop.h"

namespace triggerd {

class HttpServer;
class HttpConnection;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class RequestContext final : public DeferredDeletable,
                             public std::enable_shared_from_this<RequestContext> {
 public:
  ~RequestContext() override;
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  // --- the request (owned copies; valid for the object's lifetime) ---
  const std::string& method() const { return method_; }  // "GET", "POST", ...
  const std::string& path() const { return path_; }      // as sent, still percent-encoded
  const std::string& route() const { return route_; }    // matched pattern, or "unmatched"
  const RouteParams& params() const { return params_; }
  std::string_view param(std::string_view name) const { return params_.get(name); }
  const HeaderList& query() const { return query_; }
  std::optional<std::string_view> queryParam(std::string_view name) const;  // first value
  // Every header field in order, as owned strings (built on first use).
  const HeaderList& headers() const;
  std::optional<std::string_view> header(std::string_view name) const;  // case-insensitive
  // Every header field in order, as views valid for the context's lifetime (no copies).
  const HeaderViews& headerViews() const { return storage_->headers; }
  std::string_view body() const { return body_; }
  const std::string& peer() const { return *peer_; }         // "203.0.113.7:51234", "unix"
  const std::string& listener() const { return listener_; }  // "public", "admin"
  const std::string& id() const { return id_; }              // request id (ULID), X-Request-Id
  // When the first byte of the request arrived (for latency), and when it was dispatched.
  std::chrono::steady_clock::time_point arrival() const { return arrival_; }
  std::chrono::system_clock::time_point receivedAt() const { return received_at_; }

  // --- the exchange ---
  bool alive() const { return state_ == State::kPending; }
  bool replied() const { return state_ == State::kReplied; }
  bool clientGone() const { return state_ == State::kClientGone; }

  // Answers with a JSON body (Content-Type: application/json). No-op unless alive().
  void reply(int status, std::string_view json_body, const ResponseHeaders& extra = {});
  // Answers with another content type (Prometheus text, an HTML page, an empty 302).
  void replyRaw(int status, std::string_view body, std::string_view content_type,
                const ResponseHeaders& extra = {});
  // Answers {"error": message, "field": field} with error.status. No-op unless alive().
  void fail(const Error& error, const ResponseHeaders& extra = {});
  // Registers work to cancel if the client goes away before the answer (see contract above).
  void onCancel(std::function<void()> hook);

  // --- test support: a context with no server behind it, for handler unit tests ---
  struct TestRequest {
    std::string method = "GET";
    std::string path = "/";
    RouteParams params;
    HeaderList query;
    HeaderList headers;
    std::string body;
    std::string listener = "public";
    std::string peer = "127.0.0.1:40000";
  };
  struct CapturedReply {
    int status = 0;
    std::string content_type;
    std::string body;
    ResponseHeaders headers;
  };
  static RequestPtr makeForTest(EventLoop& loop, TestRequest request,
                                std::function<void(const CapturedReply&)> on_reply);
  // As if the client disconnected: the context dies and its cancel hooks run (inline).
  void simulateClientGone();

 private:
  friend class HttpServer;

  enum class State {
    kPending,     // handed to a handler, no answer yet
    kReplied,     // reply()/fail() handed the answer to the connection
    kClientGone,  // the connection closed first; answers are dropped
  };

  explicit RequestContext(EventLoop& loop);
  // The shared_ptr deleter: answers 500 if the handler forgot, then defers the delete.
  static void release(RequestContext* ctx) noexcept;
  static RequestPtr wrap(RequestContext* ctx);

  void send(int status, std::string_view body, std::string_view content_type,
            const ResponseHeaders& extra, std::string_view log_reason);
  // Called by the server when the connection closes before the answer.
  void onConnectionLost();
  // Called by the server from its task event after onConnectionLost().
  void runCancelHooks();

  EventLoop& loop_;
  State state_ = State::kPending;
  HttpServer* server_ = nullptr;    // valid only while kPending (null in tests)
  HttpConnection* conn_ = nullptr;  // valid only while kPending (null in tests)
  std::vector<std::function<void()>> cancel_hooks_;
  bool hooks_ran_ = false;
  std::function<void(const CapturedReply&)> test_sink_;

  std::string method_;
  std::string path_;
  std::string route_ = "unmatched";
  RouteParams params_;
  HeaderList query_;
  // The request's bytes and header views; returned to pool_ (if any) on destruction.
  std::unique_ptr<RequestStorage> storage_;  // never null once the context is set up
  std::shared_ptr<RequestStoragePool> pool_;
  mutable HeaderList headers_;  // headers(): built from the views on first use
  mutable bool headers_built_ = false;
  std::string_view body_;
  std::shared_ptr<const std::string> peer_;
  std::string listener_;
  std::string id_;
  std::chrono::steady_clock::time_point arrival_;
  std::chrono::system_clock::time_point received_at_;
};

}  // namespace triggerd
