#include "http/http1_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/encoding.h"

namespace triggerd {
namespace {

// Byte classes, one table each (RFC 9110 §5.6.2 tokens, §5.5 field values; RFC 3986 targets).
struct ByteClasses {
  std::array<bool, 256> token{};   // tchar
  std::array<bool, 256> value{};   // field-vchar, SP, HTAB (obs-text included)
  std::array<bool, 256> target{};  // pchar, '/', '?' ('%' unchecked: the router decodes)
  std::array<bool, 256> host{};    // reg-name, IP-literal and port characters
  std::array<bool, 256> qdtext{};  // quoted-string text in chunk extensions
};

constexpr ByteClasses makeByteClasses() {
  ByteClasses c;
  auto set = [](std::array<bool, 256>& t, std::string_view chars) {
    for (char ch : chars) t[static_cast<unsigned char>(ch)] = true;
  };
  for (int b = 0; b < 256; ++b) {
    bool alnum = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    c.token[b] = alnum;
    c.target[b] = alnum;
    c.host[b] = alnum;
    c.value[b] = (b >= 0x21 && b <= 0x7e) || b >= 0x80 || b == ' ' || b == '\t';
    c.qdtext[b] = b == '\t' || b == ' ' || b == 0x21 || (b >= 0x23 && b <= 0x5b) ||
                  (b >= 0x5d && b <= 0x7e) || b >= 0x80;
  }
  set(c.token, "!#$%&'*+-.^_`|~");
  set(c.target, "-._~%!$&'()*+,;=:@/?");
  set(c.host, "-._~%!$&'()*+,;=:[]");
  return c;
}

constexpr ByteClasses kClasses = makeByteClasses();

inline unsigned char at(const char* buf, size_t i) {
  return static_cast<unsigned char>(buf[i]);
}

// The refusal for a byte a validator stopped at: a CR inside a line is a bare CR.
inline Http1Refusal badByte(const char* buf, size_t i, Http1Refusal otherwise) {
  return buf[i] == '\r' ? Http1Refusal::kBareCr : otherwise;
}

inline bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && equalsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

Span span(size_t begin, size_t end) {
  return Span{static_cast<uint32_t>(begin), static_cast<uint32_t>(end - begin)};
}

// Spans and sizes are 32-bit: no request may come near 4 GiB.
Http1Parser::Limits clamp(Http1Parser::Limits l) {
  l.max_head_bytes = std::min<size_t>(l.max_head_bytes, size_t{1} << 24);
  l.max_body_bytes = std::min<uint64_t>(l.max_body_bytes, uint64_t{1} << 31);
  return l;
}

}  // namespace

const Http1RefusalInfo& describeRefusal(Http1Refusal refusal) {
  static const Http1RefusalInfo kInfo[] = {
      /* kNone */ {400, "bad_request", "request line", "malformed HTTP request"},
      /* kBadRequestLine */
      {400, "bad_request_line", "request line",
       "the request line must be METHOD SP request-target SP HTTP-version CRLF, with single "
       "spaces"},
      /* kBadMethod */
      {400, "bad_request_line", "request line", "the method must be a token such as GET or POST"},
      /* kBadTarget */
      {400, "bad_target", "request line",
       "the request target must be an absolute path such as /webhooks/github/ID (or an "
       "http(s) URL), without control characters, spaces, '#' or non-ASCII bytes"},
      /* kBadVersion */
      {400, "bad_version", "request line", "the HTTP version must be HTTP/1.1 or HTTP/1.0"},
      /* kBareCr */
      {400, "bad_line_ending", "headers",
       "the request contains a CR that is not followed by LF; lines end with CRLF"},
      /* kBareLf */
      {400, "bad_line_ending", "headers",
       "the request contains a line ending in LF without CR; lines end with CRLF"},
      /* kBadFieldName */
      {400, "bad_header", "headers",
       "a header line is not NAME: VALUE with a token name (no spaces or control characters)"},
      /* kSpaceBeforeColon */
      {400, "bad_header", "headers",
       "whitespace between a header field name and its colon is not allowed"},
      /* kBadFieldValue */
      {400, "bad_header", "headers", "a header field value contains a control character"},
      /* kObsFold */
      {400, "obs_fold", "headers",
       "a header line starts with whitespace (obsolete line folding); send each field on one "
       "line"},
      /* kBadContentLength */
      {400, "content_length", "headers", "Content-Length must be a single decimal number of bytes"},
      /* kDuplicateContentLength */
      {400, "content_length", "headers",
       "more than one Content-Length header field; send exactly one"},
      /* kContentLengthWithTransferEncoding */
      {400, "transfer_encoding", "headers",
       "Content-Length and Transfer-Encoding together; send one of them"},
      /* kBadTransferEncoding */
      {400, "transfer_encoding", "headers",
       "unsupported Transfer-Encoding; only a single \"chunked\" coding is accepted, in HTTP/1.1"},
      /* kBadChunk */
      {400, "bad_chunk", "body",
       "malformed chunked body: each chunk is a hexadecimal size line ending in CRLF, then the "
       "data and CRLF"},
      /* kBadHost */
      {400, "host", "headers",
       "an HTTP/1.1 request needs exactly one Host header field with a valid host"},
      /* kHeadersTooLarge */
      {431, "headers_too_large", "headers", "request headers exceed the limit"},
      /* kTooManyFields */
      {431, "headers_too_large", "headers", "too many header fields"},
      /* kBodyTooLarge */
      {413, "too_large", "body", "request body exceeds the limit"},
      /* kUnsupportedExpectation */
      {417, "expectation", "Expect", "unsupported Expect header; only 100-continue is supported"},
  };
  auto i = static_cast<size_t>(refusal);
  return kInfo[i < std::size(kInfo) ? i : 0];
}

Http1Parser::Http1Parser(Limits limits) : limits_(clamp(limits)) {}

void Http1Parser::setLimits(Limits limits) {
  if (state_ == State::kRequestLine && scan_ == 0) {
    limits_ = clamp(limits);  // nothing of the next request seen yet
    return;
  }
  next_limits_ = limits;
  has_next_limits_ = true;
}

void Http1Parser::reset() {
  if (has_next_limits_) {
    limits_ = clamp(next_limits_);
    has_next_limits_ = false;
  }
  state_ = State::kRequestLine;
  refusal_ = Http1Refusal::kNone;
  pos_ = scan_ = 0;
  auto fields = std::move(head_.fields);
  fields.clear();  // keeps its capacity for the next request
  head_ = Http1Head{};
  head_.fields = std::move(fields);
  content_length_fields_ = transfer_encoding_fields_ = host_fields_ = 0;
  connection_close_ = connection_keep_alive_ = expect_seen_ = expect_other_ = false;
  body_length_ = 0;
  chunk_left_ = 0;
  trailer_start_ = 0;
}

uint64_t Http1Parser::bodyBytesMissing(size_t len) const {
  if (state_ == State::kBody) {
    uint64_t end = head_.head_bytes + head_.content_length;
    return end > len ? end - len : 0;
  }
  return state_ == State::kChunkData ? chunk_left_ : 0;
}

Http1Parser::Step Http1Parser::fail(Http1Refusal refusal) {
  refusal_ = refusal;
  state_ = State::kFailed;
  return Step::kError;
}

bool Http1Parser::nextLine(const char* buf, size_t len, size_t* line_begin, size_t* line_end,
                           Http1Refusal* refusal) {
  const void* found = scan_ < len ? std::memchr(buf + scan_, '\n', len - scan_) : nullptr;
  if (!found) {
    scan_ = len;
    return false;
  }
  size_t lf = static_cast<size_t>(static_cast<const char*>(found) - buf);
  *line_begin = pos_;
  if (lf == pos_ || buf[lf - 1] != '\r') {
    *refusal = Http1Refusal::kBareLf;
  } else {
    *line_end = lf - 1;
    *refusal = Http1Refusal::kNone;
  }
  pos_ = scan_ = lf + 1;
  return true;
}

Http1Parser::Step Http1Parser::parse(char* buf, size_t len) {
  if (state_ == State::kDone) return Step::kDone;
  if (state_ == State::kFailed) return Step::kError;
  for (;;) {
    size_t begin = 0, end = 0;
    Http1Refusal bad = Http1Refusal::kNone;
    switch (state_) {
      case State::kRequestLine:
      case State::kFields: {
        if (!nextLine(buf, len, &begin, &end, &bad)) {
          // Every byte in the buffer belongs to the head so far.
          if (len > limits_.max_head_bytes) return fail(Http1Refusal::kHeadersTooLarge);
          return Step::kNeedMore;
        }
        if (pos_ > limits_.max_head_bytes) return fail(Http1Refusal::kHeadersTooLarge);
        if (bad != Http1Refusal::kNone) return fail(bad);
        if (state_ == State::kRequestLine) {
          if (begin == end) continue;  // an empty line before the request line is ignored
          if (auto r = parseRequestLine(buf, begin, end); r != Http1Refusal::kNone) return fail(r);
          state_ = State::kFields;
          continue;
        }
        if (begin == end) {
          head_.head_bytes = pos_;
          if (auto r = finishHead(); r != Http1Refusal::kNone) return fail(r);
          state_ = head_.framing == BodyFraming::kChunked ? State::kChunkSize : State::kBody;
          return Step::kHead;
        }
        if (auto r = parseFieldLine(buf, begin, end, false); r != Http1Refusal::kNone)
          return fail(r);
        continue;
      }
      case State::kBody: {
        uint64_t message_end = head_.head_bytes + head_.content_length;
        if (len < message_end) return Step::kNeedMore;
        body_length_ = static_cast<uint32_t>(head_.content_length);
        pos_ = scan_ = static_cast<size_t>(message_end);
        state_ = State::kDone;
        return Step::kDone;
      }
      case State::kChunkSize: {
        if (!nextLine(buf, len, &begin, &end, &bad)) {
          // Even if the next byte ended it, the line would be too long.
          if (len - pos_ >= kMaxChunkLine) return fail(Http1Refusal::kBadChunk);
          return Step::kNeedMore;
        }
        // Length first, as when the line arrives in pieces (see above).
        if (pos_ - begin > kMaxChunkLine) return fail(Http1Refusal::kBadChunk);
        if (bad != Http1Refusal::kNone) return fail(bad);
        if (auto r = parseChunkSize(buf, begin, end); r != Http1Refusal::kNone) return fail(r);
        if (chunk_left_ == 0) {
          trailer_start_ = pos_;
          state_ = State::kTrailers;
        } else {
          state_ = State::kChunkData;
        }
        continue;
      }
      case State::kChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(len - pos_, chunk_left_));
        if (n == 0) return Step::kNeedMore;
        size_t dst = head_.head_bytes + body_length_;
        if (dst != pos_) std::memmove(buf + dst, buf + pos_, n);
        body_length_ += static_cast<uint32_t>(n);
        pos_ = scan_ = pos_ + n;
        chunk_left_ -= n;
        if (chunk_left_ > 0) return Step::kNeedMore;
        state_ = State::kChunkDataEnd;
        continue;
      }
      case State::kChunkDataEnd: {
        if (len - pos_ < 2) {
          if (len > pos_ && buf[pos_] != '\r') return fail(Http1Refusal::kBadChunk);
          return Step::kNeedMore;
        }
        if (buf[pos_] != '\r' || buf[pos_ + 1] != '\n') return fail(Http1Refusal::kBadChunk);
        pos_ = scan_ = pos_ + 2;
        state_ = State::kChunkSize;
        continue;
      }
      case State::kTrailers: {
        if (!nextLine(buf, len, &begin, &end, &bad)) {
          if (len - trailer_start_ > limits_.max_head_bytes)
            return fail(Http1Refusal::kHeadersTooLarge);
          return Step::kNeedMore;
        }
        if (pos_ - trailer_start_ > limits_.max_head_bytes)
          return fail(Http1Refusal::kHeadersTooLarge);
        if (bad != Http1Refusal::kNone) return fail(bad);
        if (begin == end) {
          state_ = State::kDone;
          return Step::kDone;
        }
        // Trailer fields are checked like header fields, then dropped: triggerd uses none.
        if (auto r = parseFieldLine(buf, begin, end, true); r != Http1Refusal::kNone)
          return fail(r);
        continue;
      }
      case State::kDone:
        return Step::kDone;
      case State::kFailed:
        return Step::kError;
    }
  }
}

