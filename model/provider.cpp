#include "model/provider.h"

namespace triggerd {

const char* providerName(Provider p) {
  return p == Provider::kGithub ? "github" : "gitlab";
}

const char* providerTitle(Provider p) {
  return p == Provider::kGithub ? "GitHub" : "GitLab";
}

std::optional<Provider> parseProvider(std::string_view name) {
  for (Provider p : kAllProviders)
    if (name == providerName(p)) return p;
  return std::nullopt;
}

}  // namespace triggerd
