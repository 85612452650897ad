#include "jobs/status_poster.h"

#include <algorithm>

#include "common/log.h"
#include "jobs/commit_status.h"
#include "providers/provider_client.h"

namespace triggerd {
namespace {

// Worth another try: the provider or Redis was down, slow or rate limiting.
bool retryable(const Error& e) {
  return e.is(Error::Kind::kUnavailable) || e.is(Error::Kind::kUpstream) ||
         e.is(Error::Kind::kUpstreamTimeout) || e.is(Error::Kind::kInternal);
}

}  // namespace

CommitStatusPoster::CommitStatusPoster(EventLoop& loop, SourceStore& sources, HttpClient& http,
                                       const Clock& clock, Metrics& metrics,
                                       StatusPosterOptions options)
    : loop_(loop),
      sources_(sources),
      http_(http),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)) {
  constexpr const char* kOutcomeNames[] = {"posted", "failed", "retried", "skipped", "dropped"};
  static_assert(std::size(kOutcomeNames) == static_cast<size_t>(Outcome::kCount));
  for (Provider p : kAllProviders) {
    for (size_t o = 0; o < std::size(kOutcomeNames); ++o) {
      counters_[static_cast<size_t>(p)][o] =
          metrics_.series("triggerd_commit_statuses_total",
                          {{"provider", providerName(p)}, {"outcome", kOutcomeNames[o]}});
    }
  }
}

CommitStatusPoster::~CommitStatusPoster() = default;

void CommitStatusPoster::count(const JobRecord& r, Outcome outcome) {
  counters_[static_cast<size_t>(r.provider)][static_cast<size_t>(outcome)].inc();
}

std::string CommitStatusPoster::accountKey(const JobRecord& r) {
  return std::string(providerName(r.provider)) + ':' + r.user;
}

bool CommitStatusPoster::knownUnbound(const JobRecord& r) {
  if (unbound_until_.empty()) return false;
  auto it = unbound_until_.find(accountKey(r));
  if (it == unbound_until_.end()) return false;
  if (clock_.monotonic() < it->second) return true;
  unbound_until_.erase(it);
  return false;
}

void CommitStatusPoster::post(const JobEvent& event) {
  if (!options_.enabled) return;
  const std::string& id = event.record.id;
  if (!slots_.count(id) && knownUnbound(event.record))
    return count(event.record, Outcome::kSkipped);
  auto it = slots_.find(id);
  if (it != slots_.end()) {
    Slot& slot = it->second;
    if (slot.in_flight) {
      slot.next = event;  // posted once the one in flight is done
      return;
    }
    // Waiting (ready or backing off): the newer state takes its place.
    slot.event = event;
    slot.attempt = 0;
    if (slot.retry) slot.retry->disarm();
    if (!slot.ready) {
      slot.ready = true;
      ready_.push_back(id);
    }
    return pump();
  }
  if (slots_.size() >= options_.max_pending) {
    TLOG_WARN("statuses", "job=%s state=%s pending=%zu commit status dropped: too many waiting",
              id.c_str(), jobStateName(event.record.state), slots_.size());
    return count(event.record, Outcome::kDropped);
  }
  Slot& slot = slots_[id];
  slot.event = event;
  slot.ready = true;
  ready_.push_back(id);
  pump();
}

void CommitStatusPoster::pump() {
  while (in_flight_ < options_.concurrency && !ready_.empty()) {
    std::string id = std::move(ready_.front());
    ready_.pop_front();
    auto it = slots_.find(id);
    if (it == slots_.end() || !it->second.ready) continue;
    it->second.ready = false;
    send(id);
  }
}

