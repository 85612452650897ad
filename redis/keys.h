// Every Redis key triggerd reads or writes, in one place. The prefix is configurable
// (default "triggerd:"); see docs/redis-layout.md for what each key holds.
#pragma once

#include <string>
#include <string_view>

#include "model/provider.h"

namespace triggerd {

class Keys {
 public:
  explicit Keys(std::string prefix = "triggerd:") : p_(std::move(prefix)) {}
  const std::string& prefix() const { return p_; }

  // Streams
  std::string jobs() const { return p_ + "jobs"; }           // one entry per job, field "job"
  std::string deadJobs() const { return p_ + "jobs:dead"; }  // jobs past max_attempts
  std::string status() const { return p_ + "status"; }       // runner -> triggerd state changes
  static constexpr std::string_view kRunnersGroup = "runners";
  static constexpr std::string_view kStatusGroup = "triggerd";  // triggerd reads the status stream
  // The consumer name under which triggerd's reclaim sweep takes over stale jobs.
  static constexpr std::string_view kReclaimer = "triggerd-reclaimer";

  // Deliveries: string, JSON array of the job ids a delivery produced; TTL 72 h.
  // Scoped by trigger: GitHub reuses one delivery GUID for every hook subscribed to an event.
  std::string delivery(std::string_view trigger_id, std::string_view delivery_id) const {
    return cat("delivery:", trigger_id, ":", delivery_id);
  }

  // Pushes: string, JSON array of the job ids a push (trigger, ref, commit) produced; TTL as the
  // delivery key. A signed body replayed under a fresh delivery id finds it and builds nothing.
  std::string pushSeen(std::string_view trigger_id, std::string_view ref,
                       std::string_view sha) const {
    return cat("push:", trigger_id, ":", sha, ":", ref);
  }

  // Triggers: string, the trigger JSON (hook secret sealed).
  std::string trigger(std::string_view id) const { return cat("trigger:", id); }
  // Set of a user's trigger ids.
  std::string userTriggers(std::string_view user) const { return cat("user:", user, ":triggers"); }
  // Set of every trigger id (reconciler walks it).
  std::string allTriggers() const { return p_ + "triggers"; }

  // Jobs: hash with the job's state, trigger, ref, sha, updated_at; list of a user's recent ids.
  std::string job(std::string_view id) const { return cat("job:", id); }
  std::string userJobs(std::string_view user) const { return cat("user:", user, ":jobs"); }
  // List of a trigger's job ids, newest first (its build history); capped.
  std::string triggerJobs(std::string_view trigger_id) const {
    return cat("trigger:", trigger_id, ":jobs");
  }
  // Stream of a job's build output, appended by its runner; capped, expires with the record.
  std::string jobLog(std::string_view id) const { return cat("job:", id, ":log"); }
  // String: the ids of the jobs the latest push to (trigger, ref) produced, space-separated;
  // the enqueue script supersedes them when a newer push comes while they are still queued.
  std::string latestJobs(std::string_view trigger_id, std::string_view ref) const {
    return cat("latest:", trigger_id, ":", ref);
  }
  // Manual runs: string, the job ids a run with an Idempotency-Key produced (key: its SHA-256
  // hex); TTL as deliveries.
  std::string runIdempotency(std::string_view trigger_id, std::string_view key_sha256) const {
    return cat("run:", trigger_id, ":", key_sha256);
  }
  // Manual runs: integer, runs of a trigger in the current rate window; expires with the window.
  std::string runRate(std::string_view trigger_id) const { return cat("runs:", trigger_id); }

  // Sources: string, the source JSON (token sealed), one per (user, provider).
  std::string source(std::string_view user, Provider provider) const {
    return cat("source:", user, ":", providerName(provider));
  }
  // Set of "user:provider" for every bound source (token checker walks it).
  std::string allSources() const { return p_ + "sources"; }

  // Leases: string, the owner holding it ("host:pid:random"); expires by itself (store/lease.h).
  std::string lease(std::string_view name) const { return cat("lease:", name); }

  // OAuth state: string, the user id it was issued to; TTL 10 min, deleted on first use.
  std::string oauthState(std::string_view state) const { return cat("oauth:state:", state); }

  // User-scoped API tokens: string, JSON {user, role}; key is the token's SHA-256 hex.
  std::string apiToken(std::string_view sha256_hex) const { return cat("token:", sha256_hex); }
  // Hash of a user's tokens: id (first 16 hex of the hash) -> full hash, for revocation.
  std::string userTokens(std::string_view user) const { return cat("user:", user, ":tokens"); }
  // Hash of runner tokens: id -> full hash, for listing and revocation.
  std::string runnerTokens() const { return p_ + "runner-tokens"; }

 private:
  template <typename... Parts>
  std::string cat(Parts... parts) const {
    std::string s = p_;
    (s.append(parts), ...);
    return s;
  }
  std::string p_;
};

}  // namespace triggerd
