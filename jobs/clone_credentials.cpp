#include "jobs/clone_credentials.h"

#include "common/log.h"
#include "providers/provider_client.h"
#include "redis/reply.h"

namespace triggerd {
namespace {

// Records a new credential on the job, if the attempt it was made for still runs. KEYS[1] the
// job record; ARGV[1] the attempt, ARGV[2] the credential id. Returns {0} when the job moved on,
// else {1, the credential it replaces ("" for none)}.
const LuaScript kRecordScript(R"lua(
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt', 'cred')
if cur[1] ~= 'running' or cur[2] ~= ARGV[1] then return {0} end
redis.call('HSET', KEYS[1], 'cred', ARGV[2])
return {1, cur[3] or ''}
)lua");

Error notRunning(const JobRecord& r) {
  return Error::conflict("job_id", "job " + r.id + " is " + jobStateName(r.state) +
                                       ": credentials are issued only while a runner builds it");
}

}  // namespace

// The steps of one issue, sharing this state: load the job, then the user's source, make the
// credential, record it on the job (GitLab), answer.
class CloneCredentials::IssueFlow : public std::enable_shared_from_this<IssueFlow> {
 public:
  IssueFlow(CloneCredentials& owner, CredentialRequest request,
            std::function<void(Result<CloneCredential>)> done)
      : owner_(owner), alive_(owner.alive_), request_(std::move(request)), done_(std::move(done)) {}

  void start() {
    auto self = shared_from_this();
    owner_.records_.get(request_.job_id, [self](Result<std::optional<JobRecord>> r) {
      if (self->alive_.expired()) return;
      if (!r.ok()) return self->finish(r.error());
      if (!r->has_value())
        return self->finish(Error::notFound("job_id", "no job " + self->request_.job_id));
      self->job_ = std::move(**r);
      self->checkJob();
    });
  }

 private:
  void checkJob() {
    if (job_.state != JobState::kRunning) return finish(notRunning(job_));
    if (!request_.runner.empty() && request_.runner != job_.runner)
      return finish(Error::conflict(
          "runner", "job " + job_.id + " runs on " + job_.runner + ", not on " + request_.runner));
    if (request_.attempt != 0 && request_.attempt != job_.attempt)
      return finish(Error::conflict("attempt", "job " + job_.id + " is at attempt " +
                                                   std::to_string(job_.attempt) + ", not " +
                                                   std::to_string(request_.attempt)));
    auto self = shared_from_this();
    owner_.sources_.get(job_.user, job_.provider, [self](Result<std::optional<Source>> s) {
      if (self->alive_.expired()) return;
      if (!s.ok()) return self->finish(s.error());
      if (!s->has_value())
        return self->finish(Error::conflict(
            "job_id", "the job's user " + self->job_.user + " has no " +
                          providerName(self->job_.provider) + " account bound any more"));
      self->source_ = std::move(**s);
      self->create();
    });
  }

  void create() {
    client_ =
        makeProviderClient(source_.endpoint(), owner_.http_, owner_.options_.client, owner_.clock_);
    int64_t expires = owner_.clock_.unixSeconds() + owner_.options_.ttl.count();
    std::string name = "triggerd job " + job_.id + " attempt " + std::to_string(job_.attempt);
    auto self = shared_from_this();
    auto call = client_->createCloneCredential(source_.token, job_.repo, name, expires,
                                               [self](Result<CloneCredential> c) {
                                                 if (self->alive_.expired()) return;
                                                 if (!c.ok()) return self->finish(c.error());
                                                 self->credential_ = std::move(c).value();
                                                 self->record();
                                               });
    if (!call.ok()) finish(call.error());
  }

