#include "queue/job.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/encoding.h"
#include "common/json.h"

namespace triggerd {
namespace {

// Commit messages and author names come from Git, which does not enforce an encoding. A job must
// be valid JSON (valid UTF-8) for every runner, so invalid bytes become U+FFFD.
void writeString(json::Writer& w, std::string_view v) {
  if (isValidUtf8(v)) {
    json::str(w, v);
  } else {
    json::str(w, replaceInvalidUtf8(v));
  }
}

void writeKv(json::Writer& w, std::string_view k, std::string_view v) {
  json::key(w, k);
  writeString(w, v);
}

const char* refTypeName(RefType t) {
  return t == RefType::kTag ? "tag" : "branch";
}

// Field readers for decodeJob: each names the JSON path at fault.
class Reader {
 public:
  explicit Reader(std::string prefix = {}) : prefix_(std::move(prefix)) {}

  std::string path(const char* name) const { return prefix_ + name; }

  Status requiredString(const rapidjson::Value& obj, const char* name, std::string* out) const {
    const auto* v = json::member(obj, name);
    if (!v) return Error::badRequest(path(name), "required field is missing");
    if (!v->IsString()) return Error::badRequest(path(name), "must be a string");
    out->assign(v->GetString(), v->GetStringLength());
    if (out->empty()) return Error::badRequest(path(name), "must not be empty");
    return okStatus();
  }
  // Absent keeps the default; present must be a string (possibly empty).
  Status optionalString(const rapidjson::Value& obj, const char* name, std::string* out) const {
    const auto* v = json::member(obj, name);
    if (!v) return okStatus();
    if (!v->IsString()) return Error::badRequest(path(name), "must be a string");
    out->assign(v->GetString(), v->GetStringLength());
    return okStatus();
  }
  Result<const rapidjson::Value*> object(const rapidjson::Value& obj, const char* name,
                                         bool required) const {
    const auto* v = json::member(obj, name);
    if (!v) {
      if (required) return Error::badRequest(path(name), "required field is missing");
      return static_cast<const rapidjson::Value*>(nullptr);
    }
    if (!v->IsObject()) return Error::badRequest(path(name), "must be an object");
    return v;
  }

