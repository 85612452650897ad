// Http1Parser alone: every accepted form and every refusal, fed in one piece and byte by byte.
#include "http/http1_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace triggerd {
namespace {

using Step = Http1Parser::Step;

// The outcome of parsing one request from `input`, fed in pieces of `piece` bytes (0: all at
// once). The buffer grows like a connection's: bytes are appended, never moved by the caller.
struct Parsed {
  Step step = Step::kNeedMore;
  Http1Refusal refusal = Http1Refusal::kNone;
  bool head_seen = false;
  std::string method, target, path, query, body;
  int minor = -1;
  std::vector<std::pair<std::string, std::string>> fields;
  BodyFraming framing = BodyFraming::kNone;
  bool keep_alive = false;
  bool expect_continue = false;
  size_t message_end = 0;
  std::string buffer;  // what the parser left in the buffer (chunked data is decoded in place)
};

Parsed parseRequest(const std::string& input, size_t piece = 0, Http1Limits limits = {}) {
  Http1Parser parser(limits);
  Parsed out;
  std::string buf;
  size_t fed = 0;
  while (true) {
    size_t n = piece == 0 ? input.size() - fed : std::min(piece, input.size() - fed);
    buf.append(input, fed, n);
    fed += n;
    Step step;
    do {
      step = parser.parse(buf.data(), buf.size());
      if (step == Step::kHead) out.head_seen = true;
    } while (step == Step::kHead);
    if (step != Step::kNeedMore || fed == input.size()) {
      out.step = step;
      break;
    }
  }
  out.refusal = parser.refusal();
  out.buffer = buf;
  if (out.step == Step::kDone || out.head_seen) {
    const Http1Head& h = parser.head();
    const char* b = buf.data();
    out.method = std::string(h.method.in(b));
    out.target = std::string(h.target.in(b));
    out.path = std::string(h.path.in(b));
    out.query = std::string(h.query.in(b));
    out.minor = h.minor_version;
    for (const auto& [n, v] : h.fields)
      out.fields.emplace_back(std::string(n.in(b)), std::string(v.in(b)));
    out.framing = h.framing;
    out.keep_alive = h.keep_alive;
    out.expect_continue = h.expect_continue;
  }
  if (out.step == Step::kDone) {
    out.body = std::string(parser.body().in(buf.data()));
    out.message_end = parser.messageEnd();
  }
  return out;
}

// Parses in one piece and byte by byte; both must agree.
Parsed parseBothWays(const std::string& input, Http1Limits limits = {}) {
  Parsed whole = parseRequest(input, 0, limits);
  Parsed bytes = parseRequest(input, 1, limits);
  EXPECT_EQ(static_cast<int>(whole.step), static_cast<int>(bytes.step)) << input;
  EXPECT_EQ(static_cast<int>(whole.refusal), static_cast<int>(bytes.refusal)) << input;
  EXPECT_EQ(whole.body, bytes.body) << input;
  EXPECT_EQ(whole.message_end, bytes.message_end) << input;
  return whole;
}

Http1Refusal refusalOf(const std::string& input, Http1Limits limits = {}) {
  Parsed p = parseBothWays(input, limits);
  EXPECT_EQ(p.step, Step::kError) << input;
  return p.refusal;
}

// ---------------------------------------------------------------------------------------------
// Accepted requests

TEST(Http1ParserTest, SimpleGet) {
  Parsed p = parseBothWays("GET /healthz HTTP/1.1\r\nHost: example.com\r\nX-Test:  a b \r\n\r\n");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_TRUE(p.head_seen);
  EXPECT_EQ(p.method, "GET");
  EXPECT_EQ(p.target, "/healthz");
  EXPECT_EQ(p.path, "/healthz");
  EXPECT_EQ(p.query, "");
  EXPECT_EQ(p.minor, 1);
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[0], (std::pair<std::string, std::string>{"Host", "example.com"}));
  EXPECT_EQ(p.fields[1], (std::pair<std::string, std::string>{"X-Test", "a b"}));
  EXPECT_EQ(p.framing, BodyFraming::kNone);
  EXPECT_TRUE(p.keep_alive);
  EXPECT_EQ(p.body, "");
  EXPECT_EQ(p.message_end, p.buffer.size());
}

