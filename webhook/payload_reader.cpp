#include "webhook/payload_reader.h"

#include <cstring>

#include "common/encoding.h"
#include "common/log.h"

namespace triggerd::payload {
namespace {

constexpr size_t kMaxRefLength = 1024;

Error missing(const std::string& path, const char* what) {
  return Error::badRequest(path, path + " is missing; expected " + what);
}

Error wrongType(const std::string& path, const char* what, Value got) {
  return Error::badRequest(path, path + " must be " + what + ", not " + typeName(got));
}

bool absent(const std::optional<Value>& v) {
  return !v || v->is_null();
}

// The thread's parser, lent to one JsonParse at a time.
struct ThreadParser {
  simdjson::dom::parser parser{JsonParse::kReusedCapacity};
  bool lent = false;
};

ThreadParser& threadParser() {
  thread_local ThreadParser shared;
  return shared;
}

bool isHex(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

Status readPathList(Value commit, const std::string& parent, const char* name,
                    std::vector<std::string>* out) {
  std::optional<Value> v = member(commit, name);
  if (absent(v)) return okStatus();
  auto path = [&] { return joinPath(parent, name); };
  simdjson::dom::array list;
  if (v->get(list)) return wrongType(path(), "an array of file paths", *v);
  out->reserve(list.size());
  size_t i = 0;
  for (Value item : list) {
    std::string_view text;
    if (item.get(text)) return wrongType(indexPath(path(), i), "a file path string", item);
    out->emplace_back(text);
    ++i;
  }
  return okStatus();
}

}  // namespace

JsonParse::~JsonParse() {
  if (borrowed_) threadParser().lent = false;
}

Result<Value> JsonParse::parse(std::string_view text, const std::string& field) {
  if (text.empty()) return Error::badRequest(field, field + " is empty; expected a JSON object");
  simdjson::dom::parser* parser;
  ThreadParser& shared = threadParser();
  if (text.size() <= kReusedCapacity && !shared.lent && !borrowed_ && !own_) {
    shared.lent = borrowed_ = true;
    parser = &shared.parser;
  } else {
    own_ = std::make_unique<simdjson::dom::parser>();
    parser = own_.get();
  }
  Value root;
  // The parser copies the text into its padded buffer (SIMD loads read past the end).
  simdjson::error_code error = parser->parse(text.data(), text.size(), true).get(root);
  // JSON holds no raw NUL, so simdjson refuses one as a bad string or atom: this names it.
  if (error != simdjson::SUCCESS && std::memchr(text.data(), '\0', text.size()) != nullptr)
    return Error::badRequest(field, field + " contains a NUL byte; payloads must be UTF-8 JSON");
  switch (error) {
    case simdjson::SUCCESS:
      break;
    case simdjson::UTF8_ERROR:
      return Error::badRequest(field, field + " is not valid UTF-8; payloads must be UTF-8 JSON");
    case simdjson::DEPTH_ERROR:
      return Error::badRequest(field, field + " nests arrays and objects more than " +
                                          std::to_string(kMaxDepth) +
                                          " levels deep; a provider payload needs a few");
    case simdjson::MEMALLOC:
      return Error::unavailable("out of memory to parse the " + field);
    default:
      return Error::badRequest(
          field, field + " is not valid JSON (" + simdjson::error_message(error) + ")");
  }
  if (!root.is_object()) {
    return Error::badRequest(field, field + " must be a JSON object, not " + typeName(root));
  }
  return root;
}

std::optional<Value> member(Value obj, const char* name) {
  Value v;
  if (obj.at_key(name).get(v)) return std::nullopt;
  return v;
}

const char* typeName(Value v) {
  switch (v.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
  }
  return "an unknown type";
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

namespace {

// The member `name`, or the 400 saying it is missing (absent or null). The path is only spelled
// out for an error: most are longer than a short string holds.
Result<Value> present(Value obj, std::string_view parent, const char* name, const char* what) {
  std::optional<Value> v = member(obj, name);
  if (absent(v)) return missing(joinPath(parent, name), what);
  return *v;
}

// A required member that is an object or an array (`what` names which).
Result<Value> requireKind(Value obj, std::string_view parent, const char* name, const char* what,
                          bool (*is_kind)(Value)) {
  auto v = present(obj, parent, name, what);
  if (v && !is_kind(*v)) return wrongType(joinPath(parent, name), what, *v);
  return v;
}

}  // namespace

Result<Value> requireObject(Value obj, std::string_view parent, const char* name) {
  return requireKind(obj, parent, name, "an object", [](Value v) { return v.is_object(); });
}

Result<Value> requireArray(Value obj, std::string_view parent, const char* name) {
  return requireKind(obj, parent, name, "an array", [](Value v) { return v.is_array(); });
}

Result<std::string> requireString(Value obj, std::string_view parent, const char* name) {
  auto v = present(obj, parent, name, "a string");
  if (!v) return v.error();
  std::string_view text;
  if (v->get(text)) return wrongType(joinPath(parent, name), "a string", *v);
  if (text.empty()) {
    std::string path = joinPath(parent, name);
    return Error::badRequest(path, path + " is empty");
  }
  return std::string(text);
}

Result<std::string> requireId(Value obj, std::string_view parent, const char* name) {
  auto v = present(obj, parent, name, "an id");
  if (!v) return v.error();
  uint64_t number;
  if (!v->get(number)) return std::to_string(number);
  std::string_view text;
  if (!v->get(text) && !text.empty()) return std::string(text);
  return wrongType(joinPath(parent, name), "a non-negative integer id", *v);
}

Result<std::string> requireSha(Value obj, std::string_view parent, const char* name) {
  auto v = present(obj, parent, name, "a commit SHA");
  if (!v) return v.error();
  std::string_view sha;
  if (v->get(sha)) return wrongType(joinPath(parent, name), "a commit SHA string", *v);
  if ((sha.size() != 40 && sha.size() != 64) || !isHex(sha)) {
    std::string path = joinPath(parent, name);
    return Error::badRequest(
        path, path + " is " + quoted(sha) + "; expected a commit SHA of 40 or 64 hex digits");
  }
  return toLower(sha);
}

Result<bool> requireBool(Value obj, std::string_view parent, const char* name) {
  auto v = present(obj, parent, name, "a boolean");
  if (!v) return v.error();
  bool b;
  if (v->get(b)) return wrongType(joinPath(parent, name), "a boolean", *v);
  return b;
}

Status optionalBool(Value obj, std::string_view parent, const char* name, bool* out) {
  *out = false;
  std::optional<Value> v = member(obj, name);
  if (absent(v)) return okStatus();
  if (v->get(*out)) return wrongType(joinPath(parent, name), "a boolean", *v);
  return okStatus();
}

Status optionalString(Value obj, std::string_view parent, const char* name, std::string* out) {
  out->clear();
  std::optional<Value> v = member(obj, name);
  if (absent(v)) return okStatus();
  std::string_view text;
  if (v->get(text)) return wrongType(joinPath(parent, name), "a string", *v);
  out->assign(text);
  return okStatus();
}

Status readCommit(Value commit, const std::string& path, CommitInfo* out) {
  if (!commit.is_object()) return wrongType(path, "a commit object", commit);
  auto sha = requireSha(commit, path, "id");
  if (!sha) return sha.error();
  out->sha = std::move(*sha);
  if (auto st = optionalString(commit, path, "message", &out->message); !st) return st;
  if (auto st = optionalString(commit, path, "timestamp", &out->timestamp); !st) return st;

  out->author.clear();
  if (std::optional<Value> author = member(commit, "author"); !absent(author)) {
    std::string author_path = joinPath(path, "author");
    if (!author->is_object()) return wrongType(author_path, "an object", *author);
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

Status readCommits(Value root, std::vector<CommitInfo>* out) {
  auto commits = requireArray(root, "", "commits");
  if (!commits) return commits.error();
  simdjson::dom::array list = commits->get_array().value_unsafe();
  out->clear();
  out->reserve(list.size());
  size_t i = 0;
  for (Value item : list) {
    CommitInfo c;
    if (auto st = readCommit(item, indexPath("commits", i), &c); !st) return st;
    out->push_back(std::move(c));
    ++i;
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
