// GitLab deliveries: Push Hook and Tag Push Hook.
#include "webhook/payload_reader.h"
#include "webhook/push_event.h"

namespace triggerd {
namespace {

using payload::Value;

constexpr std::string_view kPushHook = "Push Hook";
constexpr std::string_view kTagPushHook = "Tag Push Hook";
constexpr int64_t kVisibilityPublic = 20;  // 0 private, 10 internal, 20 public

Status readProject(Value root, RepositoryInfo* out) {
  auto project = payload::requireObject(root, "", "project");
  if (!project) return project.error();
  Value p = *project;
  auto id = payload::requireId(p, "project", "id");
  if (!id) return id.error();
  auto path = payload::requireString(p, "project", "path_with_namespace");
  if (!path) return path.error();
  auto http_url = payload::requireString(p, "project", "git_http_url");
  if (!http_url) return http_url.error();
  auto ssh_url = payload::requireString(p, "project", "git_ssh_url");
  if (!ssh_url) return ssh_url.error();
  // Internal projects need credentials to clone just like private ones, so only public
  // counts as public. An absent level is treated as private, the safe reading.
  int64_t visibility = 0;
  if (std::optional<Value> v = payload::member(p, "visibility_level"); v && !v->is_null()) {
    if (v->get(visibility)) {
      return Error::badRequest("project.visibility_level",
                               "project.visibility_level must be an integer (0, 10 or 20)");
    }
  }
  out->id = std::move(*id);
  out->full_name = std::move(*path);
  out->clone_url = std::move(*http_url);
  out->ssh_url = std::move(*ssh_url);
  out->is_private = visibility != kVisibilityPublic;
  return okStatus();
}

}  // namespace

Result<Delivery> parseGitlabDelivery(std::string_view event, std::string_view content_type,
                                     std::string_view body) {
  if (payload::mediaType(content_type) != "application/json") {
    return payload::unsupportedContentType(content_type, "application/json");
  }
  if (event.empty()) {
    return Error::badRequest("X-Gitlab-Event",
                             "X-Gitlab-Event header is missing; GitLab names the event in it");
  }
  if (event != kPushHook && event != kTagPushHook) {
    return payload::ignoredDelivery("event " + payload::quoted(event) + " is not handled");
  }
  bool tag_event = event == kTagPushHook;

  payload::JsonParse parse;
  auto parsed = parse.parse(body, "body");
  if (!parsed) return parsed.error();
  Value root = *parsed;

  auto kind = payload::requireString(root, "", "object_kind");
  if (!kind) return kind.error();
  std::string_view expected_kind = tag_event ? "tag_push" : "push";
  if (*kind != expected_kind) {
    return Error::badRequest("object_kind", "object_kind " + payload::quoted(*kind) +
                                                " does not match X-Gitlab-Event '" +
                                                std::string(event) + "' (expected '" +
                                                std::string(expected_kind) + "')");
  }

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
  if ((cls.kind == payload::RefKind::kTag) != tag_event) {
    return Error::badRequest("ref", "ref " + payload::quoted(*ref) + " is not a " +
                                        (tag_event ? "tag" : "branch") + " but the event is '" +
                                        std::string(event) + "'");
  }

  auto before = payload::requireSha(root, "", "before");
  if (!before) return before.error();
  auto after = payload::requireSha(root, "", "after");
  if (!after) return after.error();
  // A deletion has an all-zero `after` and no checkout_sha: nothing to build.
  std::optional<Value> checkout = payload::member(root, "checkout_sha");
  if (payload::isZeroSha(*after) || (checkout && checkout->is_null())) {
    return payload::ignoredDelivery(std::string(payload::refKindName(cls.kind)) + " deletion");
  }

  Delivery d;
  d.kind = DeliveryKind::kPush;
  PushEvent& push = d.push;
  push.ref = *ref;
  push.ref_type = tag_event ? RefType::kTag : RefType::kBranch;
  push.ref_name = std::string(cls.name);
  push.before = std::move(*before);
  push.after = std::move(*after);

  // checkout_sha is the commit to build; for an annotated tag `after` is the tag object.
  auto head_sha = payload::requireSha(root, "", "checkout_sha");
  if (!head_sha) return head_sha.error();

  if (auto st = readProject(root, &push.repository); !st) return st.error();
  if (auto st = payload::readCommits(root, &push.commits); !st) return st.error();

  int64_t total = static_cast<int64_t>(push.commits.size());
  if (std::optional<Value> v = payload::member(root, "total_commits_count"); v && !v->is_null()) {
    if (v->get(total) || total < 0) {
      return Error::badRequest("total_commits_count",
                               "total_commits_count must be a non-negative integer");
    }
  }
  // GitLab lists only the newest 20 commits. As for GitHub, a branch push listing none
  // (a new branch without new commits) cannot tell path filters what changed.
  push.commits_truncated = total > static_cast<int64_t>(push.commits.size()) ||
                           (push.commits.empty() && push.ref_type == RefType::kBranch);

  // The head's details come from its entry in commits[]; a tag push lists no commits, so
  // the pusher stands in as the author and the message stays empty.
  bool found = false;
  for (const CommitInfo& c : push.commits) {
    if (c.sha == *head_sha) {
      push.head = c;
      found = true;
      break;
    }
  }
  if (!found) {
    std::string user_name, user_email;
    if (auto st = payload::optionalString(root, "", "user_name", &user_name); !st)
      return st.error();
    if (auto st = payload::optionalString(root, "", "user_email", &user_email); !st)
      return st.error();
    push.head.sha = *head_sha;
    push.head.author = payload::formatAuthor(user_name, user_email);
  }
  return d;
}

}  // namespace triggerd