TEST(Http1ParserTest, PathAndQuery) {
  Parsed p = parseBothWays("GET /a/b%20c?x=1&y=%zz?z HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.path, "/a/b%20c");  // percent-encoding is the router's business
  EXPECT_EQ(p.query, "x=1&y=%zz?z");
}

TEST(Http1ParserTest, EmptyFieldValueAndObsText) {
  Parsed p = parseBothWays("GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Latin: caf\xe9\r\n\r\n");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.fields[1].second, "");
  EXPECT_EQ(p.fields[2].second, "caf\xe9");
}

TEST(Http1ParserTest, ContentLengthBodyAndPipelinedNext) {
  std::string first = "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
  std::string second = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  Parsed p = parseBothWays(first + second);
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.framing, BodyFraming::kContentLength);
  EXPECT_EQ(p.body, "hello");
  EXPECT_EQ(p.message_end, first.size());
  EXPECT_EQ(p.buffer.substr(p.message_end), second);
}

TEST(Http1ParserTest, ZeroContentLength) {
  Parsed p = parseBothWays("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.body, "");
}

TEST(Http1ParserTest, LeadingEmptyLinesAreIgnored) {
  Parsed p = parseBothWays("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.method, "GET");
}

TEST(Http1ParserTest, ChunkedBodyIsDecodedInPlace) {
  std::string req =
      "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n"
      "1;name=value;quoted=\"a \\\"b\\\" c\" ; bare\r\n,\r\n"
      "0006\r\n world\r\n"
      "0\r\nX-Trailer: t\r\n\r\n";
  Parsed p = parseBothWays(req + "GET");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.framing, BodyFraming::kChunked);
  EXPECT_EQ(p.body, "hello, world");
  EXPECT_EQ(p.message_end, req.size());
  EXPECT_EQ(p.buffer.substr(p.message_end), "GET");
  // The trailer is checked but not a header field.
  EXPECT_EQ(p.fields.size(), 2u);
}

TEST(Http1ParserTest, ChunkedUpperCaseHexAndCodingName) {
  Parsed p = parseBothWays(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
      "Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.body, "0123456789");
}

TEST(Http1ParserTest, Http10KeepAliveRules) {
  EXPECT_FALSE(parseBothWays("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parseBothWays("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
  EXPECT_FALSE(
      parseBothWays("GET / HTTP/1.1\r\nHost: h\r\nConnection: x, close\r\n\r\n").keep_alive);
  Parsed p = parseBothWays("GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.minor, 0);
}

TEST(Http1ParserTest, AbsoluteFormIsMappedToPathAndQuery) {
  Parsed p = parseBothWays("GET http://example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_EQ(p.path, "/a/b");
  EXPECT_EQ(p.query, "q=1");
  Parsed root = parseBothWays("GET HTTPS://[::1]:8443 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(root.step, Step::kDone);
  EXPECT_EQ(root.path, "");  // means "/"
  Parsed query_only = parseBothWays("GET http://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(query_only.step, Step::kDone);
  EXPECT_EQ(query_only.path, "");
  EXPECT_EQ(query_only.query, "x=1");
}

TEST(Http1ParserTest, ExpectContinue) {
  Parsed p = parseBothWays(
      "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_EQ(p.step, Step::kDone);
  EXPECT_TRUE(p.expect_continue);
  // Without a body there is nothing to wait for; HTTP/1.0 ignores expectations.
  EXPECT_FALSE(
      parseBothWays("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n").expect_continue);
  EXPECT_FALSE(parseBothWays("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                             "Content-Length: 0\r\n\r\n")
                   .expect_continue);
  Parsed old = parseBothWays("POST / HTTP/1.0\r\nExpect: something\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(old.step, Step::kDone);
  EXPECT_FALSE(old.expect_continue);
}

TEST(Http1ParserTest, HeadIsReportedBeforeTheBody) {
  Http1Parser parser;
  std::string buf = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n";
  EXPECT_EQ(parser.parse(buf.data(), buf.size()), Step::kHead);
  EXPECT_EQ(parser.head().head_bytes, buf.size());
  EXPECT_EQ(parser.bodyBytesMissing(buf.size()), 4u);
  EXPECT_EQ(parser.parse(buf.data(), buf.size()), Step::kNeedMore);
  buf += "ab";
  EXPECT_EQ(parser.parse(buf.data(), buf.size()), Step::kNeedMore);
  EXPECT_EQ(parser.bodyBytesMissing(buf.size()), 2u);
  buf += "cd";
  EXPECT_EQ(parser.parse(buf.data(), buf.size()), Step::kDone);
  EXPECT_EQ(parser.body().in(buf.data()), "abcd");
  EXPECT_EQ(parser.parse(buf.data(), buf.size()), Step::kDone);  // stays done
}

TEST(Http1ParserTest, ResetStartsTheNextRequestAndKeepsLimitsForIt) {
  Http1Parser parser;
  std::string a = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(parser.parse(a.data(), a.size()), Step::kHead);
  EXPECT_EQ(parser.parse(a.data(), a.size()), Step::kDone);
  Http1Limits small;
  small.max_head_bytes = 20;
  parser.setLimits(small);  // mid-exchange: applies from the next request
  parser.reset();
  std::string b = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(parser.parse(b.data(), b.size()), Step::kError);
  EXPECT_EQ(parser.refusal(), Http1Refusal::kHeadersTooLarge);
}

TEST(Http1ParserTest, GrowingBufferKeepsSpansValid) {
  // Offsets, not pointers: the caller may move the buffer between calls.
  Http1Parser parser;
  std::string input = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz";
  std::vector<char> buf;
  Step step = Step::kNeedMore;
  for (char c : input) {
    std::vector<char> moved(buf.begin(), buf.end());
    moved.push_back(c);
    buf.swap(moved);
    do step = parser.parse(buf.data(), buf.size());
    while (step == Step::kHead);
  }
  ASSERT_EQ(step, Step::kDone);
  EXPECT_EQ(parser.head().path.in(buf.data()), "/p");
  EXPECT_EQ(parser.body().in(buf.data()), "xyz");
}

TEST(Http1ParserTest, LimitsAreInclusive) {
  std::string req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  Http1Limits at;
  at.max_head_bytes = req.size();
  EXPECT_EQ(parseBothWays(req, at).step, Step::kDone);
  Http1Limits below;
  below.max_head_bytes = req.size() - 1;
  EXPECT_EQ(refusalOf(req, below), Http1Refusal::kHeadersTooLarge);

  Http1Limits body;
  body.max_body_bytes = 5;
  EXPECT_EQ(
      parseBothWays("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n12345", body).step,
      Step::kDone);
  EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n", body),
            Http1Refusal::kBodyTooLarge);
}

// ---------------------------------------------------------------------------------------------
// Refusals: framing (request smuggling)

TEST(Http1ParserTest, DuplicateContentLengthIsRefusedEvenWhenEqual) {
  EXPECT_EQ(
      refusalOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n"),
      Http1Refusal::kDuplicateContentLength);
  EXPECT_EQ(
      refusalOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n"),
      Http1Refusal::kDuplicateContentLength);
  EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n"),
            Http1Refusal::kBadContentLength);
}

TEST(Http1ParserTest, MalformedContentLength) {
  for (std::string v : {"", "+5", "-5", "0x5", "5 5", "5a", "1234567890123456789", "\xb5"}) {
    EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + v + "\r\n\r\n"),
              Http1Refusal::kBadContentLength)
        << v;
  }
}

TEST(Http1ParserTest, WhitespaceBeforeColonIsRefused) {
  EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\nGET / HTTP/1.1\r\n"),
            Http1Refusal::kSpaceBeforeColon);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"), Http1Refusal::kSpaceBeforeColon);
}

TEST(Http1ParserTest, ObsFoldIsRefused) {
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n"), Http1Refusal::kObsFold);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n"),
            Http1Refusal::kObsFold);
  // Whitespace between the request line and the first field, too.
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), Http1Refusal::kObsFold);
}

TEST(Http1ParserTest, TransferEncodingWithContentLengthIsRefused) {
  EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"),
            Http1Refusal::kContentLengthWithTransferEncoding);
  EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Length: 3\r\n\r\n"),
            Http1Refusal::kContentLengthWithTransferEncoding);
}

