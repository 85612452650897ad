#include "handlers/runs_api.h"

#include <algorithm>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "handlers/job_builder.h"
#include "handlers/webhook_ingest.h"
#include "providers/provider_client.h"
#include "redis/reply.h"

namespace triggerd {
namespace {

// Counts a trigger's manual runs in a fixed window. KEYS[1] the counter; ARGV[1] the window
// (s), ARGV[2] the limit. Returns {1, count} when the run may go, {0, seconds left} when not.
const LuaScript kRateScript(R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then return {0, redis.call('TTL', KEYS[1])} end
return {1, n}
)lua");

struct RefChoice {
  RefType type = RefType::kBranch;
  std::string name;
};

const char* kindName(RefType t) {
  return t == RefType::kTag ? "tag" : "branch";
}

Error triggerNotFound(const std::string& id) {
  return Error::notFound("id", "no trigger " + id + " for this user");
}

// The kinds a "ref" may name: a full refs/heads/ or refs/tags/ ref names one; a bare name may be
// a branch or a tag.
Result<std::vector<RefChoice>> refChoices(const std::string& ref) {
  for (auto [prefix, type] :
       {std::pair{"refs/heads/", RefType::kBranch}, std::pair{"refs/tags/", RefType::kTag}}) {
    std::string_view p(prefix);
    if (ref.rfind(p, 0) == 0) return std::vector<RefChoice>{{type, ref.substr(p.size())}};
  }
  if (ref.rfind("refs/", 0) == 0)
    return Error::unprocessable("ref",
                                "only branches (refs/heads/...) and tags (refs/tags/...) "
                                "build; give a branch or tag name");
  return std::vector<RefChoice>{{RefType::kBranch, ref}, {RefType::kTag, ref}};
}

PushEvent manualPush(const RefChoice& ref, const CommitSummary& commit,
                     const RepositoryInfo& repository) {
  PushEvent push;
  push.ref = std::string(ref.type == RefType::kTag ? "refs/tags/" : "refs/heads/") + ref.name;
  push.ref_type = ref.type;
  push.ref_name = ref.name;
  push.after = commit.sha;
  push.head = CommitInfo{commit.sha, commit.message, commit.author, commit.timestamp, {}, {}, {}};
  // No pushed commits to judge path filters by: they do not apply to a manual run.
  push.commits_truncated = true;
  push.repository = repository;
  return push;
}

std::string ruleList(const std::vector<BuildRule>& rules) {
  std::string out;
  for (const auto& r : rules)
    out += std::string(out.empty() ? "" : ", ") + kindName(r.kind) + " '" + r.match + "'";
  return out.empty() ? "none" : out;
}

ApiReply runReply(const std::vector<std::string>& ids, bool duplicate, const std::string& ref,
                  const std::string& sha) {
  return ApiReply{202,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::strings(w, "jobs", ids);
                    if (duplicate) {
                      json::key(w, "duplicate");
                      w.Bool(true);
                    } else {
                      json::kv(w, "ref", ref);
                      json::kv(w, "sha", sha);
                    }
                    w.EndObject();
                  }),
                  {}};
}

}  // namespace

ApiReply jobsPageReply(const JobRecords::Page& page, int64_t page_number) {
  return ApiReply{200,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "jobs");
                    w.StartArray();
                    for (const auto& r : page.jobs) writeJobPublic(w, r);
                    w.EndArray();
                    json::key(w, "next_page");
                    if (page.more)
                      json::str(w, std::to_string(page_number + 1));
                    else
                      w.Null();
                    w.EndObject();
                  }),
                  {}};
}

// One manual run, step by step on this shared state: the trigger, its rules against the ref,
// the Idempotency-Key, the rate limit, the source, the ref's head (and a pinned commit), the
// repository, the jobs, the enqueue.
class RunsApi::RunFlow : public std::enable_shared_from_this<RunFlow> {
 public:
  RunFlow(RunsApi& api, RunRequest request, ApiDone done)
      : api_(api), alive_(api.alive_), request_(std::move(request)), done_(std::move(done)) {}

