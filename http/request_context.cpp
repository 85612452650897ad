#include "http/request_context.h"

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "http/connection.h"
#include "http/server.h"

namespace triggerd {

RequestContext::RequestContext(EventLoop& loop) : loop_(loop) {}

RequestContext::~RequestContext() {
  if (pool_) pool_->release(std::move(storage_));
}

RequestPtr RequestContext::wrap(RequestContext* ctx) {
  return RequestPtr(ctx, &RequestContext::release);
}

void RequestContext::release(RequestContext* ctx) noexcept {
  try {
    if (ctx->alive()) {
      TLOG_ERROR("http", "listener=%s id=%s route=%s handler dropped the request without replying",
                 ctx->listener_.c_str(), ctx->id_.c_str(), ctx->route_.c_str());
      ctx->fail(Error::internal("the request was not answered"));
    }
  } catch (...) {
    TLOG_ERROR("http", "id=%s failed to answer a dropped request", ctx->id_.c_str());
  }
  // Never free inline: the last reference may drop inside one of our own calls (a cancel hook
  // capturing the context, a completion lambda being destroyed).
  ctx->loop_.deferredDelete(std::unique_ptr<DeferredDeletable>(ctx));
}

std::optional<std::string_view> RequestContext::queryParam(std::string_view name) const {
  for (const auto& [k, v] : query_)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

const HeaderList& RequestContext::headers() const {
  if (!headers_built_) {
    headers_built_ = true;
    for (const auto& [k, v] : storage_->headers) headers_.emplace_back(k, v);
  }
  return headers_;
}

std::optional<std::string_view> RequestContext::header(std::string_view name) const {
  for (const auto& [k, v] : storage_->headers)
    if (equalsIgnoreCase(k, name)) return v;
  return std::nullopt;
}

void RequestContext::reply(int status, std::string_view json_body, const ResponseHeaders& extra) {
  send(status, json_body, kJsonContentType, extra, status >= 400 ? json_body : std::string_view());
}

void RequestContext::replyRaw(int status, std::string_view body, std::string_view content_type,
                              const ResponseHeaders& extra) {
  send(status, body, content_type, extra, {});
}

void RequestContext::fail(const Error& error, const ResponseHeaders& extra) {
  int status = error.status >= 400 && error.status <= 599 ? error.status : 500;
  send(status, json::errorBody(error), kJsonContentType, extra, error.message);
}

namespace {

// Framing is the connection's: a handler cannot set these.
bool isFramingHeader(std::string_view name) {
  return equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "Transfer-Encoding") ||
         equalsIgnoreCase(name, "Connection");
}

}  // namespace

void RequestContext::send(int status, std::string_view body, std::string_view content_type,
                          const ResponseHeaders& extra, std::string_view log_reason) {
  if (state_ != State::kPending) {
    TLOG_DEBUG("http", "id=%s status=%d late answer dropped (%s)", id_.c_str(), status,
               clientGone() ? "client gone" : "already answered");
    return;
  }
  state_ = State::kReplied;
  // Hooks are for abandoned work only; destroy them outside our own state changes. Dropping them
  // may release the last reference to this context, which only schedules a deferred delete.
  auto hooks = std::move(cancel_hooks_);
  cancel_hooks_.clear();

  if (test_sink_) {
    CapturedReply captured{status, std::string(content_type), std::string(body), extra};
    auto sink = std::move(test_sink_);
    test_sink_ = nullptr;
    sink(captured);
    return;
  }

  HttpServer* server = server_;
  HttpConnection* conn = conn_;
  server_ = nullptr;
  conn_ = nullptr;
  if (!server || !conn) {  // belief: a pending server-side context always has both
    TLOG_ERROR("http", "id=%s answer dropped: context has no connection", id_.c_str());
    return;
  }
  const ResponseHeaders* headers = &extra;
  ResponseHeaders checked;
  for (const auto& [name, value] : extra) {
    if (isSafeHeader(name, value) && !isFramingHeader(name)) continue;
    // Rare: copy the acceptable ones once something has to be dropped.
    checked.clear();
    for (const auto& [n, v] : extra) {
      if (isSafeHeader(n, v) && !isFramingHeader(n)) {
        checked.emplace_back(n, v);
      } else {
        TLOG_WARN("http", "id=%s dropped response header %s", id_.c_str(),
                  log::logValue(n, 60).c_str());
      }
    }
    headers = &checked;
    break;
  }
  if (content_type.empty() && !body.empty()) content_type = kJsonContentType;
  // Metrics and the log line first: the write may close the connection.
  server->onReplying(*this, status, log_reason);
  OutgoingResponse response;
  response.status = status;
  response.content_type = content_type;
  response.body = body;
  response.extra = headers;
  response.request_id = id_;
  conn->respond(response);
}

void RequestContext::onCancel(std::function<void()> hook) {
  if (!hook) return;
  switch (state_) {
    case State::kPending:
      cancel_hooks_.push_back(std::move(hook));
      return;
    case State::kClientGone:
      if (!hooks_ran_) {
        cancel_hooks_.push_back(std::move(hook));  // the queued run will pick it up
        return;
      }
      try {
        hook();
      } catch (const std::exception& e) {
        TLOG_ERROR("http", "id=%s cancel hook threw: %s", id_.c_str(), e.what());
      } catch (...) {
        TLOG_ERROR("http", "id=%s cancel hook threw", id_.c_str());
      }
      return;
    case State::kReplied:
      return;  // nothing left to cancel on behalf of this request
  }
}

void RequestContext::onConnectionLost() {
  if (state_ != State::kPending) return;
  state_ = State::kClientGone;
  HttpServer* server = server_;
  server_ = nullptr;
  conn_ = nullptr;
  if (server) server->onClientGone(*this);
}

void RequestContext::runCancelHooks() {
  if (hooks_ran_) return;
  hooks_ran_ = true;
  auto self = shared_from_this();  // a hook may drop the last outside reference
  auto hooks = std::move(cancel_hooks_);
  cancel_hooks_.clear();
  for (auto& hook : hooks) {
    try {
      hook();
    } catch (const std::exception& e) {
      TLOG_ERROR("http", "id=%s cancel hook threw: %s", id_.c_str(), e.what());
    } catch (...) {
      TLOG_ERROR("http", "id=%s cancel hook threw", id_.c_str());
    }
  }
}

RequestPtr RequestContext::makeForTest(EventLoop& loop, TestRequest request,
                                       std::function<void(const CapturedReply&)> on_reply) {
  auto* ctx = new RequestContext(loop);
  ctx->test_sink_ = std::move(on_reply);
  if (!ctx->test_sink_) ctx->test_sink_ = [](const CapturedReply&) {};
  ctx->method_ = std::move(request.method);
  ctx->path_ = std::move(request.path);
  ctx->params_ = std::move(request.params);
  ctx->query_ = std::move(request.query);
  ctx->storage_ = std::make_unique<RequestStorage>();
  ctx->storage_->bytes.append(request.body);
  ctx->body_ = ctx->storage_->bytes.view();
  ctx->headers_ = std::move(request.headers);
  ctx->headers_built_ = true;
  for (const auto& [k, v] : ctx->headers_) ctx->storage_->headers.emplace_back(k, v);
  ctx->listener_ = std::move(request.listener);
  ctx->peer_ = std::make_shared<const std::string>(std::move(request.peer));
  ctx->id_ = "test";
  ctx->route_ = ctx->path_;
  ctx->arrival_ = std::chrono::steady_clock::now();
  ctx->received_at_ = std::chrono::system_clock::now();
  return wrap(ctx);
}

void RequestContext::simulateClientGone() {
  if (state_ != State::kPending) return;
  state_ = State::kClientGone;
  test_sink_ = nullptr;
  runCancelHooks();
}

}  // namespace triggerd