TEST(Http1ParserTest, OnlyASingleChunkedCodingIsAccepted) {
  for (std::string te : {"gzip", "gzip, chunked", "chunked, gzip", "chunked, chunked", "identity",
                         "chunked;q=1", "", "xchunked"}) {
    EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + te + "\r\n\r\n"),
              Http1Refusal::kBadTransferEncoding)
        << te;
  }
  EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"),
            Http1Refusal::kBadTransferEncoding);
  EXPECT_EQ(refusalOf("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Http1Refusal::kBadTransferEncoding);
}

TEST(Http1ParserTest, BadChunkSizesAreRefused) {
  std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::string line : {"x", "", " 5", "5 ", "-1", "0x5", "5;", "5; =v", "5;a=", "5;a=\"open",
                           "5;a b", "5,6", "5\x01"}) {
    EXPECT_EQ(refusalOf(head + line + "\r\nhello\r\n0\r\n\r\n"), Http1Refusal::kBadChunk) << line;
  }
  EXPECT_EQ(refusalOf(head + "5\r\nhelloXX0\r\n\r\n"), Http1Refusal::kBadChunk);
  EXPECT_EQ(refusalOf(head + "5\r\nhello\n0\r\n\r\n"), Http1Refusal::kBadChunk);
  EXPECT_EQ(refusalOf(head + "5\nhello\r\n0\r\n\r\n"), Http1Refusal::kBareLf);
  EXPECT_EQ(refusalOf(head + "5\r\r\nhello\r\n0\r\n\r\n"), Http1Refusal::kBareCr);
  EXPECT_EQ(refusalOf(head + std::string(Http1Parser::kMaxChunkLine, '0')),
            Http1Refusal::kBadChunk);
}

