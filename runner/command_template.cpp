#include "runner/command_template.h"

#include <algorithm>

#include "config/config_values.h"

namespace triggerd {
namespace {

Error bad(std::string message) {
  return Error::badRequest("", std::move(message));
}

bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Quoting only groups characters into words: braces inside quotes are still placeholders.
Result<std::vector<std::string>> splitWords(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (isBlank(c)) {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 == s.size()) return bad("a backslash ends the command; escape it as \\\\");
      cur += s[++i];
    } else if (c == '\'' || c == '"') {
      size_t close = s.find(c, i + 1);
      if (close == std::string_view::npos) {
        return bad(std::string("unterminated ") + (c == '\'' ? "single" : "double") +
                   " quote starting at character " + std::to_string(i + 1));
      }
      cur.append(s.substr(i + 1, close - i - 1));
      i = close;
    } else {
      cur += c;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

std::string known() {
  std::string out;
  for (std::string_view n : CommandTemplate::scalarNames()) out += " {" + std::string(n) + "}";
  return out + " {tags} {tags:FLAG} {build_args} {build_args:FLAG}";
}

const std::string* findScalar(const CommandTemplate::Values& v, std::string_view name) {
  for (const auto& [k, value] : v.scalars) {
    if (k == name) return &value;
  }
  return nullptr;
}

}  // namespace

const std::vector<std::string_view>& CommandTemplate::scalarNames() {
  static const std::vector<std::string_view> names{
      "job_id",    "attempt",     "trigger_id", "user",     "repository", "sha",
      "short_sha", "ref",         "ref_name",   "ref_type", "image",      "dockerfile",
      "context",   "local_image", "work_dir",   "tag"};
  return names;
}

Result<CommandTemplate> CommandTemplate::parse(std::string_view text) {
  auto raw = splitWords(text);
  if (!raw.ok()) return raw.error();
  if (raw->empty()) return bad("the command is empty");
  CommandTemplate t;
  t.text_ = std::string(text);
  for (const std::string& w : *raw) {
    Word word;
    std::string literal;
    for (size_t i = 0; i < w.size(); ++i) {
      char c = w[i];
      if ((c == '{' || c == '}') && i + 1 < w.size() && w[i + 1] == c) {
        literal += c;
        ++i;
        continue;
      }
      if (c == '}') return bad("a lone '}' in \"" + w + "\"; write }} for a literal brace");
      if (c != '{') {
        literal += c;
        continue;
      }
      size_t close = w.find('}', i);
      if (close == std::string::npos) {
        return bad("unclosed '{' in \"" + w + "\"; write {{ for a literal brace");
      }
      std::string name = w.substr(i + 1, close - i - 1);
      std::string base = name.substr(0, name.find(':'));
      if (base == "tags" || base == "build_args") {
        if (i != 0 || close + 1 != w.size()) {
          return bad("{" + name + "} must stand alone as a word (it becomes several words)");
        }
        word.list = base;
        if (name.size() > base.size()) {
          word.flag = name.substr(base.size() + 1);
          if (word.flag.empty()) return bad("{" + name + "}: the flag after ':' is empty");
        }
        i = close;
        continue;
      }
      const auto& names = scalarNames();
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        std::vector<std::string> candidates(names.begin(), names.end());
        candidates.insert(candidates.end(), {"tags", "build_args"});
        auto best = config::closestMatch(name, candidates);
        return bad("unknown placeholder {" + name + "}" +
                   (best ? "; did you mean {" + *best + "}?" : "") + " Known ones:" + known());
      }
      if (!literal.empty()) word.pieces.push_back({false, std::move(literal)});
      literal.clear();
      word.pieces.push_back({true, name});
      if (name == "tag") t.per_tag_ = true;
      i = close;
    }
    if (!literal.empty()) word.pieces.push_back({false, std::move(literal)});
    t.words_.push_back(std::move(word));
  }
  bool first_is_program =
      t.words_.front().list.empty() && !t.words_.front().pieces.empty() &&
      std::none_of(t.words_.front().pieces.begin(), t.words_.front().pieces.end(),
                   [](const Piece& p) { return p.placeholder; });
  if (!first_is_program) {
    return bad("the first word must name the program to run, without placeholders");
  }
  return t;
}

std::vector<std::vector<std::string>> CommandTemplate::expand(const Values& values) const {
  std::vector<std::vector<std::string>> runs;
  auto one = [&](const std::string* tag) {
    std::vector<std::string> argv;
    for (const Word& w : words_) {
      if (w.list == "tags") {
        for (const auto& t : values.tags) {
          if (!w.flag.empty()) argv.push_back(w.flag);
          argv.push_back(values.image + ":" + t);
        }
        continue;
      }
      if (w.list == "build_args") {
        for (const auto& [name, value] : values.build_args) {
          if (!w.flag.empty()) argv.push_back(w.flag);
          argv.push_back(name + "=" + value);
        }
        continue;
      }
      std::string out;
      for (const Piece& p : w.pieces) {
        if (!p.placeholder) {
          out += p.text;
        } else if (p.text == "tag") {
          out += tag ? *tag : "";
        } else if (const std::string* v = findScalar(values, p.text)) {
          out += *v;
        }
      }
      argv.push_back(std::move(out));
    }
    runs.push_back(std::move(argv));
  };
  if (!per_tag_) {
    one(nullptr);
  } else {
    for (const auto& t : values.tags) one(&t);
  }
  return runs;
}

}  // namespace triggerd
