// Typed, path-aware reads over an untrusted provider payload, shared by the GitHub and GitLab
// delivery parsers (internal to webhook/). Every failure is a 400 naming the JSON path at
// fault, e.g. "commits[2].added[0]", so a client can see what the payload got wrong.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "webhook/push_event.h"

namespace triggerd::payload {

// A value of a parsed payload: a small handle into the parse that made it.
using Value = simdjson::dom::element;

// One payload's parse. simdjson's DOM parser validates UTF-8 and the JSON grammar in one SIMD
// pass (about five times RapidJSON's speed on a push payload, the hot path's largest cost) and
// never recurses, so deep nesting cannot exhaust the stack. A payload up to kReusedCapacity
// borrows the thread's parser, whose buffers stay allocated between deliveries; a larger one,
// or one parsed while the thread's parser is lent out, gets a parser of its own.
class JsonParse {
 public:
  // simdjson keeps about 14 bytes of buffers per byte of capacity: a few MiB per thread.
  static constexpr size_t kReusedCapacity = 256 * 1024;
  static constexpr size_t kMaxDepth = simdjson::DEFAULT_MAX_DEPTH;

  JsonParse() = default;
  ~JsonParse();
  JsonParse(const JsonParse&) = delete;
  JsonParse& operator=(const JsonParse&) = delete;

  // Parses untrusted JSON whose root must be an object. `field` names the input in errors
  // ("body", "payload"). The values stay valid while this object lives; parse once per object.
  Result<Value> parse(std::string_view text, const std::string& field);

 private:
  std::unique_ptr<simdjson::dom::parser> own_;
  bool borrowed_ = false;
};

// The member `name` of an object, or nothing when it is absent.
std::optional<Value> member(Value obj, const char* name);
// "null", "a boolean", "a number", "a string", "an array", "an object": for error messages.
const char* typeName(Value v);

// "repository" + "id" -> "repository.id"; an empty parent yields the name alone.
std::string joinPath(std::string_view parent, std::string_view name);
// "commits" + 3 -> "commits[3]".
std::string indexPath(std::string_view parent, size_t index);

// Required members: absent, null or of another type is a 400 naming parent.name.
Result<Value> requireObject(Value obj, std::string_view parent, const char* name);
Result<Value> requireArray(Value obj, std::string_view parent, const char* name);
Result<std::string> requireString(Value obj, std::string_view parent, const char* name);
// A non-negative integer or a non-empty string (ids are numbers on GitHub and GitLab).
Result<std::string> requireId(Value obj, std::string_view parent, const char* name);
// A commit SHA: 40 (SHA-1) or 64 (SHA-256 repositories) hex digits, returned in lower case.
Result<std::string> requireSha(Value obj, std::string_view parent, const char* name);
Result<bool> requireBool(Value obj, std::string_view parent, const char* name);
// Optional members: absent or null leaves `out` empty (or false); another type is a 400.
Status optionalString(Value obj, std::string_view parent, const char* name, std::string* out);
Status optionalBool(Value obj, std::string_view parent, const char* name, bool* out);

// Reads a commit object of the shape both providers share: id, message, timestamp,
// author{name,email}, added/modified/removed.
Status readCommit(Value commit, const std::string& path, CommitInfo* out);
// Reads the required "commits" array of the payload root.
Status readCommits(Value root, std::vector<CommitInfo>* out);

bool isZeroSha(std::string_view sha);
// The media type of a Content-Type value, lower case, without parameters ("; charset=...").
std::string mediaType(std::string_view content_type);
// Untrusted text made printable and short, in single quotes, for error messages and reasons.
std::string quoted(std::string_view untrusted);
// "Name <email>", or the name alone when the email is empty or GitLab's "[REDACTED]".
std::string formatAuthor(std::string_view name, std::string_view email);

// The rules of `git check-ref-format` that matter here, plus a length cap: a ref that breaks
// them did not come from a real push and must not reach tag templates or a runner's env.
bool validRefName(std::string_view ref);

enum class RefKind { kBranch, kTag, kOther };
struct RefClass {
  RefKind kind = RefKind::kOther;
  std::string_view name;  // the part after refs/heads/ or refs/tags/
};
RefClass classifyRef(std::string_view ref);
const char* refKindName(RefKind kind);  // "branch", "tag", "ref"

Error unsupportedContentType(std::string_view content_type, std::string_view accepted);
Delivery ignoredDelivery(std::string reason);

}  // namespace triggerd::payload