  void start() {
    static constexpr std::string_view kFields[] = {"ref", "sha"};
    auto doc = parseObjectBody(request_.body, kFields);
    if (!doc.ok()) return fail(doc.error());
    auto ref =
        requiredString(*doc, "ref", "a branch or tag name, or refs/heads/... or refs/tags/...");
    if (!ref.ok()) return fail(ref.error());
    ref_ = *ref;
    auto choices = refChoices(ref_);
    if (!choices.ok()) return fail(choices.error());
    choices_ = std::move(choices).value();
    if (auto st = provider_http::checkRefName(choices_.front().name, "ref"); !st.ok())
      return fail(st.error());
    if (const auto* sha = json::member(*doc, "sha"); sha && !sha->IsNull()) {
      if (!sha->IsString()) return fail(Error::unprocessable("sha", "must be a string"));
      pinned_ = sha->GetString();
      if (auto st = provider_http::checkSha(pinned_, "sha"); !st.ok()) return fail(st.error());
    }
    const std::string& key = request_.idempotency_key;
    if (key.size() > 255 || std::any_of(key.begin(), key.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e;
        }))
      return fail(
          Error::badRequest("Idempotency-Key", "1 to 255 printable characters without spaces"));
    auto self = shared_from_this();
    api_.loadTrigger(request_.user, request_.trigger_id, [self](Result<Trigger> t) {
      if (self->alive_.expired()) return;
      if (!t.ok()) return self->fail(t.error());
      self->trigger_ = std::move(t).value();
      self->matchRules();
    });
  }

 private:
  void matchRules() {
    if (!trigger_.enabled)
      return fail(Error::conflict("id", "trigger " + trigger_.id +
                                            " is disabled; enable it to run it (PATCH "
                                            "{\"enabled\": true})"));
    auto compiled = CompiledRules::compile(trigger_.rules);
    if (!compiled.ok()) {
      TLOG_ERROR("runs", "trigger=%s reason=%s stored rules do not compile", trigger_.id.c_str(),
                 log::logValue(compiled.error().message, 300).c_str());
      return fail(Error::internal("the trigger's rules cannot be used; save them again"));
    }
    rules_ = std::make_shared<CompiledRules>(std::move(compiled).value());
    // Only the kinds some rule would build are looked up at the provider.
    std::vector<RefChoice> matching;
    for (const auto& c : choices_) {
      CommitSummary probe{std::string(40, '0'), "", "", ""};
      if (!planBuilds(*rules_, manualPush(c, probe, {}), api_.clock_.now()).empty())
        matching.push_back(c);
    }
    if (matching.empty()) {
      std::string what = choices_.size() == 1 ? std::string(kindName(choices_[0].type)) + " '" +
                                                    choices_[0].name + "'"
                                              : "branch or tag '" + choices_[0].name + "'";
      return fail(Error::unprocessable("ref", "no rule of trigger " + trigger_.id + " matches " +
                                                  what +
                                                  "; its rules: " + ruleList(trigger_.rules)));
    }
    choices_ = std::move(matching);
    if (request_.idempotency_key.empty()) return rateLimit();
    dedupe_key_ =
        api_.queue_.keys().runIdempotency(trigger_.id, sha256Hex(request_.idempotency_key));
    auto self = shared_from_this();
    api_.redis_.command({"GET", dedupe_key_}, [self](Result<RedisValue> r) {
      if (self->alive_.expired()) return;
      auto v = expectReply(std::move(r), "reading an Idempotency-Key");
      if (!v.ok()) return self->fail(v.error());
      if (v->isNil()) return self->rateLimit();
      auto ids = json::parse(v->str);
      std::vector<std::string> out;
      if (ids.ok() && ids->IsArray())
        for (const auto& id : ids->GetArray())
          if (id.IsString()) out.emplace_back(id.GetString());
      self->answerDuplicate(out);
    });
  }

  void rateLimit() {
    auto self = shared_from_this();
    api_.redis_.eval(
        kRateScript, {api_.queue_.keys().runRate(trigger_.id)},
        {std::to_string(api_.options_.rate_window.count()),
         std::to_string(api_.options_.rate_limit)},
        [self](Result<RedisValue> r) {
          if (self->alive_.expired()) return;
          auto v = expectReply(std::move(r), "counting manual runs");
          if (!v.ok()) return self->fail(v.error());
          if (v->elements.size() == 2 && v->elements[0].integer == 0) {
            int64_t wait = std::max<int64_t>(1, v->elements[1].integer);
            return self->fail(
                Error(Error::Kind::kTooManyRequests, "id",
                      "trigger " + self->trigger_.id + " ran " +
                          std::to_string(self->api_.options_.rate_limit) + " times in the last " +
                          std::to_string(self->api_.options_.rate_window.count()) +
                          " s (triggers.manual_run_limit); retry in " + std::to_string(wait) +
                          " s"),
                {{"Retry-After", std::to_string(wait)}});
          }
          self->loadSource();
        });
  }

  void loadSource() {
    auto self = shared_from_this();
    api_.sources_.get(request_.user, trigger_.provider, [self](Result<std::optional<Source>> s) {
      if (self->alive_.expired()) return;
      if (!s.ok()) return self->fail(s.error());
      if (!s->has_value()) {
        std::string name = providerName(self->trigger_.provider);
        return self->fail(Error::notFound(
            "provider", "no " + name +
                            " account is bound for this user; bind one first (PUT .../sources/" +
                            name + ")"));
      }
      self->source_ = std::move(**s);
      self->client_ = makeProviderClient(self->source_.endpoint(), self->api_.http_,
                                         self->api_.options_.client, self->api_.clock_);
      self->repository_ =
          self->trigger_.provider == Provider::kGitlab && !self->trigger_.repository_id.empty()
              ? self->trigger_.repository_id
              : self->trigger_.repository_full_name;
      self->resolve(0);
    });
  }

  void resolve(size_t i) {
    const RefChoice& c = choices_[i];
    auto self = shared_from_this();
    auto onHead = [self, i](Result<CommitSummary> head) {
      if (self->alive_.expired()) return;
      if (!head.ok()) {
        bool missing = head.error().is(Error::Kind::kNotFound) && head.error().field == "ref";
        if (missing && i + 1 < self->choices_.size()) return self->resolve(i + 1);
        if (missing && self->choices_.size() > 1)
          return self->fail(Error::notFound("ref", "no branch or tag '" + self->choices_[0].name +
                                                       "' in " +
                                                       self->trigger_.repository_full_name));
        return self->fail(head.error());
      }
      self->chosen_ = self->choices_[i];
      self->commit_ = std::move(head).value();
      if (self->pinned_.empty()) return self->loadRepository();
      self->pinCommit();
    };
    auto call = c.type == RefType::kTag
                    ? client_->tagHead(source_.token, repository_, c.name, onHead)
                    : client_->branchHead(source_.token, repository_, c.name, onHead);
    if (!call.ok()) fail(call.error());
  }

  void pinCommit() {
    auto self = shared_from_this();
    auto call = client_->getCommit(source_.token, repository_, pinned_,
                                   [self](Result<CommitSummary> commit) {
                                     if (self->alive_.expired()) return;
                                     if (!commit.ok()) return self->fail(commit.error());
                                     self->commit_ = std::move(commit).value();
                                     self->loadRepository();
                                   });
    if (!call.ok()) fail(call.error());
  }

  void loadRepository() {
    auto self = shared_from_this();
    auto call = client_->getRepository(source_.token, repository_, [self](Result<RepoSummary> r) {
      if (self->alive_.expired()) return;
      if (!r.ok()) return self->fail(r.error());
      self->enqueue(RepositoryInfo{r->id, r->full_name, r->clone_url, r->ssh_url, r->is_private});
    });
    if (!call.ok()) fail(call.error());
  }

  void enqueue(const RepositoryInfo& repository) {
    auto now = api_.clock_.now();
    PushEvent push = manualPush(chosen_, commit_, repository);
    auto builds = planBuilds(*rules_, push, now);
    if (builds.empty())
      return fail(Error::unprocessable(
          "ref", "the rules matching " + push.ref + " render no valid image tag for commit " +
                     commit_.sha.substr(0, 12) + "; check their tag templates"));
    EnqueueRequest req;
    req.trigger_id = trigger_.id;
    req.user = trigger_.user;
    req.jobs = buildJobs(trigger_, *rules_, builds, push, JobOrigin{"manual", "", now}, api_.rng_,
                         api_.clock_);
    req.dedupe_key = dedupe_key_;
    req.requested_by = request_.requested_by;
    size_t count = req.jobs.size();
    ref_ = push.ref;
    auto self = shared_from_this();
    api_.queue_.enqueue(std::move(req), [self, count](Result<EnqueueOutcome> out) {
      if (self->alive_.expired()) return;
      if (!out.ok()) return self->fail(out.error());
      if (out->duplicate) return self->answerDuplicate(out->job_ids);
      TLOG_INFO("runs", "trigger=%s user=%s by=%s ref=%s sha=%s jobs=%zu manual run enqueued",
                self->trigger_.id.c_str(), self->request_.user.c_str(),
                self->request_.requested_by.c_str(), log::logValue(self->ref_, 200).c_str(),
                self->commit_.sha.c_str(), count);
      self->api_.metrics_.inc("triggerd_manual_runs_total", {{"outcome", "enqueued"}});
      self->api_.metrics_.inc("triggerd_jobs_enqueued_total",
                              {{"provider", providerName(self->trigger_.provider)}}, count);
      self->done_(runReply(out->job_ids, false, self->ref_, self->commit_.sha));
    });
  }

  void answerDuplicate(const std::vector<std::string>& ids) {
    api_.metrics_.inc("triggerd_manual_runs_total", {{"outcome", "duplicate"}});
    done_(runReply(ids, true, "", ""));
  }

  void fail(const Error& e, std::vector<std::pair<std::string, std::string>> headers = {}) {
    TLOG_INFO("runs", "trigger=%s user=%s status=%d field=%s reason=%s manual run refused",
              log::logValue(request_.trigger_id, 40).c_str(), request_.user.c_str(), e.status,
              e.field.c_str(), log::logValue(e.message, 300).c_str());
    api_.metrics_.inc("triggerd_manual_runs_total", {{"outcome", "refused"}});
    ApiReply reply = ApiReply::error(e);
    reply.headers = std::move(headers);
    done_(std::move(reply));
  }

  RunsApi& api_;
  std::weak_ptr<bool> alive_;
  RunRequest request_;
  ApiDone done_;
  std::string ref_;
  std::string pinned_;
  std::vector<RefChoice> choices_;
  Trigger trigger_;
  std::shared_ptr<CompiledRules> rules_;
  std::string dedupe_key_;
  Source source_;
  std::shared_ptr<ProviderClient> client_;
  std::string repository_;
  RefChoice chosen_;
  CommitSummary commit_;
};

