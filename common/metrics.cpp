#include "common/metrics.h"

#include <cstdio>

#include "common/log.h"

namespace triggerd {
namespace {

struct FamilySpec {
  const char* name;
  const char* type;
  const char* help;
};

// Every metric triggerd exports, in one table.
constexpr FamilySpec kFamilies[] = {
    {"triggerd_http_requests_total", "counter",
     "HTTP requests answered, by listener, route and status."},
    {"triggerd_http_rejected_total", "counter",
     "Requests and connections refused before routing, by reason (docs/http-limits.md lists "
     "them)."},
    {"triggerd_http_connections", "gauge", "Open HTTP connections."},
    {"triggerd_webhook_deliveries_total", "counter",
     "Webhook deliveries by provider and outcome (enqueued, duplicate, ignored, rejected)."},
    {"triggerd_webhook_rejections_total", "counter",
     "Webhook deliveries refused, by provider and reason."},
    {"triggerd_spool_replayed_enqueues_total", "counter",
     "Spooled deliveries handed back to Redis, by outcome (enqueued; duplicate: Redis had them "
     "already, the enqueue was in doubt when they were spooled; replay)."},
    {"triggerd_webhook_replays_total", "counter",
     "Verified deliveries answered as replays, by provider and kind (stale: the push is older "
     "than the delivery window; same_push: the push came before under another delivery id)."},
    {"triggerd_rule_compilations_total", "counter",
     "Trigger rule sets compiled for verified deliveries (cache misses)."},
    {"triggerd_jobs_enqueued_total", "counter",
     "Build jobs written to the job stream, by provider."},
    {"triggerd_webhook_latency_seconds", "histogram",
     "Time from a delivery's arrival to its answer."},
    {"triggerd_redis_connected", "gauge", "1 while the Redis connection is up."},
    {"triggerd_redis_errors_total", "counter",
     "Redis command failures, by kind (timeout, disconnected, unavailable, reply, "
     "connect_failed, auth_failed, not_primary, discovery_failed, replication_short)."},
    {"triggerd_redis_primary_changes_total", "counter",
     "Sentinel: connections made to another primary than the previous one (failovers "
     "followed)."},
    {"triggerd_redis_redirects_total", "counter",
     "Redis Cluster: redirections followed, by kind (moved, ask)."},
    {"triggerd_redis_slot_map_refreshes_total", "counter",
     "Redis Cluster: slot maps read with CLUSTER SLOTS."},
    {"triggerd_api_errors_total", "counter",
     "Admin API requests refused before their handler, by reason (unauthenticated, "
     "forbidden)."},
    {"triggerd_outbound_requests_total", "counter",
     "Outbound provider HTTP requests, by outcome: the status class (2xx..5xx) of an answer, or "
     "timeout, refused (address guard) or failed (DNS, connect, TLS, size cap)."},
    {"triggerd_ssrf_refusals_total", "counter",
     "Outbound connections refused by the address guard."},
    {"triggerd_sources", "gauge", "Bound sources, by provider and state."},
    {"triggerd_tokens_expiring", "gauge", "Source tokens that expire within the warning window."},
    {"triggerd_token_checks_total", "counter",
     "Token re-validations, by provider and resulting state."},
    {"triggerd_token_check_passes_total", "counter",
     "Token check passes in this process, by outcome: completed, elsewhere (another triggerd "
     "process ran or runs it), failed (Redis)."},
    {"triggerd_oauth_callbacks_total", "counter",
     "GitHub OAuth callbacks, by outcome (bound; handed_off to github.oauth_handoff_url; "
     "unproven: the browser was not signed in to the console as the flow's user; refused)."},
    {"triggerd_console_sign_ins_total", "counter",
     "Console sign-ins and sign-outs, by outcome (signed_in, refused, signed_out)."},
    {"triggerd_config_reloads_total", "counter", "Configuration reloads, by outcome."},
    {"triggerd_spool_records", "gauge", "Spooled deliveries waiting for replay."},
    {"triggerd_spool_bytes", "gauge", "Bytes of spool segment files on disk."},
    {"triggerd_spool_oldest_age_seconds", "gauge",
     "Age of the oldest spooled delivery waiting for replay; 0 when none waits."},
    {"triggerd_spool_writable", "gauge",
     "1 while the spool accepts deliveries: its last write succeeded and it is not full."},
    {"triggerd_spool_appends_total", "counter",
     "Deliveries offered to the spool, by outcome (durable, full, too_large, backlog, error)."},
    {"triggerd_spool_syncs_total", "counter",
     "Spool writes made durable with fdatasync; each covers every append that waited for it."},
    {"triggerd_spool_replayed_total", "counter",
     "Spooled deliveries replayed and acknowledged (their jobs reached Redis)."},
    {"triggerd_spool_expired_total", "counter",
     "Spooled deliveries older than spool.max_age, moved to the expired file instead of replayed."},
    {"triggerd_spool_torn_records_total", "counter",
     "Torn tails (a write cut short by a crash, never acknowledged) cut off spool segments."},
    {"triggerd_spool_corrupt_records_total", "counter",
     "Stretches of spool segments that failed their checksum or framing and were skipped."},
    // triggerd-runner (runner.metrics_listen); it also exports triggerd_redis_* of its own.
    {"triggerd_runner_jobs_total", "counter",
     "Jobs a runner finished, by outcome (success, failure, canceled)."},
    {"triggerd_runner_jobs_running", "gauge", "Jobs a runner has in hand."},
    {"triggerd_runner_jobs_left_pending_total", "counter",
     "Claimed entries a runner left pending, by reason (unknown_schema, undecodable): "
     "triggerd's reclaim moves them on."},
    {"triggerd_runner_jobs_refused_total", "counter",
     "Jobs a runner refused to build (a path outside the checkout, a non-http(s) clone URL, "
     "...), by the job field at fault; reported as failures."},
    {"triggerd_runner_claims_lost_total", "counter",
     "Jobs whose entry a keep-alive or the final report found reclaimed by triggerd."},
    {"triggerd_runner_credential_requests_total", "counter",
     "Clone credential requests to triggerd, by outcome (ok, refused, failed)."},
    {"triggerd_runner_log_chunks_lost_total", "counter",
     "Build output chunks that could not be written to a job's log stream."},
    {"triggerd_hook_operations_total", "counter",
     "Hook work on one trigger, by action (install, check, repair, rotate, remove) and outcome "
     "(ok, repaired, problems, failed)."},
    {"triggerd_hook_redeliveries_total", "counter",
     "Failed deliveries triggerd asked a provider to send again, by provider."},
    {"triggerd_hook_reconciles_total", "counter",
     "Periodic hook reconciliation passes, by outcome (ran, failures, skipped: another triggerd "
     "process held the lease)."},
    {"triggerd_provider_rate_limit_pauses_total", "counter",
     "Times a provider budget (host and token) was paused because an answer said it was spent "
     "or rate limited."},
    {"triggerd_provider_requests_retried_total", "counter",
     "Rate-limited provider requests sent again once the pause ended."},
    {"triggerd_provider_requests_refused_total", "counter",
     "Provider requests answered 429 by triggerd itself because their budget was paused and "
     "they could not wait."},
    {"triggerd_provider_requests_waiting", "gauge",
     "Provider requests waiting for a paused budget."},
    {"triggerd_status_reports_total", "counter",
     "Runner state reports read from the status stream, by outcome (applied; stale: for an "
     "attempt the job is no longer at; final: the job had ended; missing: no such job; invalid: "
     "unusable fields, dropped)."},
    {"triggerd_jobs_reclaimed_total", "counter",
     "Jobs taken back from runners that stopped answering, by outcome (requeued, dead, finished: "
     "the job had ended or was gone)."},
    {"triggerd_commit_statuses_total", "counter",
     "Commit statuses, by provider and outcome (posted, retried, failed, dropped, skipped: the "
     "job's user has no account of the provider bound)."},
    {"triggerd_clone_credentials_total", "counter",
     "Clone credentials, by provider and outcome (issued, refused, revoked, revoke_failed)."},
    {"triggerd_manual_runs_total", "counter",
     "Manual runs of triggers, by outcome (enqueued, duplicate: an Idempotency-Key seen before, "
     "refused)."},
};

constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                               0.1,    0.25,  0.5,    1,     2.5,  5,     10};

std::string escapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string baseName(std::string_view key) {
  auto brace = key.find('{');
  return std::string(key.substr(0, brace));
}

}  // namespace

