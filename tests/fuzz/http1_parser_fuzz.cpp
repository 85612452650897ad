// libFuzzer target for Http1Parser (http/http1_parser.h).
//
// Input: one control byte, then the bytes a client sends. The control byte picks how the stream
// is split into reads (1..15 bytes at a time, or all at once) and whether small limits apply.
// The stream is parsed as a connection would: request after request, pipelined bytes carried
// over to the next one. The target checks that
//   * every span the parser reports lies inside the buffer, the body right after the head;
//   * parsing in pieces gives exactly what parsing in one go gives (same requests, same bodies,
//     same refusal): a parser that depends on how TCP split the bytes is a smuggling bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/http1_parser.h"

namespace {

using triggerd::Http1Limits;
using triggerd::Http1Parser;
using triggerd::Http1Refusal;
using triggerd::Span;

struct Outcome {
  std::string method, target, path, query, body;
  size_t fields = 0;
  bool keep_alive = false;
  bool expect_continue = false;
  Http1Refusal refusal = Http1Refusal::kNone;
  bool complete = false;

  bool operator==(const Outcome&) const = default;
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void checkSpan(Span s, size_t len) {
  check(static_cast<size_t>(s.offset) + s.length <= len);
}

// Parses the stream in reads of `piece` bytes (0: all at once); returns one outcome per request.
std::vector<Outcome> parseStream(const uint8_t* data, size_t size, size_t piece,
                                 const Http1Limits& limits) {
  std::vector<Outcome> out;
  Http1Parser parser(limits);
  std::string buf;
  size_t fed = 0;
  while (out.size() < 64) {
    Http1Parser::Step step = parser.parse(buf.data(), buf.size());
    if (step == Http1Parser::Step::kHead) {
      const auto& head = parser.head();
      check(head.head_bytes <= buf.size());
      continue;
    }
    if (step == Http1Parser::Step::kError) {
      Outcome o;
      o.refusal = parser.refusal();
      check(o.refusal != Http1Refusal::kNone);
      out.push_back(o);
      return out;
    }
    if (step == Http1Parser::Step::kDone) {
      const auto& head = parser.head();
      size_t end = parser.messageEnd();
      check(end <= buf.size());
      check(head.head_bytes <= end);
      for (Span s : {head.method, head.target, head.path, head.query})
        checkSpan(s, head.head_bytes);
      for (const auto& [name, value] : head.fields) {
        checkSpan(name, head.head_bytes);
        checkSpan(value, head.head_bytes);
        check(name.length > 0);
      }
      Span body = parser.body();
      check(body.offset == head.head_bytes);
      checkSpan(body, end);
      check(body.length <= limits.max_body_bytes);
      const char* b = buf.data();
      Outcome o;
      o.method = std::string(head.method.in(b));
      o.target = std::string(head.target.in(b));
      o.path = std::string(head.path.in(b));
      o.query = std::string(head.query.in(b));
      o.body = std::string(body.in(b));
      o.fields = head.fields.size();
      o.keep_alive = head.keep_alive;
      o.expect_continue = head.expect_continue;
      o.complete = true;
      out.push_back(o);
      buf.erase(0, end);  // the next request starts at offset 0
      parser.reset();
      continue;
    }
    // kNeedMore
    if (fed == size) return out;
    size_t n = piece == 0 ? size - fed : std::min(piece, size - fed);
    buf.append(reinterpret_cast<const char*>(data + fed), n);
    fed += n;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t control = data[0];
  Http1Limits limits;
  if (control & 0x10) {
    limits.max_head_bytes = 256;
    limits.max_body_bytes = 64;
    limits.max_fields = 8;
  }
  size_t piece = control & 0x0f;  // 0: one read
  std::vector<Outcome> whole = parseStream(data + 1, size - 1, 0, limits);
  if (piece != 0) {
    std::vector<Outcome> pieces = parseStream(data + 1, size - 1, piece, limits);
    // The one-read parse may stop at the request limit or see a trailing partial request the
    // same way; both must agree request by request.
    check(whole == pieces);
  }
  return 0;
}
