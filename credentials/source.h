// A source: a user's bound account on one provider, with its token (sealed at rest).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "crypto/secure_memory.h"
#include "model/provider.h"
#include "providers/provider_client.h"

namespace triggerd {

enum class SourceState {
  kValid,     // the provider accepts the token and it has the scopes triggerd needs
  kExpiring,  // valid, but expires within the warning window
  kExpired,   // past its expiry date
  kRevoked,   // the provider refuses it, or it lost a required scope
};
const char* sourceStateName(SourceState s);

struct Source {
  std::string user;
  Provider provider = Provider::kGithub;
  std::string api_url;  // GitHub API base (api.github.com or GHES /api/v3); GitLab server root
  std::string login;
  std::string account_id;
  SecretString token;  // in memory only (secure memory); sealed at rest
  std::vector<std::string> scopes;
  std::optional<int64_t> expires_at;  // unix seconds
  int64_t bound_at = 0;
  int64_t checked_at = 0;
  std::string ca_pem;          // GitLab behind a private CA
  bool revoked = false;        // set by the token check
  std::string revoked_reason;  // why, for the API and logs

  SourceState state(int64_t now, int64_t warning_seconds) const;
  ProviderEndpoint endpoint() const { return ProviderEndpoint{provider, api_url, ca_pem}; }
};

// The API view of a source: never the token or the CA.
void writeSourcePublic(json::Writer& w, const Source& s, int64_t now, int64_t warning_seconds);

}  // namespace triggerd
