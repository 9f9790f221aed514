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

// Where rows go as they are computed, so that a million of them never sit in memory at once.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Once, before any row.
  virtual void columns(const std::vector<std::string>& names, const std::vector<bool>& numeric) = 0;
  virtual void row(const std::vector<std::string>& cells) = 0;
};

// Collects the rows into a Table: for callers that want them all (tests, small lists).
class TableSink : public RowSink {
 public:
  void columns(const std::vector<std::string>& names, const std::vector<bool>& numeric) override {
    table.columns = names;
    table.numeric = numeric;
  }
  void row(const std::vector<std::string>& cells) override { table.rows.push_back(cells); }
  Table table;
};

}  // namespace zt