  void record() {
    if (credential_.id.empty()) return finish(credential_);  // nothing to revoke later
    auto self = shared_from_this();
    owner_.redis_.eval(kRecordScript, {owner_.records_.keys().job(job_.id)},
                       {std::to_string(job_.attempt), credential_.id},
                       [self](Result<RedisValue> r) {
                         if (self->alive_.expired()) return;
                         auto v = expectReply(std::move(r), "recording a clone credential");
                         if (!v.ok() || v->elements.empty() || v->elements[0].integer != 1) {
                           // Not recorded: nobody would revoke it, so it goes now.
                           self->revoke(self->credential_.id);
                           if (!v.ok()) return self->finish(v.error());
                           return self->finish(Error::conflict(
                               "job_id", "job " + self->job_.id +
                                             " stopped running while its credential was made"));
                         }
                         if (v->elements.size() > 1 && !v->elements[1].str.empty())
                           self->revoke(v->elements[1].str);  // the runner asked again
                         self->finish(self->credential_);
                       });
  }

  void revoke(const std::string& id) {
    JobEvent released{job_, "", id};
    owner_.onJobEvent(released);
  }

  void finish(Result<CloneCredential> result) {
    const char* provider = providerName(job_.provider);
    if (result.ok()) {
      TLOG_INFO("credentials", "job=%s attempt=%d runner=%s provider=%s clone credential issued",
                job_.id.c_str(), job_.attempt, log::logValue(job_.runner, 80).c_str(), provider);
    } else {
      TLOG_WARN("credentials", "job=%s status=%d reason=%s clone credential refused",
                request_.job_id.c_str(), result.error().status,
                log::logValue(result.error().message, 300).c_str());
    }
    owner_.metrics_.inc("triggerd_clone_credentials_total",
                        {{"provider", job_.id.empty() ? "unknown" : provider},
                         {"outcome", result.ok() ? "issued" : "refused"}});
    done_(std::move(result));
  }

  CloneCredentials& owner_;
  std::weak_ptr<bool> alive_;
  CredentialRequest request_;
  std::function<void(Result<CloneCredential>)> done_;
  JobRecord job_;
  Source source_;
  std::shared_ptr<ProviderClient> client_;
  CloneCredential credential_;
};

CloneCredentials::CloneCredentials(RedisClient& redis, JobRecords& records, SourceStore& sources,
                                   HttpClient& http, const Clock& clock, Metrics& metrics,
                                   CloneCredentialOptions options)
    : redis_(redis),
      records_(records),
      sources_(sources),
      http_(http),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)) {}

CloneCredentials::~CloneCredentials() = default;

void CloneCredentials::issue(const CredentialRequest& request,
                             std::function<void(Result<CloneCredential>)> cb) {
  std::make_shared<IssueFlow>(*this, request, std::move(cb))->start();
}

void CloneCredentials::onJobEvent(const JobEvent& event) {
  if (event.released_credential.empty()) return;
  const JobRecord& job = event.record;
  std::string id = event.released_credential;
  std::weak_ptr<bool> alive = alive_;
  auto fail = [this, job, id](const Error& e) {
    // It expires by itself at the latest runners.credentials_ttl after it was made.
    TLOG_WARN("credentials", "job=%s credential=%s reason=%s clone credential not revoked",
              job.id.c_str(), id.c_str(), log::logValue(e.message, 300).c_str());
    metrics_.inc("triggerd_clone_credentials_total",
                 {{"provider", providerName(job.provider)}, {"outcome", "revoke_failed"}});
  };
  sources_.get(
      job.user, job.provider, [this, alive, job, id, fail](Result<std::optional<Source>> s) {
        if (alive.expired()) return;
        if (!s.ok()) return fail(s.error());
        if (!s->has_value()) return fail(Error::notFound("provider", "the source was unbound"));
        std::shared_ptr<ProviderClient> client =
            makeProviderClient((*s)->endpoint(), http_, options_.client, clock_);
        auto call = client->revokeCloneCredential(
            (*s)->token, job.repo, id, [this, alive, job, id, fail, client](Status done) {
              if (alive.expired()) return;
              if (!done.ok()) return fail(done.error());
              TLOG_INFO("credentials", "job=%s credential=%s clone credential revoked",
                        job.id.c_str(), id.c_str());
              metrics_.inc("triggerd_clone_credentials_total",
                           {{"provider", providerName(job.provider)}, {"outcome", "revoked"}});
            });
        if (!call.ok()) fail(call.error());
      });
}

}  // namespace triggerd