 private:
  std::string prefix_;
};

#define TRY(expr)               \
  do {                          \
    Status s_ = (expr);         \
    if (!s_) return s_.error(); \
  } while (0)

}  // namespace

std::string encodeJob(const Job& job) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  // Field order follows docs/job-schema.md, so a job reads the same in redis-cli and the docs.
  w.StartObject();
  json::key(w, "schema");
  w.Int(Job::kSchema);
  writeKv(w, "id", job.id);
  writeKv(w, "trigger_id", job.trigger_id);
  writeKv(w, "user", job.user);
  writeKv(w, "provider", providerName(job.provider));
  json::key(w, "repository");
  w.StartObject();
  writeKv(w, "id", job.repository.id);
  writeKv(w, "full_name", job.repository.full_name);
  writeKv(w, "clone_url", job.repository.clone_url);
  writeKv(w, "ssh_url", job.repository.ssh_url);
  json::key(w, "private");
  w.Bool(job.repository.is_private);
  w.EndObject();
  writeKv(w, "event", job.event);
  writeKv(w, "ref", job.ref);
  writeKv(w, "ref_type", refTypeName(job.ref_type));
  writeKv(w, "ref_name", job.ref_name);
  json::key(w, "commit");
  w.StartObject();
  writeKv(w, "sha", job.commit.sha);
  writeKv(w, "message", job.commit.message);
  writeKv(w, "author", job.commit.author);
  writeKv(w, "timestamp", job.commit.timestamp);
  w.EndObject();
  writeKv(w, "image", job.image);
  json::key(w, "tags");
  w.StartArray();
  for (const auto& t : job.tags) writeString(w, t);
  w.EndArray();
  writeKv(w, "dockerfile", job.dockerfile);
  writeKv(w, "context", job.context);
  json::key(w, "build_args");
  w.StartObject();
  for (const auto& [k, v] : job.build_args) writeKv(w, k, v);
  w.EndObject();
  writeKv(w, "delivery_id", job.delivery_id);
  writeKv(w, "received_at", job.received_at);
  json::key(w, "attempt");
  w.Int(job.attempt);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<Job> decodeJob(std::string_view text) {
  auto doc = json::parse(text, "job");
  if (!doc) return doc.error();
  const rapidjson::Value& root = *doc;
  if (!root.IsObject()) return Error::badRequest("job", "must be a JSON object");

  const auto* schema = json::member(root, "schema");
  if (!schema) return Error::badRequest("schema", "required field is missing");
  if (!schema->IsInt64()) return Error::badRequest("schema", "must be an integer");
  // Unknown fields are fine (additive changes); an unknown schema is a breaking change.
  if (schema->GetInt64() != Job::kSchema)
    return Error::badRequest(
        "schema", "unsupported job schema " + std::to_string(schema->GetInt64()) + " (expected 1)");

  Job job;
  Reader top;
  TRY(top.requiredString(root, "id", &job.id));
  TRY(top.requiredString(root, "trigger_id", &job.trigger_id));
  TRY(top.requiredString(root, "user", &job.user));
  std::string provider;
  TRY(top.requiredString(root, "provider", &provider));
  auto parsed_provider = parseProvider(provider);
  if (!parsed_provider) return Error::badRequest("provider", "must be \"github\" or \"gitlab\"");
  job.provider = *parsed_provider;

  auto repo = top.object(root, "repository", true);
  if (!repo) return repo.error();
  Reader r("repository.");
  TRY(r.requiredString(**repo, "id", &job.repository.id));
  TRY(r.requiredString(**repo, "full_name", &job.repository.full_name));
  TRY(r.requiredString(**repo, "clone_url", &job.repository.clone_url));
  TRY(r.optionalString(**repo, "ssh_url", &job.repository.ssh_url));
  if (const auto* p = json::member(**repo, "private")) {
    if (!p->IsBool()) return Error::badRequest("repository.private", "must be true or false");
    job.repository.is_private = p->GetBool();
  }

  TRY(top.requiredString(root, "event", &job.event));
  TRY(top.requiredString(root, "ref", &job.ref));
  std::string ref_type;
  TRY(top.requiredString(root, "ref_type", &ref_type));
  if (ref_type == "branch") {
    job.ref_type = RefType::kBranch;
  } else if (ref_type == "tag") {
    job.ref_type = RefType::kTag;
  } else {
    return Error::badRequest("ref_type", "must be \"branch\" or \"tag\"");
  }
  TRY(top.requiredString(root, "ref_name", &job.ref_name));

  auto commit = top.object(root, "commit", true);
  if (!commit) return commit.error();
  Reader c("commit.");
  TRY(c.requiredString(**commit, "sha", &job.commit.sha));
  TRY(c.optionalString(**commit, "message", &job.commit.message));
  TRY(c.optionalString(**commit, "author", &job.commit.author));
  TRY(c.optionalString(**commit, "timestamp", &job.commit.timestamp));

  TRY(top.requiredString(root, "image", &job.image));
  const auto* tags = json::member(root, "tags");
  if (!tags) return Error::badRequest("tags", "required field is missing");
  if (!tags->IsArray()) return Error::badRequest("tags", "must be an array of strings");
  for (rapidjson::SizeType i = 0; i < tags->Size(); ++i) {
    const auto& t = (*tags)[i];
    if (!t.IsString() || t.GetStringLength() == 0)
      return Error::badRequest("tags[" + std::to_string(i) + "]", "must be a non-empty string");
    job.tags.emplace_back(t.GetString(), t.GetStringLength());
  }

  TRY(top.optionalString(root, "dockerfile", &job.dockerfile));
  TRY(top.optionalString(root, "context", &job.context));
  auto args = top.object(root, "build_args", false);
  if (!args) return args.error();
  if (*args) {
    for (auto it = (*args)->MemberBegin(); it != (*args)->MemberEnd(); ++it) {
      std::string name(it->name.GetString(), it->name.GetStringLength());
      if (!it->value.IsString()) return Error::badRequest("build_args." + name, "must be a string");
      job.build_args.emplace_back(std::move(name),
                                  std::string(it->value.GetString(), it->value.GetStringLength()));
    }
  }
  TRY(top.optionalString(root, "delivery_id", &job.delivery_id));
  TRY(top.optionalString(root, "received_at", &job.received_at));

  const auto* attempt = json::member(root, "attempt");
  if (!attempt) return Error::badRequest("attempt", "required field is missing");
  if (!attempt->IsInt64() || attempt->GetInt64() < 1 || attempt->GetInt64() > 1000000)
    return Error::badRequest("attempt", "must be an integer >= 1");
  job.attempt = static_cast<int>(attempt->GetInt64());
  return job;
}

#undef TRY

}  // namespace triggerd
