// The Git providers triggerd serves. Every model (trigger, source, job, delivery) carries one of
// these; its text form appears only at the edges (JSON, Redis keys, URLs, metrics labels).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace triggerd {

enum class Provider {
  kGithub,  // github.com or GitHub Enterprise Server
  kGitlab,  // any GitLab server (gitlab.com or self-managed)
};

inline constexpr std::array<Provider, 2> kAllProviders{Provider::kGithub, Provider::kGitlab};

// "github" | "gitlab": the form used in the API, job JSON, Redis keys and metrics.
const char* providerName(Provider p);
// "GitHub" | "GitLab": for messages people read.
const char* providerTitle(Provider p);
// The provider named `name` exactly ("github" or "gitlab"); nullopt for anything else.
std::optional<Provider> parseProvider(std::string_view name);

}  // namespace triggerd
