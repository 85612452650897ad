#include "http/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/json.h"
#include "common/log.h"
#include "http/server.h"

namespace triggerd {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Input buffered while a request is with its handler (pipelined requests, or a client's junk);
// beyond it reading pauses, and with it the detection of a client that goes away.
constexpr size_t kParkedReadLimit = 64 * 1024;
// Room made before each read.
constexpr size_t kMinReadSpace = 4 * 1024;
// A Content-Length body up to this size gets its whole buffer at once, not by doubling.
constexpr size_t kMaxReadAhead = 1024 * 1024;
// An answer buffer that grew beyond this is freed once written.
constexpr size_t kMaxKeptOutput = 64 * 1024;
// Lingering after a refusal: at most this long (and no longer than request_timeout), dropping
// at most max(max_body_bytes, kMinLingerBytes) of input, so that a client that writes a whole
// over-size body before reading still gets its 413.
constexpr std::chrono::milliseconds kMaxLingerTime{5000};
constexpr size_t kMinLingerBytes = 1024 * 1024;
// Lingering for connections refused at accept (over the per-address cap): short, they are
// refused for being too many already.
constexpr std::chrono::milliseconds kRefusedLingerTime{1000};
constexpr size_t kRefusedLingerBytes = 64 * 1024;

constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

HttpConnection::HttpConnection(HttpServer& server, int fd, uint64_t id,
                               std::shared_ptr<const std::string> peer)
    : server_(server), fd_(fd), id_(id), peer_(std::move(peer)), parser_(server.parserLimits()) {
  event_base* base = server_.loop_.base();
  read_ev_.reset(event_new(base, fd_, EV_READ | EV_PERSIST, &HttpConnection::onReadable, this));
  write_ev_.reset(event_new(base, fd_, EV_WRITE | EV_PERSIST, &HttpConnection::onWritable, this));
  if (!read_ev_ || !write_ev_) std::abort();  // out of memory: nothing sane to do
  timer_ = server_.loop_.createTimer([this] { onTimer(); });
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void HttpConnection::start() {
  request_start_ = SteadyClock::now();
  setReading(true);
  setDeadline(request_start_ + server_.options_.request_timeout, Deadline::kRequest);
}

void HttpConnection::startRefused(int status, std::string_view json_body,
                                  const ResponseHeaders& extra, std::string_view request_id) {
  refuseWith(status, json_body, extra, request_id, kRefusedLingerTime, kRefusedLingerBytes);
}

bool HttpConnection::idle() const {
  return phase_ == Phase::kReading && (!storage_ || storage_->bytes.empty());
}

ByteBuffer& HttpConnection::input() {
  if (!storage_) storage_ = server_.pool_->acquire();
  return storage_->bytes;
}

// ---------------------------------------------------------------------------------------------
// Events

void HttpConnection::onReadable(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<HttpConnection*>(arg);
  try {
    self->readable();
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "connection read handling threw: %s", e.what());
    self->close("internal error");
  } catch (...) {
    TLOG_ERROR("http", "connection read handling threw");
    self->close("internal error");
  }
}

void HttpConnection::onWritable(evutil_socket_t, short, void* arg) noexcept {
  auto* self = static_cast<HttpConnection*>(arg);
  try {
    self->writable();
  } catch (const std::exception& e) {
    TLOG_ERROR("http", "connection write handling threw: %s", e.what());
    self->close("internal error");
  } catch (...) {
    TLOG_ERROR("http", "connection write handling threw");
    self->close("internal error");
  }
}

void HttpConnection::readable() {
  if (phase_ == Phase::kClosed) return;
  if (phase_ == Phase::kLingering) {
    discardInput();
    return;
  }
  ByteBuffer& in = input();
  bool parked = phase_ != Phase::kReading;
  if (parked && in.size() >= kParkedReadLimit) {
    setReading(false);  // resumed once the pending answer is written
    return;
  }
  growForRead();
  size_t room = in.spareSize();
  if (parked) room = std::min(room, kParkedReadLimit - in.size());
  ssize_t n = ::recv(fd_, in.spare(), room, 0);
  if (n > 0) {
    if (phase_ == Phase::kReading && deadline_kind_ == Deadline::kIdle) {
      // The first byte after a keep-alive gap: the next request's deadline starts now.
      request_start_ = SteadyClock::now();
      clearDeadline();
    }
    in.commit(static_cast<size_t>(n));
    if (phase_ == Phase::kReading) processInput();
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  peerClosed(n < 0);
}

void HttpConnection::writable() {
  if (phase_ == Phase::kClosed) return;
  flush();
}

void HttpConnection::growForRead() {
  ByteBuffer& in = input();
  size_t want = kMinReadSpace;
  if (phase_ == Phase::kReading) {
    uint64_t missing = parser_.bodyBytesMissing(in.size());
    if (missing > want) want = static_cast<size_t>(std::min<uint64_t>(missing, kMaxReadAhead));
  }
  if (in.spareSize() < want) in.ensureSpare(want);
}

void HttpConnection::peerClosed(bool reset) {
  if (!reset && phase_ == Phase::kWriting) {
    // Half-closed while its answer is on the way: finish writing it, then close.
    setReading(false);
    close_after_write_ = true;
    return;
  }
  if (phase_ == Phase::kReading && storage_ && !storage_->bytes.empty())
    TLOG_DEBUG("http", "listener=%s peer=%s closed in the middle of a request",
               server_.options_.name.c_str(), peer_->c_str());
  close(reset ? "reset by peer" : "closed by peer");
}

// ---------------------------------------------------------------------------------------------
// Requests

void HttpConnection::processInput() {
  if (in_process_) return;  // a handler answered inline: the loop below carries on
  in_process_ = true;
  while (phase_ == Phase::kReading && storage_ && !storage_->bytes.empty()) {
    ByteBuffer& in = storage_->bytes;
    Http1Parser::Step step = parser_.parse(in.data(), in.size());
    if (step == Http1Parser::Step::kNeedMore) {
      if (deadline_kind_ != Deadline::kRequest)
        setDeadline(request_start_ + server_.options_.request_timeout, Deadline::kRequest);
      break;
    }
    if (step == Http1Parser::Step::kError) {
      refuse(parser_.refusal());
      break;
    }
    if (step == Http1Parser::Step::kHead) {
      if (!onHead()) break;
      continue;
    }
    dispatch();
  }
  in_process_ = false;
}

// The head is complete and valid. Refuses methods triggerd does not serve before reading a
// body, and answers "100 Continue" to a client waiting for it.
bool HttpConnection::onHead() {
  const Http1Head& head = parser_.head();
  const ByteBuffer& in = storage_->bytes;
  std::string_view method = head.method.in(in.data());
  if (!HttpServer::isServedMethod(method)) {
    std::string message = "method " + log::logValue(method, 40) + " is not supported; use one of " +
                          std::string(HttpServer::kServedMethods);
    std::string id = server_.countRefusal(*this, 405, "method", message);
    ResponseHeaders allow{{"Allow", std::string(HttpServer::kServedMethods)}};
    refuseWith(405, json::errorBody(message, "request line"), allow, id, lingerTime(),
               lingerBytes());
    return false;
  }
  if (head.expect_continue && in.size() == head.head_bytes) {
    // Only when no byte of the body arrived yet: a client that did not wait needs no 100.
    out_.append(k100Continue);
    if (!flush()) return false;
  }
  return true;
}

void HttpConnection::dispatch() {
  std::unique_ptr<RequestStorage> storage = std::move(storage_);
  ByteBuffer& bytes = storage->bytes;
  size_t end = parser_.messageEnd();
  if (end < bytes.size()) {
    // Pipelined bytes of the next request stay with the connection.
    storage_ = server_.pool_->acquire();
    storage_->bytes.append(std::string_view(bytes.data() + end, bytes.size() - end));
    bytes.truncate(end);
  }
  const Http1Head& head = parser_.head();
  const char* base = bytes.data();
  storage->headers.clear();
  for (const auto& [name, value] : head.fields)
    storage->headers.emplace_back(name.in(base), value.in(base));

  IncomingRequest request;
  request.method = head.method.in(base);
  request.path = head.path.in(base);
  request.query = head.query.in(base);
  request.body = parser_.body().in(base);
  request.arrival = request_start_;
  request.storage = std::move(storage);
  keep_alive_ = head.keep_alive;
  http10_ = head.minor_version == 0;
  head_request_ = request.method == "HEAD";
  parser_.reset();
  phase_ = Phase::kHandling;
  clearDeadline();  // handlers bound their own work
  server_.dispatch(*this, std::move(request));
}

void HttpConnection::respond(const OutgoingResponse& response) {
  if (phase_ != Phase::kHandling) return;  // belief: only the pending request answers
  pending_ = nullptr;
  close_after_write_ = close_after_write_ || !keep_alive_ || server_.draining_;
  ResponseHead head;
  head.status = response.status;
  head.content_type = response.content_type;
  head.content_length = response.body.size();
  head.request_id = response.request_id;
  head.date = server_.date_.now();
  head.extra = response.extra;
  head.close = close_after_write_;
  head.keep_alive = !close_after_write_ && http10_;
  appendResponseHead(out_, head);
  if (!head_request_ && !statusHasNoBody(response.status)) out_.append(response.body);
  phase_ = Phase::kWriting;
  flush();
}

// The answer is written and the connection stays open: on to the next request.
void HttpConnection::afterResponse() {
  phase_ = Phase::kReading;
  setReading(true);  // it may have paused at kParkedReadLimit
  if (storage_ && !storage_->bytes.empty()) {
    // A pipelined request is buffered: its deadline starts now. Parse it from a clean stack,
    // never from inside the handler that just answered.
    request_start_ = SteadyClock::now();
    clearDeadline();
    if (!in_process_) server_.scheduleResume(*this);
    return;
  }
  becomeIdle();
}

void HttpConnection::becomeIdle() {
  if (server_.draining_) {
    close("draining");
    return;
  }
  if (storage_) server_.pool_->release(std::move(storage_));
  setDeadline(SteadyClock::now() + server_.options_.idle_timeout, Deadline::kIdle);
}

void HttpConnection::resume() {
  if (phase_ == Phase::kReading) processInput();
}

void HttpConnection::closeWhenIdle() {
  if (idle()) {
    close("draining");
  } else if (phase_ == Phase::kWriting) {
    close_after_write_ = true;  // an answer already on its way without "Connection: close"
  }
}

void HttpConnection::applyLimits() {
  parser_.setLimits(server_.parserLimits());
}

// ---------------------------------------------------------------------------------------------
// Refusals and lingering close

void HttpConnection::refuse(Http1Refusal refusal) {
  const Http1RefusalInfo& info = describeRefusal(refusal);
  const HttpServer::Options& o = server_.options_;
  std::string message = info.message;
  if (refusal == Http1Refusal::kHeadersTooLarge) {
    message =
        "request headers exceed the limit of " + std::to_string(o.max_header_bytes) + " bytes";
  } else if (refusal == Http1Refusal::kTooManyFields) {
    message = "more than " + std::to_string(server_.parserLimits().max_fields) + " header fields";
  } else if (refusal == Http1Refusal::kBodyTooLarge) {
    message = "request body exceeds the limit of " + std::to_string(o.max_body_bytes) + " bytes";
  }
  std::string id = server_.countRefusal(*this, info.status, info.reason, message);
  refuseWith(info.status, json::errorBody(message, info.field), {}, id, lingerTime(),
             lingerBytes());
}

std::chrono::milliseconds HttpConnection::lingerTime() const {
  return std::min(kMaxLingerTime, server_.options_.request_timeout);
}

size_t HttpConnection::lingerBytes() const {
  return std::max(server_.options_.max_body_bytes, kMinLingerBytes);
}

// Answers with `Connection: close`, then lingers: the rest of the input is read and dropped
// until the client closes, `linger_bytes` were dropped or `linger_time` passed. Closing with
// unread input would make the kernel send a reset, and the client could lose the answer.
void HttpConnection::refuseWith(int status, std::string_view json_body,
                                const ResponseHeaders& extra, std::string_view request_id,
                                std::chrono::milliseconds linger_time, size_t linger_bytes) {
  phase_ = Phase::kLingering;
  if (storage_) storage_->bytes.clear();
  ResponseHead head;
  head.status = status;
  head.content_type = kJsonContentType;
  head.content_length = json_body.size();
  head.request_id = request_id;
  head.date = server_.date_.now();
  head.extra = &extra;
  head.close = true;
  appendResponseHead(out_, head);
  out_.append(json_body);
  linger_left_ = linger_bytes;
  setDeadline(SteadyClock::now() + linger_time, Deadline::kLinger);
  setReading(true);
  flush();
}

void HttpConnection::discardInput() {
  thread_local char scratch[16 * 1024];
  ssize_t n = ::recv(fd_, scratch, std::min(sizeof scratch, linger_left_), 0);
  if (n > 0) {
    linger_left_ -= static_cast<size_t>(n);
    if (linger_left_ == 0) close("lingering close read its limit");
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  close(n == 0 ? "lingering close done" : "reset while lingering");
}

// ---------------------------------------------------------------------------------------------
// Output

bool HttpConnection::flush() {
  while (out_sent_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
    if (n > 0) {
      out_sent_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      setWriting(true);
      // A client that stops reading an answer is cut after idle_timeout without progress.
      if (phase_ == Phase::kWriting)
        setDeadline(SteadyClock::now() + server_.options_.idle_timeout, Deadline::kWrite);
      return true;
    }
    close("write failed: client gone");
    return false;
  }
  out_.clear();
  out_sent_ = 0;
  if (out_.capacity() > kMaxKeptOutput) out_.release();
  setWriting(false);
  outputFlushed();
  return phase_ != Phase::kClosed;
}

void HttpConnection::outputFlushed() {
  switch (phase_) {
    case Phase::kWriting:
      if (!close_after_write_) {
        afterResponse();
      } else if (storage_ && !storage_->bytes.empty()) {
        // Unread pipelined input: linger so the answer is not lost to a reset.
        phase_ = Phase::kLingering;
        storage_->bytes.clear();
        setReading(true);
        linger_left_ = lingerBytes();
        setDeadline(SteadyClock::now() + lingerTime(), Deadline::kLinger);
        outputFlushed();
      } else {
        close("answered with Connection: close");
      }
      return;
    case Phase::kLingering:
      if (!shut_write_) {
        shut_write_ = true;
        ::shutdown(fd_, SHUT_WR);  // the client reads the answer, then EOF
      }
      return;
    default:
      return;  // a 100 Continue went out
  }
}

// ---------------------------------------------------------------------------------------------
// Close, events, deadlines

void HttpConnection::close(const char* why) {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  setReading(false);
  setWriting(false);
  clearDeadline();
  timer_->disarm();
  timer_armed_ = false;
  ::close(fd_);
  fd_ = -1;
  RequestContext* pending = pending_;
  pending_ = nullptr;
  if (storage_) server_.pool_->release(std::move(storage_));
  TLOG_DEBUG("http", "listener=%s peer=%s connection closed: %s", server_.options_.name.c_str(),
             peer_->c_str(), why);
  server_.connectionClosed(*this, pending);
}

void HttpConnection::setReading(bool on) {
  if (on == reading_ || (on && phase_ == Phase::kClosed)) return;
  if (on)
    event_add(read_ev_.get(), nullptr);
  else
    event_del(read_ev_.get());
  reading_ = on;
}

void HttpConnection::setWriting(bool on) {
  if (on == writing_) return;
  if (on)
    event_add(write_ev_.get(), nullptr);
  else
    event_del(write_ev_.get());
  writing_ = on;
}

void HttpConnection::setDeadline(TimePoint at, Deadline kind) {
  deadline_ = at;
  deadline_kind_ = kind;
  if (timer_armed_ && timer_at_ <= at) return;  // fires first and re-arms for the rest
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(at - SteadyClock::now());
  timer_->arm(std::max(wait, std::chrono::milliseconds(0)));
  timer_armed_ = true;
  timer_at_ = at;
}

void HttpConnection::onTimer() {
  timer_armed_ = false;
  if (phase_ == Phase::kClosed || deadline_kind_ == Deadline::kNone) return;
  if (SteadyClock::now() < deadline_) {
    setDeadline(deadline_, deadline_kind_);
    return;
  }
  switch (deadline_kind_) {
    case Deadline::kRequest:
      server_.countDeadline(*this, storage_ ? storage_->bytes.size() : 0);
      close("request deadline");
      return;
    case Deadline::kIdle:
      close("idle timeout");
      return;
    case Deadline::kWrite:
      TLOG_INFO("http", "listener=%s peer=%s client stopped reading the answer, closing",
                server_.options_.name.c_str(), peer_->c_str());
      close("write stalled");
      return;
    case Deadline::kLinger:
      close("lingering close timed out");
      return;
    case Deadline::kNone:
      return;
  }
}

}  // namespace triggerd
