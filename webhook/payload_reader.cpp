#include "webhook/payload_reader.h"

#include <rapidjson/error/en.h>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"

namespace triggerd::payload {
namespace {

constexpr size_t kMaxRefLength = 1024;

Error missing(const std::string& path, const char* what) {
  return Error::badRequest(path, path + " is missing; expected " + what);
}

Error wrongType(const std::string& path, const char* what, const Value& got) {
  return Error::badRequest(path, path + " must be " + what + ", not " + jsonTypeName(got));
}

std::string_view stringOf(const Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

bool isHex(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

Status readPathList(const Value& commit, const std::string& parent, const char* name,
                    std::vector<std::string>* out) {
  const Value* v = json::member(commit, name);
  if (!v || v->IsNull()) return okStatus();
  std::string path = joinPath(parent, name);
  if (!v->IsArray()) return wrongType(path, "an array of file paths", *v);
  out->reserve(v->Size());
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const Value& item = (*v)[i];
    if (!item.IsString()) return wrongType(indexPath(path, i), "a file path string", item);
    out->emplace_back(stringOf(item));
  }
  return okStatus();
}

}  // namespace

Result<rapidjson::Document> parseJson(std::string& text, const std::string& field,
                                      JsonArena& arena) {
  if (text.empty()) return Error::badRequest(field, field + " is empty; expected a JSON object");
  // JSON text never holds a raw NUL; refusing it up front also keeps the in-situ parse below,
  // which stops at a NUL, equivalent to parsing the whole buffer.
  if (text.find('\0') != std::string::npos)
    return Error::badRequest(field, field + " contains a NUL byte; payloads must be UTF-8 JSON");
  // One pass over the whole body checks the encoding (a fast ASCII path) instead of RapidJSON
  // validating every string character by character: the parse is the hot path's largest cost.
  if (!isValidUtf8(text))
    return Error::badRequest(field, field + " is not valid UTF-8; payloads must be UTF-8 JSON");
  rapidjson::Document doc(&arena.pool());
  // In situ: strings stay in `text` instead of being copied into the document's pool.
  doc.ParseInsitu<rapidjson::kParseIterativeFlag>(text.data());
  if (doc.HasParseError()) {
    return Error::badRequest(field, field + " is not valid JSON (offset " +
                                        std::to_string(doc.GetErrorOffset()) + ": " +
                                        rapidjson::GetParseError_En(doc.GetParseError()) + ")");
  }
  if (!doc.IsObject()) {
    return Error::badRequest(field, field + " must be a JSON object, not " + jsonTypeName(doc));
  }
  return doc;
}

std::string joinPath(std::string_view parent, std::string_view name) {
  if (parent.empty()) return std::string(name);
  std::string out;
  out.reserve(parent.size() + 1 + name.size());
  out.append(parent).append(".").append(name);
  return out;
}

std::string indexPath(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

Result<const Value*> requireObject(const Value& obj, std::string_view parent, const char* name) {
  std::string path = joinPath(parent, name);
  const Value* v = json::member(obj, name);
  if (!v || v->IsNull()) return missing(path, "an object");
  if (!v->IsObject()) return wrongType(path, "an object", *v);
  return v;
}

Result<const Value*> requireArray(const Value& obj, std::string_view parent, const char* name) {
  std::string path = joinPath(parent, name);
  const Value* v = json::member(obj, name);
  if (!v || v->IsNull()) return missing(path, "an array");
  if (!v->IsArray()) return wrongType(path, "an array", *v);
  return v;
}

Result<std::string> requireString(const Value& obj, std::string_view parent, const char* name) {
  std::string path = joinPath(parent, name);
  const Value* v = json::member(obj, name);
  if (!v || v->IsNull()) return missing(path, "a string");
  if (!v->IsString()) return wrongType(path, "a string", *v);
  if (v->GetStringLength() == 0) return Error::badRequest(path, path + " is empty");
  return std::string(stringOf(*v));
}

Result<std::string> requireId(const Value& obj, std::string_view parent, const char* name) {
  std::string path = joinPath(parent, name);
  const Value* v = json::member(obj, name);
  if (!v || v->IsNull()) return missing(path, "an id");
  if (v->IsUint64()) return std::to_string(v->GetUint64());
  if (v->IsString() && v->GetStringLength() > 0) return std::string(stringOf(*v));
  return wrongType(path, "a non-negative integer id", *v);
}

Result<std::string> requireSha(const Value& obj, std::string_view parent, const char* name) {
  std::string path = joinPath(parent, name);
  const Value* v = json::member(obj, name);
  if (!v || v->IsNull()) return missing(path, "a commit SHA");
  if (!v->IsString()) return wrongType(path, "a commit SHA string", *v);
  std::string_view sha = stringOf(*v);
  if ((sha.size() != 40 && sha.size() != 64) || !isHex(sha)) {
    return Error::badRequest(
        path, path + " is " + quoted(sha) + "; expected a commit SHA of 40 or 64 hex digits");
  }
  return toLower(sha);
}

Result<bool> requireBool(const Value& obj, std::string_view parent, const char* name) {
  std::string path = joinPath(parent, name);
  const Value* v = json::member(obj, name);
  if (!v || v->IsNull()) return missing(path, "a boolean");
  if (!v->IsBool()) return wrongType(path, "a boolean", *v);
  return v->GetBool();
}

Status optionalBool(const Value& obj, std::string_view parent, const char* name, bool* out) {
  *out = false;
  const Value* v = json::member(obj, name);
  if (!v || v->IsNull()) return okStatus();
  if (!v->IsBool()) return wrongType(joinPath(parent, name), "a boolean", *v);
  *out = v->GetBool();
  return okStatus();
}

Status optionalString(const Value& obj, std::string_view parent, const char* name,
                      std::string* out) {
  out->clear();
  const Value* v = json::member(obj, name);
  if (!v || v->IsNull()) return okStatus();
  if (!v->IsString()) return wrongType(joinPath(parent, name), "a string", *v);
  out->assign(stringOf(*v));
  return okStatus();
}

Status readCommit(const Value& commit, const std::string& path, CommitInfo* out) {
  if (!commit.IsObject()) return wrongType(path, "a commit object", commit);
  auto sha = requireSha(commit, path, "id");
  if (!sha) return sha.error();
  out->sha = std::move(*sha);
  if (auto st = optionalString(commit, path, "message", &out->message); !st) return st;
  if (auto st = optionalString(commit, path, "timestamp", &out->timestamp); !st) return st;

  out->author.clear();
  if (const Value* author = json::member(commit, "author"); author && !author->IsNull()) {
    std::string author_path = joinPath(path, "author");
    if (!author->IsObject()) return wrongType(author_path, "an object", *author);
    std::string name, email;
    if (auto st = optionalString(*author, author_path, "name", &name); !st) return st;
    if (auto st = optionalString(*author, author_path, "email", &email); !st) return st;
    out->author = formatAuthor(name, email);
  }
  out->added.clear();
  out->modified.clear();
  out->removed.clear();
  if (auto st = readPathList(commit, path, "added", &out->added); !st) return st;
  if (auto st = readPathList(commit, path, "modified", &out->modified); !st) return st;
  if (auto st = readPathList(commit, path, "removed", &out->removed); !st) return st;
  return okStatus();
}

Status readCommits(const Value& root, std::vector<CommitInfo>* out) {
  auto commits = requireArray(root, "", "commits");
  if (!commits) return commits.error();
  const Value& list = **commits;
  out->clear();
  out->reserve(list.Size());
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    CommitInfo c;
    if (auto st = readCommit(list[i], indexPath("commits", i), &c); !st) return st;
    out->push_back(std::move(c));
  }
  return okStatus();
}

bool isZeroSha(std::string_view sha) {
  if (sha.size() != 40 && sha.size() != 64) return false;
  return sha.find_first_not_of('0') == std::string_view::npos;
}

std::string mediaType(std::string_view content_type) {
  return toLower(trim(content_type.substr(0, content_type.find(';'))));
}

std::string quoted(std::string_view untrusted) {
  return "'" + log::logValue(untrusted, 64) + "'";
}

std::string formatAuthor(std::string_view name, std::string_view email) {
  name = trim(name);
  email = trim(email);
  if (email.empty() || email == "[REDACTED]") return std::string(name);
  if (name.empty()) return "<" + std::string(email) + ">";
  return std::string(name) + " <" + std::string(email) + ">";
}

bool validRefName(std::string_view ref) {
  if (ref.empty() || ref.size() > kMaxRefLength) return false;
  if (ref.front() == '/' || ref.back() == '/' || ref.back() == '.') return false;
  if (ref == "@") return false;
  if (ref.find("..") != std::string_view::npos || ref.find("@{") != std::string_view::npos ||
      ref.find("//") != std::string_view::npos)
    return false;
  for (char ch : ref) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' ||
        c == '\\')
      return false;
  }
  // Per component: no leading '.', no ".lock" suffix.
  size_t start = 0;
  while (start <= ref.size()) {
    size_t end = ref.find('/', start);
    if (end == std::string_view::npos) end = ref.size();
    std::string_view part = ref.substr(start, end - start);
    if (!part.empty() && part.front() == '.') return false;
    if (part.size() >= 5 && part.substr(part.size() - 5) == ".lock") return false;
    start = end + 1;
  }
  return true;
}

