// HttpConnection: one accepted socket of an HttpServer, from accept to close.
//
// It reads straight into the current request's buffer (RequestStorage), feeds the bytes to the
// pure Http1Parser, hands each complete request to the server, and writes the answers in order
// (keep-alive and pipelining). Reads and writes are plain recv()/send() on a non-blocking
// socket driven by two libevent events; an answer is sent at once, and only what the socket does
// not take waits for EV_WRITE.
//
// Phases:
//   kReading   a request is arriving, or the connection is idle between requests
//   kHandling  a complete request is with its handler; reading continues (up to a cap) only to
//              notice a client that goes away
//   kWriting   an answer is being written; then the next buffered request, idle, or close
//   kLingering a refusal was answered: the rest of the input is read and dropped (bounded in
//              bytes and time) so that the client reads the answer instead of a reset
//
// One timer carries the current deadline (whole request, keep-alive idle, write stall,
// lingering). Pushing a deadline later only records it; the timer re-arms itself when it fires
// early, so a keep-alive request costs no timer operations.
//
// The server owns every connection (HttpServer::conns_); a closed connection is deleted through
// EventLoop::deferredDelete because its own callback may be on the stack.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/address_limits.h"
#include "http/byte_buffer.h"
#include "http/http1_parser.h"
#include "http/request_storage.h"
#include "http/responses.h"
#include "loop/event_loop.h"
#include "loop/libevent_ptr.h"

namespace triggerd {

class HttpServer;
class RequestContext;

// A complete request, handed from the connection to the server. The views point into
// `storage`, which moves with them into the RequestContext.
struct IncomingRequest {
  std::unique_ptr<RequestStorage> storage;
  std::string_view method;
  std::string_view path;  // empty means "/" (absolute-form target without a path)
  std::string_view query;
  std::string_view body;
  std::chrono::steady_clock::time_point arrival;  // first byte (accept, for the first request)
};

// An answer for the connection's pending request.
struct OutgoingResponse {
  int status = 200;
  std::string_view content_type;
  std::string_view body;
  const ResponseHeaders* extra = nullptr;  // already checked with isSafeHeader()
  std::string_view request_id;
};

class HttpConnection final : public DeferredDeletable {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  HttpConnection(HttpServer& server, int fd, uint64_t id, std::shared_ptr<const std::string> peer);
  ~HttpConnection() override;
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Starts reading; the first request's deadline counts from now (accept).
  void start();
  // Answers a canned refusal at once (no request is read) and closes after a short linger:
  // for connections beyond the per-address cap.
  void startRefused(int status, std::string_view json_body, const ResponseHeaders& extra,
                    std::string_view request_id);

  uint64_t id() const { return id_; }
  bool closed() const { return phase_ == Phase::kClosed; }
  const std::shared_ptr<const std::string>& peer() const { return peer_; }
  // The address slot this connection holds in the server's AddressLimits, if any.
  const std::optional<AddressLimits::Key>& address() const { return address_; }
  void setAddress(const AddressLimits::Key& key) { address_ = key; }
  bool idle() const;  // between requests: nothing buffered, nothing pending

  // --- called by the server ---
  void setPending(RequestContext* ctx) { pending_ = ctx; }
  // Drain: close now when idle; after the answer being written otherwise.
  void closeWhenIdle();
  void applyLimits();
  // Parses input that arrived while the previous request was pending (from the server's task
  // event, never from a handler's stack).
  void resume();
  // Closes the socket now; a pending request's context dies.
  void close(const char* why);

  // --- called by RequestContext::send() for the pending request ---
  void respond(const OutgoingResponse& response);

 private:
  enum class Phase { kReading, kHandling, kWriting, kLingering, kClosed };
  enum class Deadline { kNone, kRequest, kIdle, kWrite, kLinger };

  static void onReadable(evutil_socket_t, short, void* arg) noexcept;
  static void onWritable(evutil_socket_t, short, void* arg) noexcept;
  void readable();
  void writable();
  void onTimer();

  void processInput();
  bool onHead();
  void dispatch();
  void refuse(Http1Refusal refusal);
  void refuseWith(int status, std::string_view json_body, const ResponseHeaders& extra,
                  std::string_view request_id, std::chrono::milliseconds linger_time,
                  size_t linger_bytes);
  std::chrono::milliseconds lingerTime() const;
  size_t lingerBytes() const;
  void afterResponse();
  void becomeIdle();
  void discardInput();
  bool flush();
  void outputFlushed();
  void peerClosed(bool reset);
  void growForRead();

  void setReading(bool on);
  void setWriting(bool on);
  void setDeadline(TimePoint at, Deadline kind);
  void clearDeadline() { deadline_kind_ = Deadline::kNone; }
  ByteBuffer& input();

  HttpServer& server_;
  int fd_;
  uint64_t id_;
  std::shared_ptr<const std::string> peer_;
  std::optional<AddressLimits::Key> address_;
  Phase phase_ = Phase::kReading;

  EventPtr read_ev_;
  EventPtr write_ev_;
  bool reading_ = false;
  bool writing_ = false;

  std::unique_ptr<Timer> timer_;
  bool timer_armed_ = false;
  TimePoint timer_at_;
  TimePoint deadline_;
  Deadline deadline_kind_ = Deadline::kNone;

  Http1Parser parser_;
  std::unique_ptr<RequestStorage> storage_;  // the request being read; null while idle
  TimePoint request_start_;
  bool in_process_ = false;  // processInput() is on the stack

  // The pending request (kHandling) and what its answer needs to know.
  RequestContext* pending_ = nullptr;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_request_ = false;

  ByteBuffer out_;
  size_t out_sent_ = 0;
  bool close_after_write_ = false;
  bool shut_write_ = false;  // lingering: our side is shut down, input is being dropped
  size_t linger_left_ = 0;   // bytes still to drop while lingering
};

}  // namespace triggerd
