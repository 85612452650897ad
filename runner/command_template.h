// Build command templates: how build.commands and build.cleanup turn a job into argv vectors.
// Pure: no I/O. No shell ever runs a template: the text is split into words the way a shell
// splits them (blanks separate words; '...' and "..." quote; backslash escapes the next
// character), and only then are placeholders replaced inside each word. A job's values
// therefore always stay inside the word they were put in, whatever they contain.
//
// Placeholders (docs/runner.md lists them with examples):
//   {job_id} {attempt} {trigger_id} {user} {repository} {sha} {short_sha} {ref} {ref_name}
//   {ref_type} {image} {dockerfile} {context} {local_image} {work_dir} {tag}
//   {tags} {tags:FLAG} {build_args} {build_args:FLAG}   (each alone as a whole word)
// A template that uses {tag} runs once per tag of the job. {tags} becomes one word per tag,
// "image:tag"; {tags:-t} becomes "-t", "image:tag" for each. {build_args} becomes "NAME=value"
// per build argument, {build_args:--build-arg} puts the flag before each. "{{" and "}}" are
// literal braces.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace triggerd {

class CommandTemplate {
 public:
  // Splits and checks a template; the error says what is wrong and where (placeholder names
  // are checked here, so a typo fails at start-up, not at the first job).
  static Result<CommandTemplate> parse(std::string_view text);

  // The values a job supplies. `scalars` holds every scalar placeholder but {tag}.
  struct Values {
    std::vector<std::pair<std::string, std::string>> scalars;
    std::string image;
    std::vector<std::string> tags;
    std::vector<std::pair<std::string, std::string>> build_args;
  };
  // One argv per run: one, or one per tag when the template uses {tag}.
  std::vector<std::vector<std::string>> expand(const Values& values) const;

  const std::string& text() const { return text_; }
  bool perTag() const { return per_tag_; }

  // Every scalar placeholder name, {tag} included (for docs and error messages).
  static const std::vector<std::string_view>& scalarNames();

 private:
  // A word is a sequence of literal text and placeholders, or one list placeholder.
  struct Piece {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder name
  };
  struct Word {
    std::vector<Piece> pieces;
    std::string list;  // "tags" or "build_args" for a list word
    std::string flag;  // its FLAG, possibly empty
  };

  std::string text_;
  std::vector<Word> words_;
  bool per_tag_ = false;
};

}  // namespace triggerd