RunsApi::RunsApi(TriggerStore& triggers, SourceStore& sources, JobQueue& queue, JobRecords& records,
                 RedisClient& redis, HttpClient& http, const Clock& clock, Random& rng,
                 Metrics& metrics, RunsOptions options)
    : triggers_(triggers),
      sources_(sources),
      queue_(queue),
      records_(records),
      redis_(redis),
      http_(http),
      clock_(clock),
      rng_(rng),
      metrics_(metrics),
      options_(std::move(options)) {}

RunsApi::~RunsApi() = default;

void RunsApi::loadTrigger(const std::string& user, const std::string& id,
                          std::function<void(Result<Trigger>)> cb) {
  if (!looksLikeTriggerId(id)) return cb(triggerNotFound(id));
  std::weak_ptr<bool> alive = alive_;
  triggers_.get(id, [alive, user, id, cb = std::move(cb)](Result<std::optional<Trigger>> r) {
    if (alive.expired()) return;
    if (!r.ok()) return cb(r.error());
    if (!r->has_value() || (*r)->user != user) return cb(triggerNotFound(id));
    cb(std::move(**r));
  });
}

void RunsApi::run(RunRequest request, ApiDone done) {
  std::make_shared<RunFlow>(*this, std::move(request), std::move(done))->start();
}

void RunsApi::history(const std::string& user, const std::string& trigger_id, int64_t page,
                      int64_t per_page, ApiDone done) {
  loadTrigger(user, trigger_id,
              [this, trigger_id, page, per_page, done = std::move(done)](Result<Trigger> t) {
                if (!t.ok()) return done(ApiReply::error(t.error()));
                std::weak_ptr<bool> alive = alive_;
                records_.triggerJobs(trigger_id, (page - 1) * per_page, per_page,
                                     [alive, page, done](Result<JobRecords::Page> p) {
                                       if (alive.expired()) return;
                                       if (!p.ok()) return done(ApiReply::error(p.error()));
                                       done(jobsPageReply(*p, page));
                                     });
              });
}

}  // namespace triggerd
