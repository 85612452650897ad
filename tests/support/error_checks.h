// Checks on the errors triggerd answers with.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace triggerd::testing {

// Every 422 names the field and says how to fix it: "<what is wrong>; <how to fix>".
inline void expectFixableError(const Error& e, std::string_view field,
                               const std::vector<std::string>& fragments) {
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.field, field) << e.message;
  EXPECT_NE(e.message.find("; "), std::string::npos)
      << "message does not say how to fix it: " << e.message;
  for (const auto& f : fragments) {
    EXPECT_NE(e.message.find(f), std::string::npos)
        << "message lacks \"" << f << "\": " << e.message;
  }
}

}  // namespace triggerd::testing