RefClass classifyRef(std::string_view ref) {
  constexpr std::string_view kHeads = "refs/heads/";
  constexpr std::string_view kTags = "refs/tags/";
  if (ref.size() > kHeads.size() && ref.substr(0, kHeads.size()) == kHeads)
    return RefClass{RefKind::kBranch, ref.substr(kHeads.size())};
  if (ref.size() > kTags.size() && ref.substr(0, kTags.size()) == kTags)
    return RefClass{RefKind::kTag, ref.substr(kTags.size())};
  return RefClass{RefKind::kOther, ref};
}

const char* refKindName(RefKind kind) {
  switch (kind) {
    case RefKind::kBranch:
      return "branch";
    case RefKind::kTag:
      return "tag";
    case RefKind::kOther:
      break;
  }
  return "ref";
}

Error unsupportedContentType(std::string_view content_type, std::string_view accepted) {
  std::string what = trim(content_type).empty()
                         ? std::string("Content-Type is missing")
                         : "Content-Type " + quoted(content_type) + " is not supported";
  return Error{415, "Content-Type", what + "; send " + std::string(accepted)};
}

Delivery ignoredDelivery(std::string reason) {
  Delivery d;
  d.kind = DeliveryKind::kIgnored;
  d.ignored_reason = std::move(reason);
  return d;
}

}  // namespace triggerd::payload