void CommitStatusPoster::send(const std::string& job_id) {
  Slot& slot = slots_.at(job_id);
  slot.in_flight = true;
  ++in_flight_;
  const JobRecord& r = slot.event.record;
  CommitStatus status = commitStatusFor(slot.event, options_.target_url);
  std::weak_ptr<bool> alive = alive_;
  sources_.get(r.user, r.provider,
               [this, alive, job_id, status, record = r](Result<std::optional<Source>> source) {
                 if (alive.expired()) return;
                 if (!source.ok()) return sent(job_id, source.error());
                 if (!source->has_value()) return unbound(job_id);
                 std::shared_ptr<ProviderClient> client =
                     makeProviderClient((*source)->endpoint(), http_, options_.client, clock_);
                 auto call =
                     client->postCommitStatus((*source)->token, record.repo, record.sha, status,
                                              [this, alive, job_id, client](Status done) {
                                                if (alive.expired()) return;
                                                sent(job_id, done);
                                              });
                 if (!call.ok()) sent(job_id, call.error());
               });
}

void CommitStatusPoster::sent(const std::string& job_id, const Status& outcome) {
  auto it = slots_.find(job_id);
  if (it == slots_.end()) return;
  Slot& slot = it->second;
  slot.in_flight = false;
  --in_flight_;
  const JobRecord& r = slot.event.record;
  const char* state = jobStateName(r.state);
  if (outcome.ok()) {
    TLOG_DEBUG("statuses", "job=%s state=%s sha=%s commit status set", job_id.c_str(), state,
               r.sha.c_str());
    count(r, Outcome::kPosted);
    return next(job_id, slot);
  }
  const Error& e = outcome.error();
  ++slot.attempt;
  if (!retryable(e) || slot.attempt >= options_.max_attempts || slot.next) {
    // A newer state is waiting: it replaces this one instead of a retry.
    if (!slot.next) {
      TLOG_WARN("statuses", "job=%s state=%s attempts=%d reason=%s commit status not set",
                job_id.c_str(), state, slot.attempt, log::logValue(e.message, 300).c_str());
      count(r, Outcome::kFailed);
    }
    return next(job_id, slot);
  }
  count(r, Outcome::kRetried);
  auto delay =
      std::min(options_.max_retry, options_.first_retry * (1 << std::min(slot.attempt - 1, 16)));
  TLOG_INFO("statuses", "job=%s state=%s attempt=%d retry_ms=%lld reason=%s commit status retry",
            job_id.c_str(), state, slot.attempt, static_cast<long long>(delay.count()),
            log::logValue(e.message, 200).c_str());
  if (!slot.retry) {
    slot.retry = loop_.createTimer([this, job_id] {
      auto found = slots_.find(job_id);
      if (found == slots_.end() || found->second.ready || found->second.in_flight) return;
      found->second.ready = true;
      ready_.push_back(job_id);
      pump();
    });
  }
  slot.retry->arm(delay);
  pump();
}

// The job's user has no account of the job's provider bound (a hand-made hook, or one unbound
// since): there is nothing to post with, on every push. Counted and logged at debug level, not
// warned about once per job state.
void CommitStatusPoster::unbound(const std::string& job_id) {
  auto it = slots_.find(job_id);
  if (it == slots_.end()) return;
  Slot& slot = it->second;
  slot.in_flight = false;
  --in_flight_;
  const JobRecord& r = slot.event.record;
  if (unbound_until_.size() >= 10000) unbound_until_.clear();  // bounded; a miss costs a lookup
  unbound_until_[accountKey(r)] = clock_.monotonic() + options_.unbound_recheck;
  TLOG_DEBUG("statuses", "job=%s state=%s user=%s no %s account bound: commit status skipped",
             job_id.c_str(), jobStateName(r.state), r.user.c_str(), providerName(r.provider));
  count(r, Outcome::kSkipped);
  next(job_id, slot);
}

void CommitStatusPoster::next(const std::string& job_id, Slot& slot) {
  if (slot.next) {
    slot.event = std::move(*slot.next);
    slot.next.reset();
    slot.attempt = 0;
    slot.ready = true;
    ready_.push_back(job_id);
  } else {
    slots_.erase(job_id);
  }
  pump();
}

}  // namespace triggerd
