#pragma once
// Rendering for the CLI: stdout carries data only, in the format asked for.
#include <nlohmann/json.hpp>
#include <functional>
#include <ostream>
#include <string>

#include "core/util/table.hpp"

namespace zt::cli {

enum class Format { table, csv, json };

void write_csv(std::ostream& out, const Table& table);
void write_text_table(std::ostream& out, const Table& table);
nlohmann::json table_to_json(const Table& table);
void write_table(std::ostream& out, const Table& table, Format format);

// Renders rows as they come: CSV and JSON row by row, in exactly the bytes write_table gives for
// the same rows; the text table keeps its rows until finish(), as its columns are as wide as
// their widest cell (it is for people, who do not read a million rows).
class StreamingTable : public RowSink {
 public:
  StreamingTable(std::ostream& out, Format format) : out_(out), format_(format) {}
  void columns(const std::vector<std::string>& names, const std::vector<bool>& numeric) override;
  void row(const std::vector<std::string>& cells) override;
  // `total` ends the text table when there are rows; CSV and JSON never carry it.
  void finish(const std::vector<std::string>& total = {});

 private:
  std::ostream& out_;
  Format format_;
  Table table_;  // the header, and for the text table its rows
  size_t rows_ = 0;
};

// A JSON array written element by element, in the bytes nlohmann's dump(2) gives for all of it.
class JsonArrayStream {
 public:
  explicit JsonArrayStream(std::ostream& out) : out_(out) {}
  void element(const nlohmann::json& element);
  void finish();

 private:
  std::ostream& out_;
  size_t count_ = 0;
};

}  // namespace zt::cli
