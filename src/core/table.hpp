#pragma once
// Rows computed once and rendered per format by the CLI: a table for people, CSV, JSON.
#include <string>
#include <vector>

namespace zt {

// The header is both the CSV header and the JSON keys. Numeric columns print as JSON numbers;
// an empty numeric cell is JSON null.
struct Table {
  std::vector<std::string> columns;
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;
};

}  // namespace zt
