// Every Redis key triggerd reads or writes, in one place. The prefix is configurable
// (default "triggerd:"); see docs/redis-layout.md for what each key holds.
//
// Hash tags (Redis Cluster). A Lua script or a multi-key command (MGET) runs on one cluster node
// only when all its keys hash to one slot. So every key belongs to a group, the keys that some
// script or multi-key command uses together, and in a cluster (Tags::kCluster, redis.cluster_nodes)
// each key carries its group's hash tag right after the prefix: "triggerd:{queue}:jobs". The
// groups:
//   queue     every key of the job queue: the job stream, dead jobs, the status stream,
//             delivery, push and manual-run dedupe keys, latest-push keys, job records, job
//             logs, users' and triggers' job lists. The enqueue script supersedes older records
//             it reaches by name (not as KEYS), and the status, reclaim, retry and runner scripts
//             take records, logs and streams together: so the whole queue is ONE slot, served
//             by one primary (docs/redis-ha.md, "What a cluster scales").
//   triggers  trigger records and both trigger index sets (create/remove scripts, MGET)
//   sources   source records and the source index set (create/remove scripts, MGET)
//   tokens    API token records, users' token hashes and the runner token hash (mint and revoke
//             scripts; revoke reaches the record by name)
// Keys only ever used alone (OAuth states, leases, manual-run rate counters) carry no tag: they
// spread over the cluster's slots. A new key joins the group of the keys it is used with (build it
// with inGroup()); a key used alone may stay untagged (untagged()). Without a cluster (a single
// Redis, or Sentinel) keys carry no tag at all, so their names do not change; moving a deployment
// onto a cluster therefore renames its keys (docs/redis-ha.md). tests/unit/redis checks that every
// script's keys share one slot.
#pragma once

#include <string>
#include <string_view>

#include "model/provider.h"

namespace triggerd {

class Keys {
 public:
  enum class Tags { kNone, kCluster };
  enum class Group { kQueue, kTriggers, kSources, kTokens };

  explicit Keys(std::string prefix = "triggerd:", Tags tags = Tags::kNone)
      : p_(std::move(prefix)), tags_(tags) {}
  const std::string& prefix() const { return p_; }
  Tags tags() const { return tags_; }

  // Streams
  std::string jobs() const { return inGroup(Group::kQueue, "jobs"); }           // one entry per job
  std::string deadJobs() const { return inGroup(Group::kQueue, "jobs:dead"); }  // past attempts
  std::string status() const { return inGroup(Group::kQueue, "status"); }  // runner -> triggerd
  static constexpr std::string_view kRunnersGroup = "runners";
  static constexpr std::string_view kStatusGroup = "triggerd";  // triggerd reads the status stream
  // The consumer name under which triggerd's reclaim sweep takes over stale jobs.
  static constexpr std::string_view kReclaimer = "triggerd-reclaimer";

  // Deliveries: string, JSON array of the job ids a delivery produced; TTL 72 h. Only for an
  // enqueue without a push key (a spool record of an older version): a webhook delivery is
  // remembered by its push key. Scoped by trigger: GitHub reuses one delivery GUID for every
  // hook subscribed to an event.
  std::string delivery(std::string_view trigger_id, std::string_view delivery_id) const {
    return inGroup(Group::kQueue, "delivery:", trigger_id, ":", delivery_id);
  }

  // Pushes: string, "<JSON array of the job ids>\n<delivery id>" of a push (trigger, ref,
  // commit); TTL queue.delivery_ttl. The same delivery id again is a redelivery; a signed body
  // replayed under a fresh delivery id is a replay; neither builds anything.
  std::string pushSeen(std::string_view trigger_id, std::string_view ref,
                       std::string_view sha) const {
    return inGroup(Group::kQueue, "push:", trigger_id, ":", sha, ":", ref);
  }

  // Triggers: string, the trigger JSON (hook secret sealed).
  std::string trigger(std::string_view id) const {
    return inGroup(Group::kTriggers, "trigger:", id);
  }
  // Set of a user's trigger ids.
  std::string userTriggers(std::string_view user) const {
    return inGroup(Group::kTriggers, "user:", user, ":triggers");
  }
  // Set of every trigger id (reconciler walks it).
  std::string allTriggers() const { return inGroup(Group::kTriggers, "triggers"); }

