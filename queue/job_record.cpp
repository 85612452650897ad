#include "queue/job_record.h"

#include <chrono>

#include "common/clock.h"

namespace triggerd {
namespace {

constexpr std::pair<JobState, const char*> kStateNames[] = {
    {JobState::kQueued, "queued"},     {JobState::kRunning, "running"},
    {JobState::kSuccess, "success"},   {JobState::kFailure, "failure"},
    {JobState::kCanceled, "canceled"}, {JobState::kSuperseded, "superseded"},
    {JobState::kDead, "dead"},
};

int64_t toInt(const std::string& s) {
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
    if (v > (int64_t{1} << 50)) return 0;
  }
  return v;
}

std::vector<std::string> splitTags(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

void writeTime(json::Writer& w, std::string_view key, int64_t unix_seconds) {
  json::key(w, key);
  if (unix_seconds <= 0) return w.Null(), void();
  json::str(
      w, formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds))));
}

void writeOptional(json::Writer& w, std::string_view key, const std::string& value) {
  json::key(w, key);
  if (value.empty()) return w.Null(), void();
  json::str(w, value);
}

}  // namespace

const char* jobStateName(JobState s) {
  for (auto [state, name] : kStateNames)
    if (state == s) return name;
  return "queued";
}

std::optional<JobState> parseJobState(std::string_view name) {
  for (auto [state, n] : kStateNames)
    if (name == n) return state;
  return std::nullopt;
}

bool isFinal(JobState s) {
  return s != JobState::kQueued && s != JobState::kRunning;
}

std::string JobRecord::refName() const {
  for (std::string_view prefix : {"refs/heads/", "refs/tags/"})
    if (ref.rfind(prefix, 0) == 0) return ref.substr(prefix.size());
  return ref;
}

std::optional<JobRecord> parseJobRecord(std::string_view id, const std::vector<std::string>& flat) {
  JobRecord r;
  r.id = std::string(id);
  bool has_state = false;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) {
    const std::string& k = flat[i];
    const std::string& v = flat[i + 1];
    if (k == "state") {
      auto s = parseJobState(v);
      if (!s) return std::nullopt;
      r.state = *s;
      has_state = true;
    } else if (k == "trigger") {
      r.trigger_id = v;
    } else if (k == "user") {
      r.user = v;
    } else if (k == "provider") {
      r.provider = parseProvider(v).value_or(Provider::kGithub);
    } else if (k == "repo") {
      r.repo = v;
    } else if (k == "ref") {
      r.ref = v;
    } else if (k == "sha") {
      r.sha = v;
    } else if (k == "image") {
      r.image = v;
    } else if (k == "tags") {
      r.tags = splitTags(v);
    } else if (k == "event") {
      r.event = v;
    } else if (k == "delivery") {
      r.delivery_id = v;
    } else if (k == "by") {
      r.requested_by = v;
    } else if (k == "attempt") {
      r.attempt = static_cast<int>(toInt(v));
    } else if (k == "base") {
      r.attempt_base = static_cast<int>(toInt(v));
    } else if (k == "stream_id") {
      r.stream_id = v;
    } else if (k == "dead_id") {
      r.dead_id = v;
    } else if (k == "runner") {
      r.runner = v;
    } else if (k == "error") {
      r.error = v;
    } else if (k == "cred") {
      r.credential_id = v;
    } else if (k == "created_at") {
      r.created_at = toInt(v);
    } else if (k == "started_at") {
      r.started_at = toInt(v);
    } else if (k == "finished_at") {
      r.finished_at = toInt(v);
    }
  }
  if (!has_state) return std::nullopt;
  return r;
}

std::string apiRepository(Provider provider, const RepositoryInfo& repository) {
  if (provider == Provider::kGitlab && !repository.id.empty()) return repository.id;
  return repository.full_name;
}

std::array<std::string, kNewRecordFieldNames.size()> newRecordValues(
    const Job& job, std::string_view requested_by) {
  std::string tags;
  for (const auto& t : job.tags) tags += (tags.empty() ? "" : ",") + t;
  // Optional fields stay empty when they hold the default, to keep the record small.
  return {job.trigger_id,
          job.user,
          providerName(job.provider),
          apiRepository(job.provider, job.repository),
          job.ref,
          job.commit.sha,
          job.image,
          std::move(tags),
          std::to_string(job.attempt),
          job.event == "push" ? std::string() : job.event,
          job.delivery_id,
          std::string(requested_by)};
}

std::vector<std::pair<std::string, std::string>> newRecordFields(const Job& job,
                                                                 std::string_view requested_by,
                                                                 int64_t now_unix) {
  std::vector<std::pair<std::string, std::string>> f{{"state", "queued"}};
  auto values = newRecordValues(job, requested_by);
  for (size_t i = 0; i < values.size(); ++i)
    if (!values[i].empty()) f.emplace_back(kNewRecordFieldNames[i], std::move(values[i]));
  f.emplace_back("created_at", std::to_string(now_unix));
  return f;
}

JobRecord recordOfJob(const Job& job, std::string_view requested_by, int64_t now_unix) {
  JobRecord r;
  r.id = job.id;
  r.trigger_id = job.trigger_id;
  r.user = job.user;
  r.provider = job.provider;
  r.repo = apiRepository(job.provider, job.repository);
  r.ref = job.ref;
  r.sha = job.commit.sha;
  r.image = job.image;
  r.tags = job.tags;
  r.event = job.event;
  r.delivery_id = job.delivery_id;
  r.requested_by = std::string(requested_by);
  r.attempt = job.attempt;
  r.created_at = now_unix;
  return r;
}

void writeJobPublic(json::Writer& w, const JobRecord& r) {
  w.StartObject();
  json::kv(w, "id", r.id);
  json::kv(w, "trigger_id", r.trigger_id);
  json::kv(w, "user", r.user);
  json::kv(w, "provider", providerName(r.provider));
  json::kv(w, "repository", r.repo);
  json::kv(w, "event", r.event);
  json::kv(w, "ref", r.ref);
  json::kv(w, "sha", r.sha);
  json::kv(w, "image", r.image);
  json::key(w, "tags");
  w.StartArray();
  for (const auto& t : r.tags) json::str(w, t);
  w.EndArray();
  json::kv(w, "state", jobStateName(r.state));
  json::key(w, "attempt");
  w.Int(r.attempt);
  writeOptional(w, "runner", r.runner);
  writeOptional(w, "delivery_id", r.delivery_id);
  writeOptional(w, "requested_by", r.requested_by);
  writeOptional(w, "error", r.error);
  writeTime(w, "created_at", r.created_at);
  writeTime(w, "started_at", r.started_at);
  writeTime(w, "finished_at", r.finished_at);
  w.EndObject();
}

}  // namespace triggerd
