#include "handlers/sources_api.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "common/encoding.h"
#include "common/log.h"
#include "providers/gitlab_address.h"

namespace triggerd {
namespace {

Status validatePemCertificates(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    ++count;
    X509_free(cert);
  }
  BIO_free(bio);
  if (count == 0)
    return Error::unprocessable("ca_certificate",
                                "no PEM certificate found; paste the CA certificate(s) that "
                                "signed the GitLab server's certificate, -----BEGIN "
                                "CERTIFICATE----- included");
  return okStatus();
}

// What a bind request asks for: where the account lives and its token.
struct BindRequest {
  ProviderEndpoint endpoint;
  std::string token;
};

Result<BindRequest> parseGitlabBind(std::string_view body) {
  static constexpr std::string_view kFields[] = {"service_address", "private_token",
                                                 "ca_certificate"};
  auto doc = parseObjectBody(body, kFields);
  if (!doc.ok()) return doc.error();
  auto address = requiredString(*doc, "service_address",
                                "the GitLab server address, e.g. https://gitlab.example.com");
  if (!address.ok()) return address.error();
  auto token = requiredString(*doc, "private_token", "a personal access token with the api scope");
  if (!token.ok()) return token.error();
  BindRequest req{ProviderEndpoint{Provider::kGitlab, "", ""}, std::move(token).value()};
  if (const auto* c = json::member(*doc, "ca_certificate"); c && !c->IsNull()) {
    if (!c->IsString()) return Error::unprocessable("ca_certificate", "must be a PEM string");
    req.endpoint.ca_pem = std::string(c->GetString(), c->GetStringLength());
    if (auto st = validatePemCertificates(req.endpoint.ca_pem); !st.ok()) return st.error();
  }
  auto root = normalizeGitlabAddress(*address);
  if (!root.ok()) return root.error();
  req.endpoint.api_url = std::move(root).value();
  return req;
}

Result<BindRequest> parseGithubBind(std::string_view body, const std::string& api_url) {
  static constexpr std::string_view kFields[] = {"token"};
  auto doc = parseObjectBody(body, kFields);
  if (!doc.ok()) return doc.error();
  auto token = requiredString(*doc, "token",
                              "a GitHub token with the repo scope (or use POST "
                              ".../sources/github/authorize for the OAuth flow)");
  if (!token.ok()) return token.error();
  return BindRequest{ProviderEndpoint{Provider::kGithub, api_url, ""}, std::move(token).value()};
}

void writeRepo(json::Writer& w, const RepoSummary& r) {
  w.StartObject();
  json::kv(w, "id", r.id);
  json::kv(w, "full_name", r.full_name);
  json::key(w, "private");
  w.Bool(r.is_private);
  json::kv(w, "default_branch", r.default_branch);
  json::kv(w, "clone_url", r.clone_url);
  json::kv(w, "ssh_url", r.ssh_url);
  w.EndObject();
}

void writeRef(json::Writer& w, const RefSummary& r) {
  w.StartObject();
  json::kv(w, "name", r.name);
  json::kv(w, "sha", r.sha);
  json::key(w, "protected");
  w.Bool(r.is_protected);
  w.EndObject();
}

template <typename T, typename WriteItem>
ApiReply pageReply(const char* key, const Page<T>& p, WriteItem write) {
  return ApiReply{200,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, key);
                    w.StartArray();
                    for (const auto& item : p.items) write(w, item);
                    w.EndArray();
                    json::key(w, "next_page");
                    if (p.next_page)
                      json::str(w, *p.next_page);
                    else
                      w.Null();
                    w.EndObject();
                  }),
                  {}};
}

Error notBound(Provider provider) {
  std::string name = providerName(provider);
  return Error::notFound(
      "provider",
      "no " + name +
          " account is bound for this user; bind one first (PUT "
          ".../sources/" +
          name + (provider == Provider::kGithub ? " or POST .../sources/github/authorize)" : ")"));
}

}  // namespace

// Binding a personal token, the same steps for both providers: refuse a second binding before
// any network call, ask the provider who the token belongs to and what it may do, check it,
// store it (the store refuses a concurrent second binding again).
class SourcesApi::BindFlow : public std::enable_shared_from_this<BindFlow> {
 public:
  BindFlow(SourcesApi& api, std::string user, BindRequest request, ApiDone done)
      : api_(api),
        user_(std::move(user)),
        request_(std::move(request)),
        client_(api.client(request_.endpoint)),
        done_(std::move(done)) {}

  void start() {
    auto self = shared_from_this();
    api_.refuseIfBound(user_, request_.endpoint.provider, [self](Status free) {
      if (!free.ok()) return self->fail(free.error());
      self->describe();
    });
  }

 private:
  void describe() {
    auto self = shared_from_this();
    auto call = client_->describeAccount(request_.token, [self](Result<AccountCheck> account) {
      if (!account.ok()) return self->fail(account.error());
      self->bind(std::move(account).value());
    });
    if (!call.ok()) fail(call.error());
  }

