// GitHub deliveries: ping and push (branches and tags), as JSON or as the form encoding.
#include "common/clock.h"
#include "common/encoding.h"
#include "webhook/payload_reader.h"
#include "webhook/push_event.h"

namespace triggerd {
namespace {

using payload::Value;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kForm = "application/x-www-form-urlencoded";
// GitHub lists at most 2048 commits in a push payload.
constexpr size_t kGithubMaxCommits = 2048;

// The JSON text of the delivery: the body itself, or the form's payload field.
struct JsonSource {
  std::string decoded;    // owns the form-decoded text
  std::string_view text;  // what to parse
  std::string field;      // names the input in errors
};

Result<JsonSource> jsonSource(bool form, std::string_view body) {
  JsonSource src;
  if (!form) {
    src.text = body;
    src.field = "body";
    return src;
  }
  auto fields = parseForm(body);
  if (!fields) {
    return Error::badRequest("body",
                             "form body has a malformed %-escape; GitHub sends payload=<JSON, "
                             "URL-encoded>");
  }
  bool found = false;
  for (auto& [name, value] : *fields) {
    if (name != "payload") continue;
    if (found) return Error::badRequest("payload", "form field payload appears more than once");
    src.decoded = std::move(value);
    found = true;
  }
  if (!found) {
    return Error::badRequest("payload",
                             "form body has no payload field; GitHub sends the JSON document as "
                             "payload=<URL-encoded JSON>");
  }
  src.field = "payload";
  return src;
}

// A hook id as a number or a string; empty when absent or of another type.
std::string hookId(Value obj, const char* name) {
  auto id = payload::requireId(obj, "", name);
  return id ? std::move(*id) : std::string();
}

Result<Delivery> parsePing(Value root) {
  Delivery d;
  d.kind = DeliveryKind::kPing;
  // hook_id is top level; older and app pings are also read from hook.id.
  d.hook_id = hookId(root, "hook_id");
  if (std::optional<Value> hook = payload::member(root, "hook");
      d.hook_id.empty() && hook && hook->is_object()) {
    d.hook_id = hookId(*hook, "id");
  }
  if (d.hook_id.empty()) {
    return Error::badRequest("hook_id", "ping payload has neither hook_id nor hook.id");
  }
  return d;
}

Status readRepository(Value root, RepositoryInfo* out) {
  auto repo = payload::requireObject(root, "", "repository");
  if (!repo) return repo.error();
  Value r = *repo;
  auto id = payload::requireId(r, "repository", "id");
  if (!id) return id.error();
  auto full_name = payload::requireString(r, "repository", "full_name");
  if (!full_name) return full_name.error();
  auto clone_url = payload::requireString(r, "repository", "clone_url");
  if (!clone_url) return clone_url.error();
  auto ssh_url = payload::requireString(r, "repository", "ssh_url");
  if (!ssh_url) return ssh_url.error();
  auto is_private = payload::requireBool(r, "repository", "private");
  if (!is_private) return is_private.error();
  out->id = std::move(*id);
  out->full_name = std::move(*full_name);
  out->clone_url = std::move(*clone_url);
  out->ssh_url = std::move(*ssh_url);
  out->is_private = *is_private;
  return okStatus();
}

// repository.pushed_at: Unix seconds in push payloads (an ISO 8601 string in other events); 0
// when absent or unreadable, which the ingest path treats as "unknown".
int64_t pushedAt(Value root) {
  std::optional<Value> repo = payload::member(root, "repository");
  std::optional<Value> v = repo ? payload::member(*repo, "pushed_at") : std::nullopt;
  if (!v) return 0;
  int64_t seconds;
  if (!v->get(seconds)) return seconds;
  std::string_view text;
  if (!v->get(text)) {
    std::chrono::system_clock::time_point t;
    if (parseIso8601(text, &t))
      return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }
  return 0;
}

Result<Delivery> parsePush(Value root) {
  auto ref = payload::requireString(root, "", "ref");
  if (!ref) return ref.error();
  if (!payload::validRefName(*ref)) {
    return Error::badRequest("ref", "ref " + payload::quoted(*ref) + " is not a valid git ref");
  }
  payload::RefClass cls = payload::classifyRef(*ref);
  if (cls.kind == payload::RefKind::kOther) {
    return payload::ignoredDelivery("ref " + payload::quoted(*ref) +
                                    " is neither a branch nor a tag");
  }
  auto before = payload::requireSha(root, "", "before");
  if (!before) return before.error();
  auto after = payload::requireSha(root, "", "after");
  if (!after) return after.error();

  bool deleted = false;
  if (auto st = payload::optionalBool(root, "", "deleted", &deleted); !st) return st.error();
  if (deleted || payload::isZeroSha(*after)) {
    return payload::ignoredDelivery(std::string(payload::refKindName(cls.kind)) + " deletion");
  }

  Delivery d;
  d.kind = DeliveryKind::kPush;
  PushEvent& push = d.push;
  push.ref = *ref;
  push.ref_type = cls.kind == payload::RefKind::kTag ? RefType::kTag : RefType::kBranch;
  push.ref_name = std::string(cls.name);
  push.before = std::move(*before);
  push.after = std::move(*after);

  if (auto st = readRepository(root, &push.repository); !st) return st.error();
  push.pushed_at = pushedAt(root);

  // Every push that is not a deletion carries head_commit; for a tag it is the tagged commit.
  // Its id, not `after`, is the commit to build: for an annotated tag `after` names the tag
  // object, which the commit status API and a plain checkout of a commit do not accept.
  auto head = payload::requireObject(root, "", "head_commit");
  if (!head) return head.error();
  if (auto st = payload::readCommit(*head, "head_commit", &push.head); !st) return st.error();

  if (auto st = payload::readCommits(root, &push.commits); !st) return st.error();
  // GitHub stops listing commits at 2048. A branch push with an empty list (a new branch
  // at an existing commit, or a force push back to one) says nothing about changed files, so
  // path filters must not rule the build out either. Tag pushes never list commits.
  push.commits_truncated = push.commits.size() >= kGithubMaxCommits ||
                           (push.commits.empty() && push.ref_type == RefType::kBranch);
  return d;
}

}  // namespace

Result<Delivery> parseGithubDelivery(std::string_view event, std::string_view content_type,
                                     std::string_view body) {
  std::string type = payload::mediaType(content_type);
  bool form = type == kForm;
  if (type != kJson && !form) {
    return payload::unsupportedContentType(content_type,
                                           "application/json (the hook's content type \"json\") or "
                                           "application/x-www-form-urlencoded");
  }
  if (event.empty()) {
    return Error::badRequest("X-GitHub-Event",
                             "X-GitHub-Event header is missing; GitHub names the event in it");
  }
  // Other events are answered without looking at their payload.
  if (event != "push" && event != "ping") {
    return payload::ignoredDelivery("event " + payload::quoted(event) + " is not handled");
  }

  auto src = jsonSource(form, body);
  if (!src) return src.error();
  payload::JsonParse parse;
  auto root = parse.parse(form ? std::string_view(src->decoded) : src->text, src->field);
  if (!root) return root.error();
  return event == "ping" ? parsePing(*root) : parsePush(*root);
}

}  // namespace triggerd
