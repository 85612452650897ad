// Bound sources in Redis (keys.h: source:{user}:{provider}, sources) as sealed records: one per
// user and provider. The token is sealed and bound to everything that decides where it is sent
// (user, provider, API URL, CA): a record whose API URL or CA was changed in Redis does not
// open, so a Redis writer cannot redirect a token (docs/security.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "credentials/source.h"
#include "redis/keys.h"
#include "store/sealed_records.h"

namespace triggerd {

class SourceStore {
 public:
  SourceStore(SealedRecords& records, Keys keys);

  // Stores a new binding; 409 when the user already has one for that provider.
  void create(const Source& s, std::function<void(Status)> cb);
  // Changes a stored binding without losing concurrent updates (see TriggerStore::update); 404
  // when it was unbound.
  using Change = std::function<Status(Source&)>;
  void update(const std::string& user, Provider provider, Change change,
              std::function<void(Result<Source>)> cb);
  void get(const std::string& user, Provider provider,
           std::function<void(Result<std::optional<Source>>)> cb);
  void list(const std::string& user, std::function<void(Result<std::vector<Source>>)> cb);
  // Every binding as (user, provider) (the token check walks them).
  void all(std::function<void(Result<std::vector<std::pair<std::string, Provider>>>)> cb);
  // 404 when nothing was bound.
  void remove(const std::string& user, Provider provider, std::function<void(Status)> cb);

  std::string encode(const Source& s) const;
  Result<Source> decode(std::string_view stored) const;
  // True when the stored token is sealed with an older key or an older binding (reseal sweep).
  bool needsReseal(std::string_view stored) const;

  const Keys& keys() const { return keys_; }
  SealedRecords& records() { return records_; }

  // Record format: 2 binds the token to user, provider, API URL and CA; 1 (before) only to the
  // record name. Version 1 records still open and are rewritten by the reseal sweep.
  static constexpr int kFormat = 2;

 private:
  SealedRecords& records_;
  Keys keys_;
};

}  // namespace triggerd
