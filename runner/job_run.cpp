#include "runner/job_run.h"

#include <algorithm>
#include <cstdio>

#include "common/log.h"

namespace triggerd {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kRetryDelay{2000};        // Redis calls that failed for lack of Redis
constexpr milliseconds kCleanupTimeout{300000};  // each cleanup command
constexpr int kCredentialAttempts = 3;

std::string seconds(steady_clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs",
                static_cast<double>(std::chrono::duration_cast<milliseconds>(d).count()) / 1000.0);
  return buf;
}

std::string formatTimeout(milliseconds d) {
  auto s = d.count() / 1000;
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

// A word of a command as a shell would need it quoted, for the log only.
std::string shellWord(const std::string& w) {
  bool plain = !w.empty() && w.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos;
  if (plain) return w;
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool worthRetrying(const Error& e) {
  return e.is(Error::Kind::kUpstream) || e.is(Error::Kind::kUpstreamTimeout) ||
         e.is(Error::Kind::kUnavailable);
}

}  // namespace

const char* jobEndName(JobEnd end) {
  switch (end) {
    case JobEnd::kSuccess:
      return "success";
    case JobEnd::kFailure:
      return "failure";
    case JobEnd::kCanceled:
      return "canceled";
  }
  return "failure";
}

JobRun::JobRun(Deps deps, ClaimedEntry entry, Job job, DoneFn done)
    : deps_(deps), entry_(std::move(entry)), job_(std::move(job)), done_(std::move(done)) {
  log_ = std::make_unique<JobLog>(deps_.loop, deps_.queue, job_.id, deps_.settings.log_chunk_bytes,
                                  deps_.settings.log_flush_interval);
  log_->setOnRoom([this] {
    if (child_) child_->resumeOutput();
  });
  keepalive_timer_ = deps_.loop.createTimer([this] { keepAlive(); });
  retry_timer_ = deps_.loop.createTimer([this] {
    auto fn = retry_;  // a copy: the step may schedule the next retry
    if (fn) fn();
  });
}

void JobRun::retryIn(milliseconds delay, std::function<void()> fn) {
  retry_ = std::move(fn);
  retry_timer_->arm(delay);
}

JobRun::~JobRun() = default;

std::string JobRun::now() const {
  return formatRfc3339(deps_.clock.now());
}

milliseconds JobRun::remaining() const {
  auto left = std::chrono::duration_cast<milliseconds>(deadline_ - steady_clock::now());
  return std::max(left, milliseconds(1));
}

std::string JobRun::describeCommand(const ProcessSpec& spec) const {
  std::string out;
  for (const auto& w : spec.argv) out += (out.empty() ? "" : " ") + shellWord(w);
  return out;
}

// ---- the steps ----

void JobRun::begin() {
  TLOG_INFO("runner", "job=%s entry=%s attempt=%d image=%s claimed", job_.id.c_str(),
            entry_.entry_id.c_str(), job_.attempt, log::logValue(job_.image).c_str());
  std::weak_ptr<bool> alive = alive_;
  deps_.queue.start(job_.id, job_.attempt, now(), [this, alive](Result<StartOutcome> r) {
    if (!alive.expired()) onStarted(std::move(r));
  });
}

void JobRun::onStarted(Result<StartOutcome> r) {
  if (!r.ok()) {
    if (!abort_reason_.empty()) return done();  // never started: triggerd reclaims the entry
    TLOG_WARN("runner", "job=%s reason=%s start script failed; retrying", job_.id.c_str(),
              log::logValue(r.error().message, 200).c_str());
    retryIn(kRetryDelay, [this] { begin(); });
    return;
  }
  switch (*r) {
    case StartOutcome::kSuperseded:
      return finish(JobEnd::kCanceled, "superseded");
    case StartOutcome::kCanceled:
      return finish(JobEnd::kCanceled, "canceled");
    case StartOutcome::kMissing:
      TLOG_WARN("runner", "job=%s reason=missing_record the job record is gone; not building",
                job_.id.c_str());
      return finish(JobEnd::kCanceled, "job record missing (expired or deleted): nothing built");
    case StartOutcome::kMoved:
      return acknowledgeOnly("taken back and queued as another attempt");
    case StartOutcome::kEnded:
      return acknowledgeOnly("the job already ended");
    case StartOutcome::kRunning:
      break;
  }
  started_ = true;
  deadline_ = steady_clock::now() + deps_.settings.build_timeout;
  keepalive_timer_->arm(deps_.settings.keepalive_interval);
  log_->note("==> job " + job_.id + " attempt " + std::to_string(job_.attempt) + " on " +
             deps_.queue.consumer() + ": " + job_.repository.full_name + " " + job_.commit.sha);
  check();
}

void JobRun::check() {
  if (!abort_reason_.empty()) return finish(JobEnd::kFailure, abort_reason_);
  if (auto st = checkJobBuildable(job_); !st.ok()) {
    TLOG_WARN("runner", "job=%s field=%s reason=refused %s", job_.id.c_str(),
              st.error().field.c_str(), log::logValue(st.error().message, 200).c_str());
    // The field's top level only ("build_args", not the job's own argument names): a label
    // value set the jobs cannot grow.
    std::string field = st.error().field.substr(0, st.error().field.find_first_of(".["));
    deps_.metrics.inc("triggerd_runner_jobs_refused_total", {{"field", field}});
    return finish(JobEnd::kFailure, "job refused: " + st.error().field + ": " + st.error().message);
  }
  plan_ = planJob(job_, deps_.settings.plan);
  for (const auto& s : plan_.checkout) steps_.push_back(&s);
  for (const auto& s : plan_.build) steps_.push_back(&s);
  if (job_.repository.is_private) return fetchCredentials();
  runStep();
}

void JobRun::fetchCredentials() {
  if (!abort_reason_.empty()) return finish(JobEnd::kFailure, abort_reason_);
  ++credential_attempts_;
  std::weak_ptr<bool> alive = alive_;
  Status st =
      deps_.credentials.fetch(job_.id, job_.attempt, [this, alive](Result<CloneCredentials> r) {
        if (!alive.expired()) onCredentials(std::move(r));
      });
  if (!st.ok()) finish(JobEnd::kFailure, "clone credentials: " + st.error().message);
}

void JobRun::onCredentials(Result<CloneCredentials> r) {
  if (!abort_reason_.empty()) return finish(JobEnd::kFailure, abort_reason_);
  deps_.metrics.inc("triggerd_runner_credential_requests_total",
                    {{"outcome", r.ok()                     ? "ok"
                                 : worthRetrying(r.error()) ? "failed"
                                                            : "refused"}});
  if (!r.ok()) {
    const Error& e = r.error();
    TLOG_WARN("runner", "job=%s attempt=%d reason=%s clone credentials refused or unavailable",
              job_.id.c_str(), credential_attempts_, log::logValue(e.message, 300).c_str());
    if (worthRetrying(e) && credential_attempts_ < kCredentialAttempts) {
      retryIn(milliseconds(1000 * credential_attempts_), [this] { fetchCredentials(); });
      return;
    }
    return finish(JobEnd::kFailure, "clone credentials: " + e.message);
  }
  credentials_ = std::move(r).value();
  log_->note("==> clone credentials received" +
             (credentials_->expires_at.empty()
                  ? std::string()
                  : " (valid until " + credentials_->expires_at + ")"));
  runStep();
}

void JobRun::runStep() {
  if (!abort_reason_.empty()) return finish(JobEnd::kFailure, abort_reason_);
  if (next_step_ == steps_.size()) return finish(JobEnd::kSuccess, "");
  ProcessSpec spec = *steps_[next_step_];
  log_->note("==> " + spec.label + ": " + describeCommand(spec));
  if (next_step_ == plan_.fetch_step && credentials_) {
    for (auto& kv : gitCredentialEnv(credentials_->username, credentials_->password))
      spec.env.push_back(std::move(kv));
  }
  auto started = steady_clock::now();
  std::string label = spec.label;
  child_ = std::make_unique<ChildProcess>(
      deps_.loop, deps_.reaper,
      [this](std::string_view bytes) {
        log_->append(bytes);
        if (log_->congested() && child_) child_->pauseOutput();
      },
      [this, label, started](ChildProcess::Outcome o) {
        deps_.loop.deferredDelete(std::move(child_));
        onStepDone(label, o, started);
      });
  if (auto st = child_->start(spec, remaining(), deps_.settings.kill_grace); !st.ok()) {
    child_.reset();
    return finish(JobEnd::kFailure, spec.label + ": " + st.error().message);
  }
}

void JobRun::onStepDone(const std::string& label, ChildProcess::Outcome o,
                        steady_clock::time_point started) {
  log_->note("==> " + label + ": " + o.describe() + " after " +
             seconds(steady_clock::now() - started));
  if (next_step_ == plan_.fetch_step) credentials_.reset();  // used once, then dropped
  if (o.ok()) {
    ++next_step_;
    return runStep();
  }
  std::string headline;
  if (!abort_reason_.empty()) {
    headline = abort_reason_ + " during " + label;
  } else if (o.stopped) {
    headline = "timed out after " + formatTimeout(deps_.settings.build_timeout) +
               " (build.timeout) during " + label;
  } else {
    headline = label + " failed (" + o.describe() + ")";
  }
  // The headline first, then as many of the last output lines as the message has room for.
  size_t room = RunnerQueue::kMaxMessageBytes - std::min(headline.size() + 1, size_t{512});
  finish(JobEnd::kFailure, headline + "\n" + log_->tail(room));
}

void JobRun::finish(JobEnd end, std::string message) {
  if (reporting_) return;
  reporting_ = true;
  retry_timer_->disarm();
  end_ = end;
  message_ = std::move(message);
  log_->note("==> " + std::string(jobEndName(end)) +
             (message_.empty() ? "" : ": " + message_.substr(0, message_.find('\n'))));
  std::weak_ptr<bool> alive = alive_;
  log_->flush([this, alive] {
    if (!alive.expired()) report();
  });
}

void JobRun::acknowledgeOnly(std::string reason) {
  TLOG_INFO("runner", "job=%s attempt=%d reason=%s not building; acknowledging the entry",
            job_.id.c_str(), job_.attempt, log::logValue(reason, 200).c_str());
  reporting_ = true;
  silent_ = true;
  end_ = JobEnd::kCanceled;
  message_ = std::move(reason);
  report();
}

void JobRun::report() {
  StatusReport r{job_.id, jobEndName(end_), job_.attempt, message_, now()};
  if (silent_) r.state.clear();  // the protocol: acknowledge and delete, report nothing
  std::weak_ptr<bool> alive = alive_;
  deps_.queue.finish(entry_.entry_id, r, [this, alive](Result<bool> acked) {
    if (!alive.expired()) onReported(std::move(acked));
  });
}

void JobRun::onReported(Result<bool> acked) {
  if (!acked.ok()) {
    // The build is done; only Redis is missing. The entry stays ours (keep-alives go on)
    // until the report gets through.
    if (report_attempts_++ % 10 == 0)
      TLOG_WARN("runner", "job=%s state=%s reason=%s cannot report yet; retrying", job_.id.c_str(),
                jobEndName(end_), log::logValue(acked.error().message, 200).c_str());
    retryIn(kRetryDelay, [this] { report(); });
    return;
  }
  keepalive_timer_->disarm();
  if (log_->lostChunks() > 0)
    deps_.metrics.inc("triggerd_runner_log_chunks_lost_total", {}, log_->lostChunks());
  if (!*acked && abort_reason_.rfind("claim lost", 0) != 0)
    deps_.metrics.inc("triggerd_runner_claims_lost_total");
  if (!*acked)
    TLOG_WARN("runner",
              "job=%s entry=%s reason=claim_lost the entry was no longer pending for this runner "
              "(reclaimed by triggerd): reported, not acknowledged",
              job_.id.c_str(), entry_.entry_id.c_str());
  TLOG_INFO("runner", "job=%s state=%s lost_log_chunks=%llu %s", job_.id.c_str(), jobEndName(end_),
            static_cast<unsigned long long>(log_->lostChunks()),
            log::logValue(message_.substr(0, message_.find('\n')), 200).c_str());
  runCleanup();
}

void JobRun::runCleanup() {
  if (next_cleanup_ >= plan_.cleanup.size()) return done();
  const ProcessSpec& spec = plan_.cleanup[next_cleanup_++];
  auto output = std::make_shared<std::string>();
  std::string label = spec.label;
  child_ = std::make_unique<ChildProcess>(
      deps_.loop, deps_.reaper,
      [output](std::string_view bytes) {
        output->append(bytes);
        if (output->size() > 2048) output->erase(0, output->size() - 1024);
      },
      [this, label, output](ChildProcess::Outcome o) {
        deps_.loop.deferredDelete(std::move(child_));
        if (!o.ok())
          TLOG_WARN("runner", "job=%s step=%s result=%s cleanup failed: %s", job_.id.c_str(),
                    label.c_str(), o.describe().c_str(), log::logValue(*output, 300).c_str());
        runCleanup();
      });
  if (auto st = child_->start(spec, kCleanupTimeout, deps_.settings.kill_grace); !st.ok()) {
    child_.reset();
    TLOG_WARN("runner", "job=%s step=%s cleanup failed: %s", job_.id.c_str(), spec.label.c_str(),
              st.error().message.c_str());
    runCleanup();
  }
}

void JobRun::done() {
  keepalive_timer_->disarm();
  retry_timer_->disarm();
  std::weak_ptr<bool> alive = alive_;
  deps_.loop.post([this, alive] {
    if (alive.expired()) return;
    auto cb = std::move(done_);
    cb(*this, end_);
  });
}

void JobRun::keepAlive() {
  std::weak_ptr<bool> alive = alive_;
  deps_.queue.keepAlive(entry_.entry_id, [this, alive](Result<bool> r) {
    if (alive.expired() || !keepalive_timer_) return;
    if (!r.ok()) {
      TLOG_WARN("runner", "job=%s reason=%s keep-alive failed", job_.id.c_str(),
                log::logValue(r.error().message, 200).c_str());
    } else if (!*r && abort_reason_.rfind("claim lost", 0) != 0) {
      TLOG_WARN("runner", "job=%s entry=%s reason=claim_lost keep-alive found the entry gone",
                job_.id.c_str(), entry_.entry_id.c_str());
      deps_.metrics.inc("triggerd_runner_claims_lost_total");
      abort(
          "claim lost: triggerd reclaimed the job (queue.visibility_timeout passed without a "
          "keep-alive)");
    }
  });
  keepalive_timer_->arm(deps_.settings.keepalive_interval);
}

void JobRun::abort(const std::string& reason) {
  if (abort_reason_.empty()) abort_reason_ = reason;
  if (reporting_) return;  // the outcome is known; the report goes out as it is
  if (child_) return child_->stop();
  if (retry_timer_->armed()) {
    retry_timer_->disarm();
    if (!started_) return done();
    return finish(JobEnd::kFailure, abort_reason_);
  }
  // A Redis or HTTP call is in flight: its callback sees abort_reason_.
}

}  // namespace triggerd
