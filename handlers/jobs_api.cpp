#include "handlers/jobs_api.h"

#include "common/json_fields.h"
#include "handlers/runs_api.h"
#include "handlers/webhook_ingest.h"

namespace triggerd {
namespace {

Error jobNotFound(const std::string& id) {
  return Error::notFound("id", "no job " + id + " for this user");
}

void writeDead(json::Writer& w, const DeadJob& d) {
  w.StartObject();
  json::kv(w, "entry", d.entry_id);
  json::kv(w, "job", d.job_id);
  json::kv(w, "error", d.error);
  json::key(w, "attempts");
  w.Int(d.attempts);
  json::kv(w, "at", d.at);
  if (d.job) {
    json::kv(w, "trigger_id", d.job->trigger_id);
    json::kv(w, "user", d.job->user);
    json::kv(w, "ref", d.job->ref);
    json::kv(w, "sha", d.job->commit.sha);
    json::kv(w, "image", d.job->image);
  }
  w.EndObject();
}

}  // namespace

bool looksLikeJobId(std::string_view id) {
  return looksLikeTriggerId(id);  // both are ULIDs
}

std::optional<int64_t> parseShortDuration(std::string_view text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n * unit;
}

JobsApi::JobsApi(JobRecords& records, DeadLetters& dead) : records_(records), dead_(dead) {}

JobsApi::~JobsApi() = default;

void JobsApi::load(const std::string& user, const std::string& id,
                   std::function<void(Result<JobRecord>)> cb) {
  if (!looksLikeJobId(id)) return cb(jobNotFound(id));
  std::weak_ptr<bool> alive = alive_;
  records_.get(id, [alive, user, id, cb = std::move(cb)](Result<std::optional<JobRecord>> r) {
    if (alive.expired()) return;
    if (!r.ok()) return cb(r.error());
    if (!r->has_value() || (*r)->user != user) return cb(jobNotFound(id));
    cb(std::move(**r));
  });
}

void JobsApi::list(const std::string& user, int64_t page, int64_t per_page, ApiDone done) {
  std::weak_ptr<bool> alive = alive_;
  records_.userJobs(user, (page - 1) * per_page, per_page,
                    [alive, page, done = std::move(done)](Result<JobRecords::Page> p) {
                      if (alive.expired()) return;
                      if (!p.ok()) return done(ApiReply::error(p.error()));
                      done(jobsPageReply(*p, page));
                    });
}

void JobsApi::show(const std::string& user, const std::string& id, ApiDone done) {
  load(user, id, [done = std::move(done)](Result<JobRecord> r) {
    if (!r.ok()) return done(ApiReply::error(r.error()));
    done(ApiReply{200,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "job");
                    writeJobPublic(w, *r);
                    w.EndObject();
                  }),
                  {}});
  });
}

void JobsApi::log(const std::string& user, const std::string& id, const std::string& after,
                  int64_t count, ApiDone done) {
  load(user, id, [this, id, after, count, done = std::move(done)](Result<JobRecord> r) {
    if (!r.ok()) return done(ApiReply::error(r.error()));
    std::string state = jobStateName(r->state);
    std::weak_ptr<bool> alive = alive_;
    records_.log(id, after, count,
                 [alive, id, after, state, done](Result<std::vector<JobRecords::LogChunk>> chunks) {
                   if (alive.expired()) return;
                   if (!chunks.ok()) return done(ApiReply::error(chunks.error()));
                   done(ApiReply{200,
                                 json::build([&](json::Writer& w) {
                                   w.StartObject();
                                   json::kv(w, "job", id);
                                   json::kv(w, "state", state);
                                   json::key(w, "entries");
                                   w.StartArray();
                                   for (const auto& c : *chunks) {
                                     w.StartObject();
                                     json::kv(w, "id", c.id);
                                     json::kv(w, "chunk", c.text);
                                     w.EndObject();
                                   }
                                   w.EndArray();
                                   json::kv(w, "next", chunks->empty() ? after : chunks->back().id);
                                   w.EndObject();
                                 }),
                                 {}});
                 });
  });
}

void JobsApi::queueStats(ApiDone done) {
  dead_.stats([done = std::move(done)](Result<QueueStats> s) {
    if (!s.ok()) return done(ApiReply::error(s.error()));
    done(ApiReply{200,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    for (auto [name, value] :
                         {std::pair{"stream_length", s->stream_length},
                          std::pair{"waiting", s->waiting}, std::pair{"claimed", s->claimed},
                          std::pair{"dead", s->dead},
                          std::pair{"status_backlog", s->status_backlog}}) {
                      json::key(w, name);
                      w.Int64(value);
                    }
                    json::key(w, "claimed_by");
                    w.StartObject();
                    for (const auto& [consumer, n] : s->claimed_by) {
                      json::key(w, consumer);
                      w.Int64(n);
                    }
                    w.EndObject();
                    w.EndObject();
                  }),
                  {}});
  });
}

void JobsApi::deadList(int64_t count, const std::string& before, ApiDone done) {
  dead_.list(count, before, [count, done = std::move(done)](Result<std::vector<DeadJob>> list) {
    if (!list.ok()) return done(ApiReply::error(list.error()));
    done(ApiReply{200,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "dead");
                    w.StartArray();
                    for (const auto& d : *list) writeDead(w, d);
                    w.EndArray();
                    json::key(w, "next");
                    if (static_cast<int64_t>(list->size()) == count && !list->empty())
                      json::str(w, list->back().entry_id);
                    else
                      w.Null();
                    w.EndObject();
                  }),
                  {}});
  });
}

void JobsApi::deadRetry(const std::string& job_id, ApiDone done) {
  if (!looksLikeJobId(job_id))
    return done(ApiReply::error(Error::notFound("job_id", "no job " + job_id)));
  dead_.retry(job_id, [job_id, done = std::move(done)](Result<int> attempt) {
    if (!attempt.ok()) return done(ApiReply::error(attempt.error()));
    done(ApiReply{202,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::kv(w, "job", job_id);
                    json::key(w, "attempt");
                    w.Int(*attempt);
                    w.EndObject();
                  }),
                  {}});
  });
}

void JobsApi::deadPurge(std::string_view body, ApiDone done) {
  static constexpr std::string_view kFields[] = {"older_than", "job"};
  auto doc = parseObjectBody(body, kFields, /*empty_ok=*/true);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  int64_t older_than = 0;
  std::string job;
  if (const auto* o = json::member(*doc, "older_than")) {
    auto seconds = o->IsString() ? parseShortDuration(o->GetString()) : std::nullopt;
    if (!seconds || *seconds <= 0)
      return done(ApiReply::error(
          Error::unprocessable("older_than", "a duration such as \"90m\", \"36h\" or \"7d\"")));
    older_than = *seconds;
  }
  if (const auto* j = json::member(*doc, "job")) {
    if (!j->IsString() || !looksLikeJobId(j->GetString()))
      return done(ApiReply::error(Error::unprocessable("job", "a job id (26 characters)")));
    job = j->GetString();
  }
  if (older_than > 0 && !job.empty())
    return done(
        ApiReply::error(Error::unprocessable("job", "give either older_than or job, not both")));
  dead_.purge(older_than, job, [done = std::move(done)](Result<int64_t> n) {
    if (!n.ok()) return done(ApiReply::error(n.error()));
    done(ApiReply{200,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "purged");
                    w.Int64(*n);
                    w.EndObject();
                  }),
                  {}});
  });
}

}  // namespace triggerd