TEST(Http1ParserTest, ChunkSizesCountAgainstTheBodyLimit) {
  Http1Limits limits;
  limits.max_body_bytes = 8;
  std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(refusalOf(head + "9\r\n", limits), Http1Refusal::kBodyTooLarge);
  EXPECT_EQ(refusalOf(head + "5\r\nhello\r\n4\r\n", limits), Http1Refusal::kBodyTooLarge);
  EXPECT_EQ(refusalOf(head + "ffffffffffffffffffffffff\r\n", limits), Http1Refusal::kBodyTooLarge);
  EXPECT_EQ(parseBothWays(head + "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", limits).step, Step::kDone);
  // Leading zeros are digits, not size.
  EXPECT_EQ(parseBothWays(head + "000000000000000000005\r\nhello\r\n0\r\n\r\n", limits).body,
            "hello");
}

TEST(Http1ParserTest, TrailersAreCheckedAndBounded) {
  std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  EXPECT_EQ(refusalOf(head + "Bad Trailer: x\r\n\r\n"), Http1Refusal::kBadFieldName);
  EXPECT_EQ(refusalOf(head + "X: a\r\n b\r\n\r\n"), Http1Refusal::kObsFold);
  Http1Limits limits;
  limits.max_head_bytes = 100;
  EXPECT_EQ(refusalOf(head + "X: " + std::string(200, 'a') + "\r\n\r\n", limits),
            Http1Refusal::kHeadersTooLarge);
}