Http1Refusal Http1Parser::parseRequestLine(const char* buf, size_t begin, size_t end) {
  size_t i = begin;
  while (i < end && kClasses.token[at(buf, i)]) ++i;
  if (i == end) return Http1Refusal::kBadRequestLine;
  if (buf[i] != ' ') return badByte(buf, i, Http1Refusal::kBadMethod);
  if (i == begin) return Http1Refusal::kBadRequestLine;
  head_.method = span(begin, i);

  size_t target_begin = i + 1;
  size_t target_end = target_begin;
  while (target_end < end && buf[target_end] != ' ') ++target_end;
  if (target_end == end || target_end == target_begin) return Http1Refusal::kBadRequestLine;
  if (auto r = parseTarget(buf, target_begin, target_end); r != Http1Refusal::kNone) return r;

  std::string_view version(buf + target_end + 1, end - target_end - 1);
  if (version == "HTTP/1.1") {
    head_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head_.minor_version = 0;
  } else {
    for (size_t j = target_end + 1; j < end; ++j)
      if (buf[j] == '\r') return Http1Refusal::kBareCr;
    return Http1Refusal::kBadVersion;
  }
  return Http1Refusal::kNone;
}

Http1Refusal Http1Parser::parseTarget(const char* buf, size_t begin, size_t end) {
  head_.target = span(begin, end);
  std::string_view target(buf + begin, end - begin);
  size_t path_begin = begin;
  if (target[0] != '/') {
    // absolute-form ("http://host/path"), mapped to its path and query; the Host field is still
    // required. asterisk-form ("*") and authority-form ("host:443") serve OPTIONS and CONNECT,
    // which triggerd does not offer.
    size_t scheme = startsWithIgnoreCase(target, "http://")    ? 7
                    : startsWithIgnoreCase(target, "https://") ? 8
                                                               : 0;
    if (scheme == 0) return Http1Refusal::kBadTarget;
    size_t authority = begin + scheme;
    size_t i = authority;
    while (i < end && buf[i] != '/' && buf[i] != '?') {
      if (!kClasses.host[at(buf, i)]) return badByte(buf, i, Http1Refusal::kBadTarget);
      ++i;
    }
    if (i == authority) return Http1Refusal::kBadTarget;
    path_begin = i;
  }
  size_t query = end;
  for (size_t i = path_begin; i < end; ++i) {
    unsigned char c = at(buf, i);
    if (!kClasses.target[c]) return badByte(buf, i, Http1Refusal::kBadTarget);
    if (c == '?' && query == end) query = i;
  }
  head_.path = span(path_begin, query);
  head_.query = query < end ? span(query + 1, end) : Span{};
  return Http1Refusal::kNone;
}

