// Typed, path-aware reads over an untrusted provider payload, shared by the GitHub and GitLab
// delivery parsers (internal to webhook/). Every failure is a 400 naming the JSON path at
// fault, e.g. "commits[2].added[0]", so a client can see what the payload got wrong.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "webhook/push_event.h"

namespace triggerd::payload {

using Value = rapidjson::Value;

// Where one payload's document lives: a fixed block in the parsing function's frame that a
// typical push fits in, so the hot path's parse allocates no pool (RapidJSON's default pool
// mallocs 64 KiB per document); a larger payload continues in 16 KiB chunks from the heap. The
// document must not outlive it.
class JsonArena {
 public:
  JsonArena() : pool_(block_, sizeof block_, kChunk) {}
  JsonArena(const JsonArena&) = delete;
  JsonArena& operator=(const JsonArena&) = delete;
  rapidjson::MemoryPoolAllocator<>& pool() { return pool_; }

 private:
  static constexpr size_t kChunk = 16 * 1024;
  alignas(std::max_align_t) char block_[kChunk];
  rapidjson::MemoryPoolAllocator<> pool_;
};

// Parses untrusted JSON with RapidJSON's iterative parser, so deep nesting cannot exhaust the
// stack, and refuses invalid UTF-8. `field` names the input in the error ("body", "payload").
// Parses `text` in situ: the document's strings point into it, so `text` must outlive the
// document and is left modified. The document's values live in `arena`.
Result<rapidjson::Document> parseJson(std::string& text, const std::string& field,
                                      JsonArena& arena);

// "repository" + "id" -> "repository.id"; an empty parent yields the name alone.
std::string joinPath(std::string_view parent, std::string_view name);
// "commits" + 3 -> "commits[3]".
std::string indexPath(std::string_view parent, size_t index);

// Required members: absent, null or of another type is a 400 naming parent.name.
Result<const Value*> requireObject(const Value& obj, std::string_view parent, const char* name);
Result<const Value*> requireArray(const Value& obj, std::string_view parent, const char* name);
Result<std::string> requireString(const Value& obj, std::string_view parent, const char* name);
// A non-negative integer or a non-empty string (ids are numbers on GitHub and GitLab).
Result<std::string> requireId(const Value& obj, std::string_view parent, const char* name);
// A commit SHA: 40 (SHA-1) or 64 (SHA-256 repositories) hex digits, returned in lower case.
Result<std::string> requireSha(const Value& obj, std::string_view parent, const char* name);
Result<bool> requireBool(const Value& obj, std::string_view parent, const char* name);
// Optional members: absent or null leaves `out` empty (or false); another type is a 400.
Status optionalString(const Value& obj, std::string_view parent, const char* name,
                      std::string* out);
Status optionalBool(const Value& obj, std::string_view parent, const char* name, bool* out);

// Reads a commit object of the shape both providers share: id, message, timestamp,
// author{name,email}, added/modified/removed.
Status readCommit(const Value& commit, const std::string& path, CommitInfo* out);
// Reads the required "commits" array of the payload root.
Status readCommits(const Value& root, std::vector<CommitInfo>* out);

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