// ---------------------------------------------------------------------------------------------
// Refusals: line endings, control characters, tokens

TEST(Http1ParserTest, BareCrAndBareLfAreRefused) {
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\rHost: h\r\n\r\n"), Http1Refusal::kBareCr);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"), Http1Refusal::kBareCr);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: h\r\nX\r: b\r\n\r\n"), Http1Refusal::kBareCr);
  EXPECT_EQ(refusalOf("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n"), Http1Refusal::kBareCr);
  EXPECT_EQ(refusalOf("GE\rT / HTTP/1.1\r\nHost: h\r\n\r\n"), Http1Refusal::kBareCr);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\nHost: h\r\n\r\n"), Http1Refusal::kBareLf);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: h\n\r\n"), Http1Refusal::kBareLf);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: h\r\n\n"), Http1Refusal::kBareLf);
  EXPECT_EQ(refusalOf("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), Http1Refusal::kBareLf);
}

TEST(Http1ParserTest, ControlCharactersInFieldValuesAreRefused) {
  for (char c : {'\0', '\x01', '\x0b', '\x0c', '\x1f', '\x7f'}) {
    std::string req = "GET / HTTP/1.1\r\nHost: h\r\nX: a";
    req += c;
    req += "b\r\n\r\n";
    EXPECT_EQ(refusalOf(req), Http1Refusal::kBadFieldValue) << static_cast<int>(c);
  }
  // HTAB inside a value is fine.
  EXPECT_EQ(parseBothWays("GET / HTTP/1.1\r\nHost: h\r\nX: a\tb\r\n\r\n").step, Step::kDone);
}

TEST(Http1ParserTest, InvalidFieldNamesAreRefused) {
  for (std::string line :
       {": empty", "X Y: v", "X(: v", "X\x01: v", "X\xc3\xa9: v", "NoColon", "X@Y: v", "{X}: v"}) {
    EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: h\r\n" + line + "\r\n\r\n"),
              Http1Refusal::kBadFieldName)
        << line;
  }
}

