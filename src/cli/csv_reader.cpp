#include "cli/csv_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/util/error.hpp"

namespace zt::cli {
namespace {

std::vector<std::vector<std::string>> parse_rows(const std::string& text, const std::string& name) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, row_has_content = false;
  size_t quote_row = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') quoted = false;
      else cell += c;
      continue;
    }
    if (c == '"') {
      quoted = true;
      quote_row = rows.size();
      row_has_content = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      row_has_content = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (row_has_content || !cell.empty()) {
        row.push_back(std::move(cell));
        rows.push_back(std::move(row));
      }
      row.clear();
      cell.clear();
      row_has_content = false;
    } else {
      cell += c;
    }
  }
  if (quoted) {
    throw Error(ErrorCode::invalid_argument,
                quote_row == 0 ? fmt::format("{}: header: a quote is never closed", name)
                               : fmt::format("{}: row {}: a quote is never closed", name, quote_row),
                "close the quoted cell with \" (a quote inside a cell is written twice: \"\")");
  }
  if (row_has_content || !cell.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<std::map<std::string, std::string>> parse_csv_records(const std::string& text,
                                                                  const std::string& name) {
  // Excel's "CSV UTF-8" starts with a byte order mark; it is not part of the first column's name.
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  auto rows = parse_rows(std::string_view(text).starts_with(bom) ? text.substr(bom.size()) : text, name);
  if (rows.empty()) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{}: the file is empty", name),
                "start the file with a header row naming the columns, e.g. teacher,student,zoom_url");
  }
  auto header = rows.front();
  for (auto& h : header) {
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) {
      return c == '-' ? '_' : static_cast<char>(std::tolower(c));
    });
  }
  std::vector<std::map<std::string, std::string>> records;
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() > header.size()) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("{}: row {}: {} cells, but the header has {}", name, r, rows[r].size(), header.size()),
                  "quote cells that contain a comma, or add the missing column to the header");
    }
    std::map<std::string, std::string> record;
    for (size_t c = 0; c < rows[r].size(); ++c) record[header[c]] = rows[r][c];
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace zt::cli
