#include "cli/output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"
#include "core/util/text.hpp"

namespace zt::cli {

namespace {

bool needs_csv_quotes(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; });
}

// RFC 4180; a text cell starting with = + - @ (or a tab or CR) gets a leading ' so that a
// spreadsheet shows it instead of running it.
void append_csv_cell(std::string& line, std::string_view raw, bool numeric) {
  // Names and User-Agents are stored as received; a spreadsheet gets U+FFFD for a byte that is not UTF-8.
  auto safe = numeric ? std::string() : valid_utf8(raw);
  std::string_view value = numeric ? raw : std::string_view(safe);
  bool quoted = needs_csv_quotes(value);
  if (quoted) line += '"';
  if (!numeric && !value.empty() && std::string_view("=+-@\t\r").find(value[0]) != std::string_view::npos) line += '\'';
  if (!quoted) {
    line += value;
    return;
  }
  for (char c : value) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

// A row is built in one buffer and written at once: a million-row report makes a million stream
// calls, not thirty million.
void write_csv_row(std::ostream& out, const std::vector<std::string>& row, const std::vector<bool>* numeric) {
  thread_local std::string line;
  line.clear();
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) line += ',';
    append_csv_cell(line, row[i], numeric ? (*numeric)[i] : false);
  }
  line += "\r\n";
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
}

void write_json_element(std::ostream& out, const nlohmann::json& element);

nlohmann::json row_to_json(const Table& header, const std::vector<std::string>& row) {
  nlohmann::json object = nlohmann::json::object();
  for (size_t i = 0; i < row.size(); ++i) {
    if (!header.numeric[i]) object[header.columns[i]] = row[i];
    else if (row[i].empty()) object[header.columns[i]] = nullptr;
    else object[header.columns[i]] = std::stoll(row[i]);
  }
  return object;
}

}  // namespace

// One element of a JSON array as nlohmann's dump(2) of the whole array prints it.
void JsonArrayStream::element(const nlohmann::json& element) {
  out_ << (count_++ == 0 ? "[\n" : ",\n");
  write_json_element(out_, element);
}

void JsonArrayStream::finish() { out_ << (count_ == 0 ? "[]\n" : "\n]\n"); }

namespace {

void write_json_element(std::ostream& out, const nlohmann::json& element) {
  auto text = json_text(element, 2);
  out << "  ";
  for (char c : text) {
    out << c;
    if (c == '\n') out << "  ";
  }
}

}  // namespace

void write_csv(std::ostream& out, const Table& table) {
  write_csv_row(out, table.columns, nullptr);
  for (const auto& row : table.rows) write_csv_row(out, row, &table.numeric);
}

void write_text_table(std::ostream& out, const Table& unsafe) {
  // Tables go to terminals: control characters in untrusted cells (Zoom names, reasons) are
  // escaped. CSV and JSON keep the exact text.
  Table table = unsafe;
  for (auto& row : table.rows) {
    for (auto& cell : row) cell = terminal_safe(cell);
  }
  std::vector<size_t> widths;
  for (const auto& c : table.columns) widths.push_back(c.size());
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  auto write_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      bool last = i + 1 == row.size();
      if (table.numeric[i]) line += fmt::format("{:>{}}", row[i], widths[i]);
      else line += last ? row[i] : fmt::format("{:<{}}", row[i], widths[i]);
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  write_row(table.columns);
  for (const auto& row : table.rows) write_row(row);
}

nlohmann::json table_to_json(const Table& table) {
  auto rows = nlohmann::json::array();
  for (const auto& row : table.rows) rows.push_back(row_to_json(table, row));
  return rows;
}

void write_table(std::ostream& out, const Table& table, Format format) {
  StreamingTable stream(out, format);
  stream.columns(table.columns, table.numeric);
  for (const auto& row : table.rows) stream.row(row);
  stream.finish();
}

void StreamingTable::columns(const std::vector<std::string>& names, const std::vector<bool>& numeric) {
  table_.columns = names;
  table_.numeric = numeric;
  if (format_ == Format::csv) write_csv_row(out_, names, nullptr);
}

void StreamingTable::row(const std::vector<std::string>& cells) {
  switch (format_) {
    case Format::csv: write_csv_row(out_, cells, &table_.numeric); break;
    case Format::json:
      out_ << (rows_ == 0 ? "[\n" : ",\n");
      write_json_element(out_, row_to_json(table_, cells));
      break;
    case Format::table: table_.rows.push_back(cells); break;
  }
  ++rows_;
}

void StreamingTable::finish(const std::vector<std::string>& total) {
  switch (format_) {
    case Format::csv: break;
    case Format::json: out_ << (rows_ == 0 ? "[]\n" : "\n]\n"); break;
    case Format::table:
      if (!table_.rows.empty() && !total.empty()) table_.rows.push_back(total);
      write_text_table(out_, table_);
      break;
  }
  out_.flush();
}

}  // namespace zt::cli