TEST(Http1ParserTest, InvalidMethodsAreRefused) {
  EXPECT_EQ(refusalOf("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), Http1Refusal::kBadMethod);
  EXPECT_EQ(refusalOf("G\x01T / HTTP/1.1\r\nHost: h\r\n\r\n"), Http1Refusal::kBadMethod);
  EXPECT_EQ(refusalOf(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), Http1Refusal::kBadRequestLine);
  EXPECT_EQ(refusalOf("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), Http1Refusal::kBadMethod);
  // Unknown but well-formed tokens parse; the server decides which methods it serves.
  EXPECT_EQ(parseBothWays("BREW / HTTP/1.1\r\nHost: h\r\n\r\n").step, Step::kDone);
}

TEST(Http1ParserTest, MalformedRequestLinesAreRefused) {
  for (std::string line :
       {"GET", "GET /", "GET / ", "GET  / HTTP/1.1", "GET /  HTTP/1.1", "this is not http"}) {
    Http1Refusal r = refusalOf(line + "\r\nHost: h\r\n\r\n");
    EXPECT_TRUE(r == Http1Refusal::kBadRequestLine || r == Http1Refusal::kBadVersion ||
                r == Http1Refusal::kBadTarget)
        << line << " -> " << static_cast<int>(r);
  }
  EXPECT_EQ(refusalOf("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), Http1Refusal::kBadVersion);
}

TEST(Http1ParserTest, OnlyHttp10And11AreAccepted) {
  for (std::string v : {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "http/1.1", "HTTP/1.10", "HTTP/11",
                        "HTTP/1.1x", "HTTPS/1.1"}) {
    EXPECT_EQ(refusalOf("GET / " + v + "\r\nHost: h\r\n\r\n"), Http1Refusal::kBadVersion) << v;
  }
}

TEST(Http1ParserTest, OnlyOriginAndAbsoluteFormTargetsAreAccepted) {
  for (std::string t : {"*", "example.com:443", "example.com", "ftp://h/x", "http://", "http:///x",
                        "/a#frag", "/a\"b", "/a<b>", "/a\\b", "/a{b}", "/a|b", "/a^b", "/a`b",
                        "/caf\xc3\xa9", "/a\x7f", "/a\x01", "http://user@h/"}) {
    EXPECT_EQ(refusalOf("GET " + t + " HTTP/1.1\r\nHost: h\r\n\r\n"), Http1Refusal::kBadTarget)
        << t;
  }
}

TEST(Http1ParserTest, HostIsRequiredOnceInHttp11) {
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\n\r\n"), Http1Refusal::kBadHost);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), Http1Refusal::kBadHost);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), Http1Refusal::kBadHost);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), Http1Refusal::kBadHost);
  EXPECT_EQ(refusalOf("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), Http1Refusal::kBadHost);
  EXPECT_EQ(parseBothWays("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").step, Step::kDone);
  EXPECT_EQ(parseBothWays("GET / HTTP/1.1\r\nHost:\r\n\r\n").step, Step::kDone);
}

TEST(Http1ParserTest, UnsupportedExpectationIs417) {
  EXPECT_EQ(refusalOf("POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n"),
            Http1Refusal::kUnsupportedExpectation);
}

TEST(Http1ParserTest, HeadSizeAndFieldCountLimits) {
  Http1Limits limits;
  limits.max_head_bytes = 64;
  // Refused as soon as the buffer passes the limit, without waiting for the end of the line.
  Http1Parser parser(limits);
  std::string buf = "GET / HTTP/1.1\r\nX: " + std::string(60, 'a');
  EXPECT_EQ(parser.parse(buf.data(), buf.size()), Step::kError);
  EXPECT_EQ(parser.refusal(), Http1Refusal::kHeadersTooLarge);
  // Leading empty lines count too.
  EXPECT_EQ(refusalOf(std::string(40, '\r') + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", limits),
            Http1Refusal::kBareCr);
  std::string crlf;
  for (int i = 0; i < 40; ++i) crlf += "\r\n";
  EXPECT_EQ(refusalOf(crlf + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", limits),
            Http1Refusal::kHeadersTooLarge);

  Http1Limits few;
  few.max_fields = 3;
  std::string three = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n";
  EXPECT_EQ(parseBothWays(three, few).step, Step::kDone);
  EXPECT_EQ(refusalOf("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", few),
            Http1Refusal::kTooManyFields);
}

TEST(Http1ParserTest, AfterARefusalTheParserStaysFailed) {
  Http1Parser parser;
  std::string buf = "GET / HTTP/9.9\r\n";
  EXPECT_EQ(parser.parse(buf.data(), buf.size()), Step::kError);
  buf += "Host: h\r\n\r\n";
  EXPECT_EQ(parser.parse(buf.data(), buf.size()), Step::kError);
  EXPECT_EQ(parser.refusal(), Http1Refusal::kBadVersion);
}

TEST(Http1ParserTest, EveryRefusalHasAnAnswer) {
  for (int i = 1; i <= static_cast<int>(Http1Refusal::kUnsupportedExpectation); ++i) {
    const Http1RefusalInfo& info = describeRefusal(static_cast<Http1Refusal>(i));
    EXPECT_TRUE(info.status == 400 || info.status == 413 || info.status == 417 ||
                info.status == 431)
        << i;
    EXPECT_GT(std::string(info.message).size(), 10u) << i;
    EXPECT_FALSE(std::string(info.reason).empty()) << i;
    EXPECT_FALSE(std::string(info.field).empty()) << i;
  }
}

}  // namespace
}  // namespace triggerd