Metrics::Metrics() {
  for (const auto& f : kFamilies) families_.emplace(f.name, Family{f.type, f.help});
}

std::string Metrics::seriesKey(std::string_view name, const Labels& labels) {
  std::string key(name);
  if (labels.empty()) return key;
  key += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) key += ',';
    key += labels[i].first;
    key += "=\"";
    key += escapeLabel(labels[i].second);
    key += '"';
  }
  key += '}';
  return key;
}

void Metrics::inc(std::string_view name, const Labels& labels, uint64_t by) {
  if (families_.find(name) == families_.end()) {
    TLOG_ERROR("metrics", "name=%.*s unregistered counter", static_cast<int>(name.size()),
               name.data());
    return;
  }
  counters_[seriesKey(name, labels)] += by;
}

Metrics::Counter Metrics::series(std::string_view name, const Labels& labels) {
  Counter c;
  if (families_.find(name) == families_.end()) {
    TLOG_ERROR("metrics", "name=%.*s unregistered counter", static_cast<int>(name.size()),
               name.data());
    return c;
  }
  c.metrics_ = this;
  c.key_ = seriesKey(name, labels);
  return c;
}

void Metrics::set(std::string_view name, const Labels& labels, double value) {
  gauges_[seriesKey(name, labels)] = value;
}

