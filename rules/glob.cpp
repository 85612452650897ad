// Path globs for rule path filters. The pattern is compiled to a small NFA and simulated over
// the path one character at a time, so matching costs O(path × pattern) with no backtracking,
// whatever the pattern ("*a*a*a*b" against a long run of 'a' included).
#include <bitset>
#include <cstdint>
#include <vector>

#include "common/log.h"
#include "rules/build_rule.h"

namespace triggerd {

namespace {

enum class Op : uint8_t {
  kLiteral,   // one given character
  kAnyChar,   // '?': one character other than '/'
  kClass,     // [abc], [a-z], [!abc]: one character of the set, never '/'
  kStar,      // '*': any run of characters other than '/'
  kAnyStar,   // trailing "**": anything, '/' included
  kDirEntry,  // "**/": zero or more whole segments; epsilon to kDirLoop and past it
  kDirLoop,   // inside "**/": any characters; a '/' may also leave the loop
};

struct Node {
  Op op = Op::kLiteral;
  char ch = 0;
  std::bitset<256> set;  // kClass
};

// Parses the class starting at pattern[open] == '['. Returns the index past ']', or 0 when the
// class is never closed (the '[' is then an ordinary character).
size_t parseClass(std::string_view pattern, size_t open, std::bitset<256>* set) {
  size_t i = open + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool first = true;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == ']' && !first) {
      if (negate) set->flip();
      set->reset(static_cast<unsigned char>('/'));
      return i + 1;
    }
    first = false;
    if (c == '\\' && i + 1 < pattern.size()) c = pattern[++i];
    auto lo = static_cast<unsigned char>(c);
    auto hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      char end = pattern[i + 2];
      i += 2;
      if (end == '\\' && i + 1 < pattern.size()) end = pattern[++i];
      hi = static_cast<unsigned char>(end);
    }
    for (unsigned v = lo; v <= hi; ++v) set->set(v);
    ++i;
  }
  return 0;
}

std::vector<Node> compileGlob(std::string_view pattern) {
  std::vector<Node> nodes;
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '*') {
      size_t end = i;
      while (end < pattern.size() && pattern[end] == '*') ++end;
      bool starts_segment = i == 0 || pattern[i - 1] == '/';
      bool ends_segment = end == pattern.size() || pattern[end] == '/';
      // "**" is special only as a whole segment; elsewhere ("a**b") it is a plain '*'.
      if (end - i >= 2 && starts_segment && ends_segment) {
        if (end == pattern.size()) {
          nodes.push_back(Node{Op::kAnyStar, 0, {}});
          i = end;
        } else {
          nodes.push_back(Node{Op::kDirEntry, 0, {}});
          nodes.push_back(Node{Op::kDirLoop, 0, {}});
          i = end + 1;  // the '/' belongs to "**/"
        }
      } else {
        nodes.push_back(Node{Op::kStar, 0, {}});
        i = end;
      }
      continue;
    }
    if (c == '?') {
      nodes.push_back(Node{Op::kAnyChar, 0, {}});
      ++i;
      continue;
    }
    if (c == '[') {
      Node node{Op::kClass, 0, {}};
      if (size_t next = parseClass(pattern, i, &node.set); next != 0) {
        nodes.push_back(node);
        i = next;
        continue;
      }
    }
    if (c == '\\' && i + 1 < pattern.size()) c = pattern[++i];
    nodes.push_back(Node{Op::kLiteral, c, {}});
    ++i;
  }
  return nodes;
}

// Adds the states reachable without consuming a character. Epsilon edges only point forward,
// so one pass in index order reaches the closure.
void closeOver(const std::vector<Node>& nodes, std::vector<uint8_t>& states) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!states[i]) continue;
    switch (nodes[i].op) {
      case Op::kStar:
      case Op::kAnyStar:
        states[i + 1] = 1;
        break;
      case Op::kDirEntry:
        states[i + 1] = 1;  // into the loop
        states[i + 2] = 1;  // zero segments
        break;
      default:
        break;
    }
  }
}