  // Jobs: hash with the job's state, trigger, ref, sha, updated_at; list of a user's recent ids.
  std::string job(std::string_view id) const { return inGroup(Group::kQueue, "job:", id); }
  std::string userJobs(std::string_view user) const {
    return inGroup(Group::kQueue, "user:", user, ":jobs");
  }
  // List of a trigger's job ids, newest first (its build history); capped.
  std::string triggerJobs(std::string_view trigger_id) const {
    return inGroup(Group::kQueue, "trigger:", trigger_id, ":jobs");
  }
  // Stream of a job's build output, appended by its runner; capped, expires with the record.
  // Queue group: the status and reclaim scripts set its expiry with the record's.
  std::string jobLog(std::string_view id) const {
    return inGroup(Group::kQueue, "job:", id, ":log");
  }
  // String: the ids of the jobs the latest push to (trigger, ref) produced, space-separated;
  // the enqueue script supersedes them when a newer push comes while they are still queued.
  std::string latestJobs(std::string_view trigger_id, std::string_view ref) const {
    return inGroup(Group::kQueue, "latest:", trigger_id, ":", ref);
  }
  // Manual runs: string, the job ids a run with an Idempotency-Key produced (key: its SHA-256
  // hex); TTL as deliveries. Queue group: the enqueue script writes it as its dedupe key.
  std::string runIdempotency(std::string_view trigger_id, std::string_view key_sha256) const {
    return inGroup(Group::kQueue, "run:", trigger_id, ":", key_sha256);
  }
  // Manual runs: integer, runs of a trigger in the current rate window; expires with the window.
  // Used alone: untagged.
  std::string runRate(std::string_view trigger_id) const { return untagged("runs:", trigger_id); }

  // Sources: string, the source JSON (token sealed), one per (user, provider).
  std::string source(std::string_view user, Provider provider) const {
    return inGroup(Group::kSources, "source:", user, ":", providerName(provider));
  }
  // Set of "user:provider" for every bound source (token checker walks it).
  std::string allSources() const { return inGroup(Group::kSources, "sources"); }

  // Leases: string, the owner holding it ("host:pid:random"); expires by itself (store/lease.h).
  std::string lease(std::string_view name) const { return untagged("lease:", name); }

  // OAuth state: string, the user id it was issued to; TTL 10 min, deleted on first use.
  std::string oauthState(std::string_view state) const { return untagged("oauth:state:", state); }

  // OAuth handoff: string, JSON {user, code}: a GitHub code waiting to be redeemed through
  // POST .../sources/github/complete with a token of that user; TTL 10 min, deleted on first use.
  // Used alone: untagged.
  std::string oauthHandoff(std::string_view id) const { return untagged("oauth:handoff:", id); }

  // Console sessions: string, JSON {user, csrf, token, created_at, expires_at}; the key is the
  // SHA-256 hex of the session id (the cookie value); TTL the idle timeout, refreshed on use.
  std::string session(std::string_view sha256_hex) const {
    return untagged("session:", sha256_hex);
  }

  // User-scoped API tokens: string, JSON {user, role}; key is the token's SHA-256 hex.
  std::string apiToken(std::string_view sha256_hex) const {
    return inGroup(Group::kTokens, "token:", sha256_hex);
  }
  // Hash of a user's tokens: id (first 16 hex of the hash) -> full hash, for revocation.
  std::string userTokens(std::string_view user) const {
    return inGroup(Group::kTokens, "user:", user, ":tokens");
  }
  // Hash of runner tokens: id -> full hash, for listing and revocation. Tokens group: the mint
  // and revoke scripts take it with the token records.
  std::string runnerTokens() const { return inGroup(Group::kTokens, "runner-tokens"); }

  // The hash tag a group's keys carry, with its separator ("{queue}:"); empty without a cluster.
  std::string_view tag(Group group) const {
    if (tags_ == Tags::kNone) return {};
    switch (group) {
      case Group::kQueue:
        return "{queue}:";
      case Group::kTriggers:
        return "{triggers}:";
      case Group::kSources:
        return "{sources}:";
      case Group::kTokens:
        return "{tokens}:";
    }
    return {};
  }

  // Builders: prefix, the group's tag (in a cluster), then the parts.
  template <typename... Parts>
  std::string inGroup(Group group, Parts... parts) const {
    std::string s = p_;
    s.append(tag(group));
    (s.append(parts), ...);
    return s;
  }
  template <typename... Parts>
  std::string untagged(Parts... parts) const {
    std::string s = p_;
    (s.append(parts), ...);
    return s;
  }

 private:
  std::string p_;
  Tags tags_;
};

}  // namespace triggerd
