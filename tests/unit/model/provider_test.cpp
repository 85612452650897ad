#include "model/provider.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

TEST(Provider, NamesRoundTripAndOnlyExactNamesParse) {
  for (Provider p : kAllProviders) EXPECT_EQ(parseProvider(providerName(p)), p);
  EXPECT_STREQ(providerName(Provider::kGithub), "github");
  EXPECT_STREQ(providerTitle(Provider::kGitlab), "GitLab");
  EXPECT_FALSE(parseProvider("GitHub").has_value());
  EXPECT_FALSE(parseProvider("bitbucket").has_value());
  EXPECT_FALSE(parseProvider("").has_value());
}

}  // namespace
}  // namespace triggerd