  void bind(AccountCheck account) {
    int64_t now = api_.clock().unixSeconds();
    if (auto st = client_->checkBindable(account, now); !st.ok()) return fail(st.error());
    Source s;
    s.user = user_;
    s.provider = request_.endpoint.provider;
    s.api_url = client_->apiUrl();
    s.ca_pem = request_.endpoint.ca_pem;
    s.login = account.identity.login;
    s.account_id = account.identity.id;
    s.token = request_.token;
    s.scopes = account.token.scopes;
    s.expires_at = account.token.expires_at;
    s.bound_at = s.checked_at = now;
    auto self = shared_from_this();
    api_.store(s, [self, s](Status st) {
      if (!st.ok()) return self->fail(st.error());
      self->done_(self->api_.sourceReply(201, s));
    });
  }

  void fail(const Error& e) { done_(ApiReply::error(e)); }

  SourcesApi& api_;
  std::string user_;
  BindRequest request_;
  std::unique_ptr<ProviderClient> client_;
  ApiDone done_;
};

SourcesApi::SourcesApi(SourceStore& sources, TriggerStore& triggers, HookService& hooks,
                       HttpClient& http, const Clock& clock, SourcesOptions options)
    : sources_(sources),
      triggers_(triggers),
      hooks_(hooks),
      http_(http),
      clock_(clock),
      options_(std::move(options)) {}

ApiReply SourcesApi::sourceReply(int status, const Source& s) const {
  return ApiReply{status,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "source");
                    writeSourcePublic(w, s, clock_.unixSeconds(), options_.expiry_warning.count());
                    w.EndObject();
                  }),
                  {}};
}

void SourcesApi::list(const std::string& user, ApiDone done) {
  sources_.list(user, [this, done = std::move(done)](Result<std::vector<Source>> r) {
    if (!r.ok()) return done(ApiReply::error(r.error()));
    done(ApiReply{200,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "sources");
                    w.StartArray();
                    for (const auto& s : *r)
                      writeSourcePublic(w, s, clock_.unixSeconds(),
                                        options_.expiry_warning.count());
                    w.EndArray();
                    w.EndObject();
                  }),
                  {}});
  });
}

void SourcesApi::refuseIfBound(const std::string& user, Provider provider,
                               std::function<void(Status)> cb) {
  sources_.get(user, provider, [provider, cb = std::move(cb)](Result<std::optional<Source>> r) {
    if (!r.ok()) return cb(r.error());
    if (!r->has_value()) return cb(okStatus());
    const Source& s = **r;
    std::string name = providerName(provider);
    cb(Error::conflict("provider", "a " + name + " account (" + s.login + " on " + s.api_url +
                                       ") is already bound for this user; unbind it first "
                                       "(DELETE .../sources/" +
                                       name + ")"));
  });
}

void SourcesApi::store(const Source& source, std::function<void(Status)> cb) {
  sources_.create(source, [source, cb = std::move(cb)](Status st) {
    if (st.ok()) {
      TLOG_INFO("sources", "user=%s provider=%s login=%s api=%s bound", source.user.c_str(),
                providerName(source.provider), log::logValue(source.login).c_str(),
                log::logValue(source.api_url).c_str());
    }
    cb(std::move(st));
  });
}

void SourcesApi::bindToken(const std::string& user, Provider provider, std::string_view body,
                           ApiDone done) {
  auto request = provider == Provider::kGitlab ? parseGitlabBind(body)
                                               : parseGithubBind(body, options_.github_api_url);
  if (!request.ok()) return done(ApiReply::error(request.error()));
  std::make_shared<BindFlow>(*this, user, std::move(request).value(), std::move(done))->start();
}

// Unbinding: while the token is still at hand, delete the hooks it installed (one at a time,
// each result reported; a hook already gone counts as removed), then forget the account and
// disable its triggers (kept, so binding again and re-enabling restores them).
class SourcesApi::UnbindFlow : public std::enable_shared_from_this<UnbindFlow> {
 public:
  UnbindFlow(SourcesApi& api, std::string user, Provider provider, ApiDone done)
      : api_(api), user_(std::move(user)), provider_(provider), done_(std::move(done)) {}

  void start() {
    auto self = shared_from_this();
    api_.loadBound(user_, provider_, [self](Result<Source> s) {
      if (!s.ok()) return self->done_(ApiReply::error(s.error()));
      self->source_ = std::move(s).value();
      self->api_.triggers_.list(self->user_, [self](Result<std::vector<Trigger>> r) {
        if (!r.ok()) {
          self->note_ = "could not read the account's triggers: " + r.error().message;
        } else {
          for (auto& t : *r)
            if (t.provider == self->provider_) self->triggers_.push_back(std::move(t));
        }
        self->removeNext();
      });
    });
  }

 private:
  struct HookResult {
    std::string trigger, repository, hook_id, result, error;
  };

