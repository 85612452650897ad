// Http1Parser: a strict, incremental HTTP/1.1 request parser (RFC 9112). Pure: no I/O, no
// allocation per request once its field vector has grown, no libevent.
//
// The caller keeps the bytes of one request in a buffer that starts at the request's first byte
// and calls parse() after each read with the whole buffer. The parser remembers where it
// stopped, so every byte is examined once however the request is split. It records offsets
// (Span), never pointers, so the caller may grow (move) the buffer between calls. Chunked
// bodies are decoded in place: chunk data is moved down so that the body ends up contiguous
// right after the head, and body() spans it.
//
// Anything a smuggling attack could use to make two parsers disagree on where a request ends is
// refused, not repaired: two Content-Length fields (equal or not), Content-Length with
// Transfer-Encoding, any transfer coding but a single "chunked", whitespace between a field name
// and its colon, obsolete line folding, a bare CR or bare LF, control characters, malformed
// chunk sizes, request targets other than origin-form (or absolute-form, which is mapped), and
// versions other than HTTP/1.0 and HTTP/1.1. Each refusal names its reason (Http1Refusal); the
// connection must be closed after answering it, since the framing of what follows is unknown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace triggerd {

// A byte range of the request buffer.
struct Span {
  uint32_t offset = 0;
  uint32_t length = 0;
  std::string_view in(const char* base) const { return {base + offset, length}; }
  bool empty() const { return length == 0; }
};

enum class Http1Refusal : uint8_t {
  kNone = 0,
  kBadRequestLine,    // not "METHOD SP target SP version"
  kBadMethod,         // the method is not a token
  kBadTarget,         // a forbidden byte, or asterisk/authority form
  kBadVersion,        // not HTTP/1.1 or HTTP/1.0
  kBareCr,            // CR not followed by LF
  kBareLf,            // LF not preceded by CR
  kBadFieldName,      // not a token, empty, or no colon
  kSpaceBeforeColon,  // "Content-Length : 5"
  kBadFieldValue,     // a control character in a field value
  kObsFold,           // a field line starting with whitespace
  kBadContentLength,  // not a decimal number
  kDuplicateContentLength,
  kContentLengthWithTransferEncoding,
  kBadTransferEncoding,  // anything but one "chunked"; or Transfer-Encoding in HTTP/1.0
  kBadChunk,             // a malformed chunk size line, or chunk data not followed by CRLF
  kBadHost,              // HTTP/1.1 without Host, several Host fields, or an invalid one
  kHeadersTooLarge,      // request line + fields (+ trailers) over the limit
  kTooManyFields,
  kBodyTooLarge,
  kUnsupportedExpectation,  // Expect other than 100-continue
};

// How a refusal is answered and counted.
struct Http1RefusalInfo {
  int status;           // 400, 413, 417 or 431
  const char* reason;   // the `reason` label of triggerd_http_rejected_total
  const char* field;    // the JSON "field": "request line", "headers", "body", "Expect"
  const char* message;  // what is wrong and how to fix it
};
const Http1RefusalInfo& describeRefusal(Http1Refusal refusal);

enum class BodyFraming : uint8_t { kNone, kContentLength, kChunked };

// The parsed request head: spans into the request buffer.
struct Http1Head {
  Span method;
  Span target;  // as sent
  Span path;    // origin-form path; empty when an absolute-form target has no path (means "/")
  Span query;   // after '?', without it; empty when absent
  int minor_version = 1;
  std::vector<std::pair<Span, Span>> fields;  // (name, value without surrounding whitespace)
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;
  bool expect_continue = false;
  size_t head_bytes = 0;  // from the request's first byte through the empty line
};

struct Http1Limits {
  size_t max_head_bytes = 64 * 1024;  // request line + fields, and trailers separately
  uint64_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_fields = 256;
};

class Http1Parser {
 public:
  using Limits = Http1Limits;
  enum class Step {
    kNeedMore,  // every byte so far is consumed: read more and call again
    kHead,      // the head is complete and valid (once per request); call again for the body
    kDone,      // the request is complete: head(), body() and messageEnd() are set
    kError,     // refused: refusal() says why; stop parsing this connection
  };
  // Longest chunk size line (size, extensions, CRLF) accepted.
  static constexpr size_t kMaxChunkLine = 4096;

  Http1Parser() : Http1Parser(Limits{}) {}
  explicit Http1Parser(Limits limits);

  // Limits apply from the next request on.
  void setLimits(Limits limits);
  // Forgets the current request; the next parse() starts a new one at offset 0.
  void reset();

  // buf[0, len) holds the current request from its first byte on, plus possibly bytes of the
  // requests after it. Chunked data in buf is rewritten in place.
  Step parse(char* buf, size_t len);

  const Http1Head& head() const { return head_; }
  Span body() const { return {static_cast<uint32_t>(head_.head_bytes), body_length_}; }
  // The offset just past the request (its body and trailers): where the next one starts.
  size_t messageEnd() const { return pos_; }
  Http1Refusal refusal() const { return refusal_; }
  // Body bytes of a Content-Length body not yet in the buffer (a hint for growing it).
  uint64_t bodyBytesMissing(size_t len) const;

 private:
  enum class State : uint8_t {
    kRequestLine,
    kFields,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kDone,
    kFailed,
  };

  Step fail(Http1Refusal refusal);
  // Finds the next complete line from pos_; returns false when more bytes are needed. On
  // success [line_begin, line_end) excludes the CRLF and pos_ moves past it.
  bool nextLine(const char* buf, size_t len, size_t* line_begin, size_t* line_end,
                Http1Refusal* refusal);
  Http1Refusal parseRequestLine(const char* buf, size_t begin, size_t end);
  Http1Refusal parseTarget(const char* buf, size_t begin, size_t end);
  Http1Refusal parseFieldLine(const char* buf, size_t begin, size_t end, bool trailer);
  Http1Refusal applyField(const char* buf, Span name, Span value);
  Http1Refusal finishHead();
  Http1Refusal parseChunkSize(const char* buf, size_t begin, size_t end);

  Limits limits_;
  Limits next_limits_;
  bool has_next_limits_ = false;

  State state_ = State::kRequestLine;
  Http1Refusal refusal_ = Http1Refusal::kNone;
  size_t pos_ = 0;   // first unconsumed byte
  size_t scan_ = 0;  // no LF in [pos_, scan_): where the search for the next LF resumes
  Http1Head head_;
  // Header field bookkeeping for the framing rules.
  int content_length_fields_ = 0;
  int transfer_encoding_fields_ = 0;
  int host_fields_ = 0;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool expect_seen_ = false;
  bool expect_other_ = false;
  // Chunked decoding: decoded body bytes end at body_end_ (<= pos_); chunk_left_ bytes of the
  // current chunk are still to come; trailer_start_ bounds the trailer section's size.
  uint32_t body_length_ = 0;
  uint64_t chunk_left_ = 0;
  size_t trailer_start_ = 0;
};

}  // namespace triggerd
