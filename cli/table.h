// Plain-text rendering for triggerctl's human output: aligned tables and "KEY  value" blocks.
// Pure: builds strings, never writes to a stream.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace triggerd::cli {

// Shown in place of an empty cell so columns stay readable and splittable by whitespace.
inline constexpr std::string_view kEmptyCell = "-";

// A table with a header row; columns are separated by two spaces and padded to the widest cell
// (counted in UTF-8 code points). Headers are printed upper-case. Rows may be shorter than the
// header (missing cells are empty); the last column is never padded, so lines carry no trailing
// blanks.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void addRow(std::vector<std::string> cells);
  size_t rowCount() const { return rows_.size(); }
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "KEY  value" lines with the keys padded to one width, e.g. for `triggers show`.
std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// The cell as printed: control characters (a provider-controlled name could carry terminal
// escape sequences or newlines that break the layout) become '?', and empty becomes "-".
std::string cellText(std::string_view raw);

// Display width of UTF-8 text: code points, not bytes (continuation bytes are not counted).
size_t displayWidth(std::string_view text);

}  // namespace triggerd::cli
