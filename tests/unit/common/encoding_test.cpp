#include "common/encoding.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

TEST(Encoding, HexRoundTripsAndRefusesOddOrNonHex) {
  EXPECT_EQ(hexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(hexDecode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(hexDecode("abc").has_value());
  EXPECT_FALSE(hexDecode("zz").has_value());
}

TEST(Encoding, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Decode("Zm8="), "fo");
  EXPECT_EQ(base64Decode("Zm8"), "fo");  // unpadded accepted
  EXPECT_FALSE(base64Decode("Zm8*").has_value());
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Encoding, UrlEncodingKeepsUnreservedAndDecodesForms) {
  EXPECT_EQ(urlEncode("a b/c~_.-"), "a%20b%2Fc~_.-");
  EXPECT_EQ(urlDecode("a+b%2F", true), "a b/");
  EXPECT_EQ(urlDecode("a+b", false), "a+b");
  EXPECT_FALSE(urlDecode("%G1", false).has_value());
  auto form = parseForm("payload=%7B%7D&x=1+2");
  ASSERT_TRUE(form.has_value());
  ASSERT_EQ(form->size(), 2u);
  EXPECT_EQ((*form)[0], (std::pair<std::string, std::string>{"payload", "{}"}));
  EXPECT_EQ((*form)[1].second, "1 2");
}

TEST(Encoding, Utf8ValidationRefusesOverlongSurrogatesAndTooLarge) {
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));                             // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));                         // surrogate
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));                     // past U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));                             // truncated
}

TEST(Encoding, InvalidUtf8BytesBecomeReplacementCharacters) {
  const std::string kFffd = "\xef\xbf\xbd";
  EXPECT_EQ(replaceInvalidUtf8("plain \xc3\xa9"), "plain \xc3\xa9");  // valid: unchanged
  EXPECT_EQ(replaceInvalidUtf8("a\xff"
                               "b"),
            "a" + kFffd + "b");
  // Each byte that starts no sequence is replaced on its own: a truncated sequence's lead and
  // an overlong form's two bytes.
  EXPECT_EQ(replaceInvalidUtf8("\xe2\x82x"), kFffd + kFffd + "x");
  EXPECT_EQ(replaceInvalidUtf8("\xc0\xaf"), kFffd + kFffd);
  EXPECT_EQ(replaceInvalidUtf8("\xed\xa0\x80"), kFffd + kFffd + kFffd);  // surrogate
  EXPECT_EQ(replaceInvalidUtf8("\xf0\x9f\x98\x80\x80"), "\xf0\x9f\x98\x80" + kFffd);
  // Whatever comes in, what comes out is UTF-8.
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_TRUE(isValidUtf8(replaceInvalidUtf8(all + all)));
}

TEST(Encoding, CaseAndWhitespaceHelpers) {
  EXPECT_TRUE(equalsIgnoreCase("Content-Type", "content-type"));
  EXPECT_FALSE(equalsIgnoreCase("Content-Type", "content-typ"));
  EXPECT_EQ(toLower("AbC"), "abc");
  EXPECT_EQ(trim(" \t x y \r\n"), "x y");
}

}  // namespace
}  // namespace triggerd