Error globError(const std::string& field, std::string message) {
  return Error::unprocessable(field, std::move(message));
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view path) {
  std::vector<Node> nodes = compileGlob(pattern);
  const size_t accept = nodes.size();
  std::vector<uint8_t> cur(accept + 1, 0), next(accept + 1, 0);
  cur[0] = 1;
  closeOver(nodes, cur);
  for (char ch : path) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t i = 0; i < accept; ++i) {
      if (!cur[i]) continue;
      const Node& node = nodes[i];
      size_t to = accept + 1;  // none
      bool stay = false;
      switch (node.op) {
        case Op::kLiteral:
          if (ch == node.ch) to = i + 1;
          break;
        case Op::kAnyChar:
          if (ch != '/') to = i + 1;
          break;
        case Op::kClass:
          if (node.set.test(static_cast<unsigned char>(ch))) to = i + 1;
          break;
        case Op::kStar:
          stay = ch != '/';
          break;
        case Op::kAnyStar:
          stay = true;
          break;
        case Op::kDirEntry:
          break;
        case Op::kDirLoop:
          stay = true;
          if (ch == '/') to = i + 1;
          break;
      }
      if (stay) next[i] = 1;
      if (to <= accept) next[to] = 1;
      any = any || stay || to <= accept;
    }
    if (!any) return false;
    closeOver(nodes, next);
    std::swap(cur, next);
  }
  return cur[accept] != 0;
}

Status validateGlob(std::string_view pattern, const std::string& field) {
  if (pattern.empty()) {
    return globError(field, "path glob must not be empty; use e.g. \"src/**\" or \"**/*.go\"");
  }
  if (pattern.size() > kMaxGlobLength) {
    return globError(field, "path glob is " + std::to_string(pattern.size()) +
                                " bytes long, at most " + std::to_string(kMaxGlobLength) +
                                " are allowed; shorten it, e.g. with '*' or '**'");
  }
  for (char c : pattern) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return globError(field, "path glob contains a control character; remove it");
    }
  }
  // Changed paths arrive relative to the repository root, so these could never match.
  if (pattern.front() == '/') {
    return globError(field,
                     "path glob starts with '/' but changed paths are relative to the "
                     "repository root; drop the leading '/', e.g. \"docs/**\"");
  }
  if (pattern.starts_with("./")) {
    return globError(field,
                     "path glob starts with \"./\" but changed paths are relative to the "
                     "repository root; drop the \"./\", e.g. \"docs/**\"");
  }
  if (pattern.back() == '/') {
    return globError(field, "path glob \"" + log::logValue(pattern, 80) +
                                "\" ends with '/' but only files are matched; use \"dir/**\" "
                                "for everything under a directory");
  }
  size_t start = 0;
  while (true) {
    size_t slash = pattern.find('/', start);
    std::string_view segment = pattern.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) {
      return globError(field, "path glob \"" + log::logValue(pattern, 80) +
                                  "\" has an empty segment (\"//\"); use a single '/'");
    }
    if (segment == "." || segment == "..") {
      return globError(field, "path glob \"" + log::logValue(pattern, 80) + "\" has a \"" +
                                  std::string(segment) +
                                  "\" segment, which changed paths never contain; remove it");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (i + 1 == pattern.size()) {
        return globError(field,
                         "path glob ends with a lone '\\'; escape a character with it, "
                         "e.g. \"\\\\*\" for a literal '*', or remove it");
      }
      ++i;
      continue;
    }
    if (pattern[i] == '[') {
      std::bitset<256> unused;
      size_t next = parseClass(pattern, i, &unused);
      if (next == 0) {
        return globError(field,
                         "path glob has a '[' that is never closed; close the character "
                         "class with ']', e.g. \"[abc]\", or write \"\\\\[\" for a literal "
                         "'['");
      }
      i = next - 1;
    }
  }
  return okStatus();
}

}  // namespace triggerd
