#include "cli/csv_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace zt::cli {
namespace {

std::vector<std::vector<std::string>> parse_rows(const std::string& text, const std::string& name) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, row_has_content = false;
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
  if (quoted) throw Error(ErrorCode::invalid_argument, fmt::format("{}: unterminated quote", name));
  if (row_has_content || !cell.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<std::map<std::string, std::string>> parse_csv_records(const std::string& text,
                                                                  const std::string& name) {
  auto rows = parse_rows(text, name);
  if (rows.empty()) throw Error(ErrorCode::invalid_argument, fmt::format("{}: no header row", name));
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
                  fmt::format("{}: row {} has {} cells, the header {}", name, r, rows[r].size(), header.size()));
    }
    std::map<std::string, std::string> record;
    for (size_t c = 0; c < rows[r].size(); ++c) record[header[c]] = rows[r][c];
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace zt::cli
