#include "cli/table.h"

#include <algorithm>

namespace triggerd::cli {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

void appendPadded(std::string& out, std::string_view text, size_t width) {
  out += text;
  for (size_t w = displayWidth(text); w < width; ++w) out += ' ';
}

}  // namespace

size_t displayWidth(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string cellText(std::string_view raw) {
  if (raw.empty()) return std::string(kEmptyCell);
  std::string out(raw);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

Table::Table(std::vector<std::string> headers) {
  headers_.reserve(headers.size());
  for (const auto& h : headers) headers_.push_back(upper(h));
}

void Table::addRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());  // short rows get empty cells; extra cells are dropped
  for (auto& c : cells) c = cellText(c);
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = displayWidth(headers_[i]);
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], displayWidth(row[i]));

  std::string out;
  auto appendLine = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      bool last = i + 1 == cells.size();
      if (last) {
        out += cells[i];
      } else {
        appendPadded(out, cells[i], widths[i]);
        out += "  ";
      }
    }
    out += '\n';
  };
  appendLine(headers_);
  for (const auto& row : rows_) appendLine(row);
  return out;
}

std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [key, value] : fields) width = std::max(width, displayWidth(key));
  std::string out;
  for (const auto& [key, value] : fields) {
    appendPadded(out, upper(key), width);
    out += "  ";
    out += cellText(value);
    out += '\n';
  }
  return out;
}

}  // namespace triggerd::cli
