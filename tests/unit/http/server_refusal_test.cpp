// Every refusal of the strict HTTP/1.1 parser over a real socket, with the exact bytes an
// attacker or a broken client sends: a JSON answer naming the problem and the field,
// "Connection: close", the connection closed after the write, the reason counted, and nothing
// after the refused bytes (a smuggled request) ever served.
#include <gtest/gtest.h>

#include "tests/unit/http/server_test_fixture.h"

namespace triggerd::http_test {
namespace {

struct RefusalCase {
  const char* name;
  std::string request;
  int status;
  const char* reason;        // triggerd_http_rejected_total{reason}
  const char* message_part;  // found in the JSON "error"
  const char* field;         // the JSON "field"
};

const std::string kSmuggled = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

const RefusalCase kCases[] = {
    {"DifferingContentLengths",
     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello" +
         kSmuggled,
     400, "content_length", "more than one Content-Length", "headers"},
    {"EqualDuplicateContentLengths",
     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello" +
         kSmuggled,
     400, "content_length", "more than one Content-Length", "headers"},
    {"ContentLengthListOfValues",
     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 5\r\n\r\nhello", 400, "content_length",
     "single decimal number", "headers"},
    {"SpaceBeforeColon",
     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length : 35\r\n\r\n" + kSmuggled, 400,
     "bad_header", "between a header field name and its colon", "headers"},
    {"ObsoleteLineFolding", "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n b\r\n\r\n", 400,
     "obs_fold", "obsolete line folding", "headers"},
    {"TransferEncodingWithContentLength",
     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\n" +
         kSmuggled,
     400, "transfer_encoding", "Content-Length and Transfer-Encoding together", "headers"},
    {"GzipUnderChunked",
     "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400,
     "transfer_encoding", "only a single \"chunked\"", "headers"},
    {"ChunkedNotLast",
     "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400,
     "transfer_encoding", "only a single \"chunked\"", "headers"},
    {"TwoTransferEncodingFields",
     "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
     "Transfer-Encoding: chunked\r\n\r\n",
     400, "transfer_encoding", "only a single \"chunked\"", "headers"},
    {"TransferEncodingInHttp10",
     "POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
     "transfer_encoding", "in HTTP/1.1", "headers"},
    {"BadChunkSize",
     "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
     "chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
     400, "bad_chunk", "hexadecimal size line", "body"},
    {"NegativeChunkSize",
     "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n", 400,
     "bad_chunk", "hexadecimal size line", "body"},
    {"ChunkDataWithoutCrlf",
     "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n",
     400, "bad_chunk", "then the data and CRLF", "body"},
    {"ControlCharacterInValue",
     std::string("GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\x01"
                 "b\r\n\r\n"),
     400, "bad_header", "control character", "headers"},
    {"NulInFieldName", std::string("GET /healthz HTTP/1.1\r\nHost: t\r\nX\0A: b\r\n\r\n", 42), 400,
     "bad_header", "token name", "headers"},
    {"BareCrInValue", "GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n", 400,
     "bad_line_ending", "CR that is not followed by LF", "headers"},
    {"BareLfLines", "GET /healthz HTTP/1.1\nHost: t\n\n", 400, "bad_line_ending", "LF without CR",
     "headers"},
    {"Http2Version", "GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", 400, "bad_version",
     "HTTP/1.1 or HTTP/1.0", "request line"},
    {"Http12Version", "GET /healthz HTTP/1.2\r\nHost: t\r\n\r\n", 400, "bad_version",
     "HTTP/1.1 or HTTP/1.0", "request line"},
    {"AsteriskFormTarget", "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_target",
     "absolute path", "request line"},
    {"AuthorityFormTarget", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", 400,
     "bad_target", "absolute path", "request line"},
    {"NonAsciiTarget", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_target",
     "non-ASCII", "request line"},
    {"FragmentInTarget", "GET /healthz#x HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_target", "'#'",
     "request line"},
    {"MethodIsNotAToken", "G@T /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_request_line",
     "method must be a token", "request line"},
    {"DoubleSpaceInRequestLine", "GET  /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400,
     "bad_request_line", "single spaces", "request line"},
    {"MissingHost", "GET /healthz HTTP/1.1\r\n\r\n", 400, "host", "exactly one Host", "headers"},
    {"TwoHosts", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "host",
     "exactly one Host", "headers"},
    {"UnsupportedExpectation",
     "POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\nhi", 417,
     "expectation", "only 100-continue", "Expect"},
};

class RefusalTest : public HttpServerTest, public ::testing::WithParamInterface<RefusalCase> {};

TEST_P(RefusalTest, IsAnsweredAsJsonCountedAndClosed) {
  const RefusalCase& c = GetParam();
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, c.request));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, c.status) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(r.header("X-Request-Id").size(), 26u);
  EXPECT_NE(errorOf(r.body).find(c.message_part), std::string::npos) << r.body;
  EXPECT_EQ(fieldOf(r.body), c.field) << r.body;
  // Closed after the answer, with nothing after it: a smuggled request is never answered.
  std::string after;
  EXPECT_TRUE(waitClosed(fd, 2s, &after));
  EXPECT_EQ(after, "");
  close(fd);
  EXPECT_EQ(handled_, 0);
  EXPECT_EQ(rejected(c.reason), 1u);
  EXPECT_EQ(requests("unmatched", c.status), 1u);
  EXPECT_TRUE(eventually([&] { return connections() == 0; }));
}

INSTANTIATE_TEST_SUITE_P(Strict, RefusalTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<RefusalCase>& param) {
                           return std::string(param.param.name);
                         });

TEST_F(HttpServerTest, TooManyHeaderFieldsIs431) {
  auto o = defaults();
  o.max_header_bytes = 64 * 1024;
  start(o);
  std::string request = "GET /healthz HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 300; ++i) request += "X-" + std::to_string(i) + ": v\r\n";
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, request + "\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(errorOf(r.body), "more than 256 header fields");
  EXPECT_TRUE(waitClosed(fd, 2s));
  close(fd);
  EXPECT_EQ(rejected("headers_too_large"), 1u);
}

// The evhttp-era refusal of unknown methods, now answered before the body is read.
TEST_F(HttpServerTest, UnservedMethodIs405BeforeTheBodyIsRead) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd, "PROPFIND /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"));
  RawResponse r = readResponse(fd);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
  EXPECT_EQ(errorOf(r.body),
            "method PROPFIND is not supported; use one of DELETE, GET, HEAD, OPTIONS, PATCH, POST, "
            "PUT");
  close(fd);
  EXPECT_EQ(rejected("method"), 1u);
}

// A request that passes the strict checks keeps the connection open for the next one.
TEST_F(HttpServerTest, AbsoluteFormTargetIsServed) {
  start(defaults());
  int fd = connectTcp(port_);
  ASSERT_TRUE(sendAll(fd,
                      "GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string carry;
  EXPECT_EQ(readResponse(fd, 5s, &carry).status, 200);
  EXPECT_EQ(readResponse(fd, 5s, &carry).status, 200);
  close(fd);
  EXPECT_EQ(handled_, 2);
}

}  // namespace
}  // namespace triggerd::http_test