Http1Refusal Http1Parser::parseFieldLine(const char* buf, size_t begin, size_t end, bool trailer) {
  if (buf[begin] == ' ' || buf[begin] == '\t') return Http1Refusal::kObsFold;
  size_t i = begin;
  while (i < end && kClasses.token[at(buf, i)]) ++i;
  if (i == end) return Http1Refusal::kBadFieldName;  // no colon
  if (buf[i] != ':') {
    if (buf[i] == ' ' || buf[i] == '\t') {
      size_t j = i;
      while (j < end && (buf[j] == ' ' || buf[j] == '\t')) ++j;
      if (j < end && buf[j] == ':') return Http1Refusal::kSpaceBeforeColon;
    }
    return badByte(buf, i, Http1Refusal::kBadFieldName);
  }
  if (i == begin) return Http1Refusal::kBadFieldName;
  Span name = span(begin, i);

  size_t v = i + 1;
  while (v < end && (buf[v] == ' ' || buf[v] == '\t')) ++v;
  size_t ve = end;
  while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) --ve;
  for (size_t j = v; j < ve; ++j)
    if (!kClasses.value[at(buf, j)]) return badByte(buf, j, Http1Refusal::kBadFieldValue);
  if (trailer) return Http1Refusal::kNone;
  if (head_.fields.size() >= limits_.max_fields) return Http1Refusal::kTooManyFields;
  Span value = span(v, ve);
  head_.fields.emplace_back(name, value);
  return applyField(buf, name, value);
}