  void removeNext() {
    while (next_ < triggers_.size() && !triggers_[next_].install_hook) ++next_;
    if (next_ >= triggers_.size()) return forget();
    const Trigger& t = triggers_[next_++];
    auto self = shared_from_this();
    api_.hooks_.runWithSource(t, source_, HookMode::kRemove, [self, t](HookReport report) {
      HookResult r{t.id, t.repository_full_name.empty() ? t.repository_id : t.repository_full_name,
                   t.hook_id, "", ""};
      if (report.error) {
        r.result = "failed";
        r.error = report.error->message;
      } else {
        r.result = report.removed > 0 ? "removed" : "already gone";
        ++self->removed_;
      }
      self->results_.push_back(std::move(r));
      self->removeNext();
    });
  }

  void forget() {
    auto self = shared_from_this();
    api_.sources_.remove(user_, provider_, [self](Status st) {
      if (!st.ok()) return self->done_(ApiReply::error(st.error()));
      TLOG_INFO("sources", "user=%s provider=%s hooks_removed=%d unbound", self->user_.c_str(),
                providerName(self->provider_), self->removed_);
      self->disableNext();
    });
  }

  void disableNext() {
    if (disable_next_ >= triggers_.size()) return answer();
    const Trigger& t = triggers_[disable_next_++];
    int64_t now = api_.clock().unixSeconds();
    auto self = shared_from_this();
    api_.triggers_.update(
        t.id,
        [now](Trigger& current) {
          bool changed = current.enabled || !current.hook_id.empty();
          current.enabled = false;
          if (current.install_hook) {
            current.hook_id.clear();
            current.hook_active = false;
            current.hook_note = "the hook was removed when the account was unbound";
          }
          if (changed) current.updated_at = now;
          return okStatus();
        },
        [self, was_enabled = t.enabled](Result<Trigger> r) {
          if (r.ok() && was_enabled) ++self->disabled_;
          self->disableNext();
        });
  }

  void answer() {
    std::string note = note_;
    bool manual = std::any_of(triggers_.begin(), triggers_.end(),
                              [](const Trigger& t) { return !t.install_hook; });
    if (manual && note.empty())
      note = "webhooks added by hand stay in the repositories' settings; remove them there";
    done_(ApiReply{200,
                   json::build([&](json::Writer& w) {
                     w.StartObject();
                     json::kv(w, "unbound", providerName(provider_));
                     json::key(w, "triggers_disabled");
                     w.Int(disabled_);
                     json::key(w, "hooks_removed");
                     w.Int(removed_);
                     json::key(w, "hooks");
                     w.StartArray();
                     for (const auto& r : results_) {
                       w.StartObject();
                       json::kv(w, "trigger", r.trigger);
                       json::kv(w, "repository", r.repository);
                       json::kv(w, "hook_id", r.hook_id);
                       json::kv(w, "result", r.result);
                       if (!r.error.empty()) json::kv(w, "error", r.error);
                       w.EndObject();
                     }
                     w.EndArray();
                     if (!note.empty()) json::kv(w, "note", note);
                     w.EndObject();
                   }),
                   {}});
  }

  SourcesApi& api_;
  std::string user_;
  Provider provider_;
  ApiDone done_;
  Source source_;
  std::vector<Trigger> triggers_;
  size_t next_ = 0;
  size_t disable_next_ = 0;
  std::vector<HookResult> results_;
  int removed_ = 0;
  int disabled_ = 0;
  std::string note_;
};

void SourcesApi::unbind(const std::string& user, Provider provider, ApiDone done) {
  std::make_shared<UnbindFlow>(*this, user, provider, std::move(done))->start();
}

void SourcesApi::loadBound(const std::string& user, Provider provider,
                           std::function<void(Result<Source>)> cb) {
  sources_.get(user, provider, [provider, cb = std::move(cb)](Result<std::optional<Source>> r) {
    if (!r.ok()) return cb(r.error());
    if (!r->has_value()) return cb(notBound(provider));
    cb(std::move(**r));
  });
}

void SourcesApi::browse(const std::string& user, Provider provider, Listing what,
                        const std::string& repo, const std::string& page_token, ApiDone done) {
  if (page_token.size() > 256)
    return done(ApiReply::error(Error::badRequest("page", "page token too long")));
  loadBound(
      user, provider, [this, what, repo, page_token, done = std::move(done)](Result<Source> src) {
        if (!src.ok()) return done(ApiReply::error(src.error()));
        auto provider_client = client(src->endpoint());
        auto onRepos = [done](Result<Page<RepoSummary>> p) {
          if (!p.ok()) return done(ApiReply::error(p.error()));
          done(pageReply("repositories", *p, writeRepo));
        };
        auto onRefs = [done, what](Result<Page<RefSummary>> p) {
          if (!p.ok()) return done(ApiReply::error(p.error()));
          done(pageReply(what == Listing::kTags ? "tags" : "branches", *p, writeRef));
        };
        ApiCall call = what == Listing::kRepos
                           ? provider_client->listRepos(src->token, page_token, onRepos)
                       : what == Listing::kTags
                           ? provider_client->listTags(src->token, repo, page_token, onRefs)
                           : provider_client->listBranches(src->token, repo, page_token, onRefs);
        if (!call.ok()) done(ApiReply::error(call.error()));
      });
}

}  // namespace triggerd
