#include "model/user.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace triggerd {
namespace {

TEST(UserId, AcceptsTheDocumentedAlphabet) {
  for (const char* id : {"alice", "A.b_c-9", "x", "..a", "a.."})
    EXPECT_TRUE(validateUserId(id).ok()) << id;
  EXPECT_TRUE(validateUserId(std::string(64, 'u')).ok());
}

TEST(UserId, RefusesDotSegmentsEmptyLongAndOtherCharacters) {
  for (const std::string& id :
       std::vector<std::string>{"", ".", "..", "a/b", "a b", "ä", std::string(65, 'u'), "a:b"}) {
    auto st = validateUserId(id);
    ASSERT_FALSE(st.ok()) << id;
    EXPECT_EQ(st.error().status, 400);
    EXPECT_EQ(st.error().field, "user");
  }
}

}  // namespace
}  // namespace triggerd