// The fields that decide framing and connection handling; the rest are the handlers' business.
Http1Refusal Http1Parser::applyField(const char* buf, Span name_span, Span value_span) {
  std::string_view name = name_span.in(buf);
  std::string_view value = value_span.in(buf);
  switch (name.size()) {
    case 4:
      if (!equalsIgnoreCase(name, "host")) break;
      ++host_fields_;
      for (char c : value)
        if (!kClasses.host[static_cast<unsigned char>(c)]) return Http1Refusal::kBadHost;
      break;
    case 6:
      if (!equalsIgnoreCase(name, "expect")) break;
      expect_seen_ = true;
      if (!equalsIgnoreCase(value, "100-continue")) expect_other_ = true;
      break;
    case 10: {
      if (!equalsIgnoreCase(name, "connection")) break;
      // A comma-separated list of connection options.
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        if (comma == std::string_view::npos) comma = value.size();
        std::string_view option = trim(value.substr(start, comma - start));
        if (equalsIgnoreCase(option, "close")) connection_close_ = true;
        if (equalsIgnoreCase(option, "keep-alive")) connection_keep_alive_ = true;
        start = comma + 1;
      }
      break;
    }
    case 14: {
      if (!equalsIgnoreCase(name, "content-length")) break;
      if (++content_length_fields_ > 1) return Http1Refusal::kDuplicateContentLength;
      if (value.empty() || value.size() > 18) return Http1Refusal::kBadContentLength;
      uint64_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return Http1Refusal::kBadContentLength;
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      head_.content_length = n;
      break;
    }
    case 17:
      if (!equalsIgnoreCase(name, "transfer-encoding")) break;
      // Exactly one coding, "chunked": no gzip/deflate underneath, no repeats, no second field.
      if (++transfer_encoding_fields_ > 1 || !equalsIgnoreCase(value, "chunked"))
        return Http1Refusal::kBadTransferEncoding;
      break;
    default:
      break;
  }
  return Http1Refusal::kNone;
}