void Metrics::gaugeFn(std::string_view name, std::function<double()> fn) {
  gauge_fns_[std::string(name)] = std::move(fn);
}

void Metrics::counterFn(std::string_view name, const Labels& labels, std::function<uint64_t()> fn) {
  counter_fns_[seriesKey(name, labels)] = std::move(fn);
}

void Metrics::observe(std::string_view name, double seconds) {
  auto& h = histograms_[std::string(name)];
  if (h.buckets.empty()) h.buckets.assign(std::size(kBuckets), 0);
  for (size_t i = 0; i < std::size(kBuckets); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

uint64_t Metrics::counter(std::string_view name, const Labels& labels) const {
  auto it = counters_.find(seriesKey(name, labels));
  return it == counters_.end() ? 0 : it->second;
}

std::string Metrics::render() const {
  std::string out;
  char num[64];
  for (const auto& [name, fam] : families_) {
    out += "# HELP " + name + " " + fam.help + "\n";
    out += "# TYPE " + name + " " + fam.type + "\n";
    if (fam.type == "counter") {
      bool any = false;
      for (auto it = counters_.lower_bound(name); it != counters_.end(); ++it) {
        if (baseName(it->first) != name) break;
        snprintf(num, sizeof num, "%llu", static_cast<unsigned long long>(it->second));
        out += it->first + " " + num + "\n";
        any = true;
      }
      for (auto it = counter_fns_.lower_bound(name); it != counter_fns_.end(); ++it) {
        if (baseName(it->first) != name) break;
        snprintf(num, sizeof num, "%llu", static_cast<unsigned long long>(it->second()));
        out += it->first + " " + num + "\n";
        any = true;
      }
      if (!any) out += name + " 0\n";
    } else if (fam.type == "gauge") {
      if (auto fn = gauge_fns_.find(name); fn != gauge_fns_.end()) {
        snprintf(num, sizeof num, "%g", fn->second());
        out += name + " " + num + "\n";
      }
      for (auto it = gauges_.lower_bound(name); it != gauges_.end(); ++it) {
        if (baseName(it->first) != name) break;
        snprintf(num, sizeof num, "%g", it->second);
        out += it->first + " " + num + "\n";
      }
    } else if (fam.type == "histogram") {
      auto it = histograms_.find(name);
      Histogram empty;
      empty.buckets.assign(std::size(kBuckets), 0);
      const Histogram& h = it == histograms_.end() ? empty : it->second;
      for (size_t i = 0; i < std::size(kBuckets); ++i) {
        snprintf(num, sizeof num, "%g", kBuckets[i]);
        out += name + "_bucket{le=\"" + num + "\"} " + std::to_string(h.buckets[i]) + "\n";
      }
      out += name + "_bucket{le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      snprintf(num, sizeof num, "%g", h.sum);
      out += name + "_sum " + num + "\n";
      out += name + "_count " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace triggerd
