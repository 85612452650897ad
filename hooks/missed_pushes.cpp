#include "hooks/missed_pushes.h"

#include "redis/reply.h"
#include "rules/build_rule.h"

namespace triggerd {
namespace {

constexpr int kMaxPages = 10;  // 1,000 branches and 1,000 tags

struct Candidate {
  std::string ref;
  std::string sha;
};

// The steps: branches (every page), tags (every page), then one EXISTS per candidate head.
struct Search : std::enable_shared_from_this<Search> {
  std::shared_ptr<ProviderClient> client;
  RedisClient* redis = nullptr;
  Keys keys;
  Trigger trigger;
  std::string token;
  int64_t not_before = 0;
  std::optional<CompiledRules> rules;
  std::vector<Candidate> candidates;
  std::vector<std::string> missed;
  size_t next = 0;
  std::function<void(Result<std::vector<std::string>>)> done;

  void listRefs(RefType kind, std::string page, int pages) {
    auto self = shared_from_this();
    auto onPage = [self, kind, pages](Result<Page<RefSummary>> p) {
      if (!p.ok()) return self->done(p.error());
      for (const auto& ref : p->items) self->consider(kind, ref);
      if (p->next_page && pages + 1 < kMaxPages)
        return self->listRefs(kind, *p->next_page, pages + 1);
      if (kind == RefType::kBranch) return self->listRefs(RefType::kTag, "", 0);
      self->checkNext();
    };
    std::string repo = providerRepository(trigger);
    auto call = kind == RefType::kBranch ? client->listBranches(token, repo, page, onPage)
                                         : client->listTags(token, repo, page, onPage);
    if (!call.ok()) done(call.error());
  }

  void consider(RefType kind, const RefSummary& ref) {
    if (ref.sha.empty() || !ref.committed_at || *ref.committed_at <= not_before) return;
    PushEvent push;
    push.ref_type = kind;
    push.ref_name = ref.name;
    push.ref = (kind == RefType::kTag ? "refs/tags/" : "refs/heads/") + ref.name;
    push.head.sha = ref.sha;
    push.commits_truncated = true;  // path filters cannot rule a head out
    if (planBuilds(*rules, push, std::chrono::system_clock::now()).empty()) return;
    candidates.push_back({push.ref, ref.sha});
  }

  void checkNext() {
    if (next >= candidates.size() || missed.size() >= kMaxMissedPushes) return done(missed);
    const Candidate& c = candidates[next++];
    auto self = shared_from_this();
    redis->command({"EXISTS", keys.pushSeen(trigger.id, c.ref, c.sha)},
                   [self, c](Result<RedisValue> r) {
                     auto v = expectReply(std::move(r), "reading a push record");
                     if (!v.ok()) return self->done(v.error());
                     if (v->integer == 0) self->missed.push_back(c.ref + " " + c.sha);
                     self->checkNext();
                   });
  }
};

}  // namespace

std::string providerRepository(const Trigger& t) {
  if (t.provider == Provider::kGitlab && !t.repository_id.empty()) return t.repository_id;
  return t.repository_full_name.empty() ? t.repository_id : t.repository_full_name;
}

void findMissedPushes(std::shared_ptr<ProviderClient> client, RedisClient& redis, const Keys& keys,
                      const Trigger& t, std::string_view token, int64_t not_before,
                      std::function<void(Result<std::vector<std::string>>)> done) {
  auto compiled = CompiledRules::compile(t.rules);
  if (!compiled.ok()) return done(compiled.error());
  auto s = std::make_shared<Search>();
  s->client = std::move(client);
  s->redis = &redis;
  s->keys = keys;
  s->trigger = t;
  s->token = token;
  s->not_before = not_before;
  s->rules.emplace(std::move(compiled).value());
  s->done = std::move(done);
  s->listRefs(RefType::kBranch, "", 0);
}

}  // namespace triggerd