Http1Refusal Http1Parser::finishHead() {
  bool http11 = head_.minor_version == 1;
  if (transfer_encoding_fields_ > 0) {
    if (content_length_fields_ > 0) return Http1Refusal::kContentLengthWithTransferEncoding;
    if (!http11) return Http1Refusal::kBadTransferEncoding;
    head_.framing = BodyFraming::kChunked;
  } else if (content_length_fields_ > 0) {
    head_.framing = BodyFraming::kContentLength;
  }
  if (http11 ? host_fields_ != 1 : host_fields_ > 1) return Http1Refusal::kBadHost;
  if (head_.framing == BodyFraming::kContentLength && head_.content_length > limits_.max_body_bytes)
    return Http1Refusal::kBodyTooLarge;
  // HTTP/1.0 ignores expectations (RFC 9110 §10.1.1).
  if (http11 && expect_other_) return Http1Refusal::kUnsupportedExpectation;
  bool has_body = head_.framing == BodyFraming::kChunked || head_.content_length > 0;
  head_.expect_continue = http11 && expect_seen_ && has_body;
  head_.keep_alive = !connection_close_ && (http11 || connection_keep_alive_);
  return Http1Refusal::kNone;
}

Http1Refusal Http1Parser::parseChunkSize(const char* buf, size_t begin, size_t end) {
  size_t i = begin;
  uint64_t size = 0;
  while (i < end) {
    char c = buf[i];
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0) break;
    if (size > (limits_.max_body_bytes >> 4)) return Http1Refusal::kBodyTooLarge;
    size = size * 16 + static_cast<uint64_t>(digit);
    ++i;
  }
  if (i == begin)
    return i < end ? badByte(buf, i, Http1Refusal::kBadChunk) : Http1Refusal::kBadChunk;
  // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ), ignored.
  auto skipWs = [&](size_t j) {
    while (j < end && (buf[j] == ' ' || buf[j] == '\t')) ++j;
    return j;
  };
  auto token = [&](size_t j) {
    while (j < end && kClasses.token[at(buf, j)]) ++j;
    return j;
  };
  while (i < end) {
    i = skipWs(i);
    if (i == end) return Http1Refusal::kBadChunk;  // whitespace is only allowed before ';'
    if (buf[i] != ';') return badByte(buf, i, Http1Refusal::kBadChunk);
    i = skipWs(i + 1);
    size_t name_end = token(i);
    if (name_end == i)
      return i < end ? badByte(buf, i, Http1Refusal::kBadChunk) : Http1Refusal::kBadChunk;
    i = name_end;
    size_t eq = skipWs(i);
    if (eq < end && buf[eq] == '=') {
      i = skipWs(eq + 1);
      if (i < end && buf[i] == '"') {
        ++i;
        bool closed = false;
        while (i < end && !closed) {
          unsigned char c = at(buf, i);
          if (c == '"') {
            closed = true;
          } else if (c == '\\' && i + 1 < end && kClasses.value[at(buf, i + 1)]) {
            ++i;
          } else if (!kClasses.qdtext[c]) {
            return badByte(buf, i, Http1Refusal::kBadChunk);
          }
          ++i;
        }
        if (!closed) return Http1Refusal::kBadChunk;
      } else {
        size_t value_end = token(i);
        if (value_end == i)
          return i < end ? badByte(buf, i, Http1Refusal::kBadChunk) : Http1Refusal::kBadChunk;
        i = value_end;
      }
    }
  }
  if (size > limits_.max_body_bytes - body_length_) return Http1Refusal::kBodyTooLarge;
  chunk_left_ = size;
  return Http1Refusal::kNone;
}

}  // namespace triggerd
