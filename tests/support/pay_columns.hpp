#pragma once
// Reports before pay policies, from reports now: the columns issue 22 appended (paid_s and the
// presence figures) removed by name, so that a test can hold the columns it had to the bytes they
// had. Cells are split at commas: for reports whose cells hold none.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace zt::test {

inline const std::vector<std::string>& pay_columns() {
  static const std::vector<std::string> names{"paid_s",  "pay_basis",         "pay_note",   "start_source",
                                              "teacher_present_s", "together_s", "teacher_late_s", "length_s"};
  return names;
}

inline std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

// The CSV (CRLF lines) without the appended pay columns.
inline std::string without_pay_columns(const std::string& csv) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < csv.size();) {
    auto end = csv.find("\r\n", at);
    if (end == std::string::npos) end = csv.size();
    lines.push_back(csv.substr(at, end - at));
    at = end + 2;
  }
  if (lines.empty()) return csv;
  auto header = split_cells(lines[0]);
  std::vector<bool> keep;
  for (const auto& name : header) {
    keep.push_back(std::find(pay_columns().begin(), pay_columns().end(), name) == pay_columns().end());
  }
  std::string out;
  for (const auto& line : lines) {
    auto cells = split_cells(line);
    std::string kept;
    for (size_t i = 0, n = 0; i < cells.size(); ++i) {
      if (i < keep.size() && !keep[i]) continue;
      kept += (n++ ? "," : "") + cells[i];
    }
    out += kept + "\r\n";
  }
  return out;
}

// The JSON rows without the appended pay keys.
inline nlohmann::json without_pay_keys(nlohmann::json rows) {
  for (auto& row : rows) {
    for (const auto& name : pay_columns()) row.erase(name);
  }
  return rows;
}

}  // namespace zt::test
