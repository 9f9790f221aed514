#include "cli/output.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"
#include "core/error.hpp"

namespace zt::cli {

std::string csv_cell(const std::string& value, bool numeric) {
  std::string cell = value;
  if (!numeric && !cell.empty() && std::string_view("=+-@\t\r").find(cell[0]) != std::string_view::npos) {
    cell.insert(cell.begin(), '\'');
  }
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void write_csv(std::ostream& out, const Table& table) {
  auto write_row = [&](const std::vector<std::string>& row, bool header) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) out << ',';
      out << csv_cell(row[i], header ? false : table.numeric[i]);
    }
    out << "\r\n";
  };
  write_row(table.columns, true);
  for (const auto& row : table.rows) write_row(row, false);
}

void write_text_table(std::ostream& out, const Table& table) {
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
  for (const auto& row : table.rows) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t i = 0; i < row.size(); ++i) {
      if (!table.numeric[i]) object[table.columns[i]] = row[i];
      else if (row[i].empty()) object[table.columns[i]] = nullptr;
      else object[table.columns[i]] = std::stoll(row[i]);
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

void write_table(std::ostream& out, const Table& table, Format format) {
  switch (format) {
    case Format::csv: write_csv(out, table); break;
    case Format::json: out << table_to_json(table).dump(2) << "\n"; break;
    case Format::table: write_text_table(out, table); break;
  }
}

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  auto refuse = [&](const std::string& why, const std::string& hint) {
    throw Error(ErrorCode::runtime, fmt::format("cannot write {}: {}", path, why), hint);
  };
  if (path.empty()) refuse("the file name is empty", "give a file name, for example payroll.csv");
  fs::path target(path);
  std::error_code ec;
  if (path.back() == '/' || fs::is_directory(target, ec)) {
    refuse("it is a directory", "give a file name, for example " + (target / "payroll.csv").lexically_normal().string());
  }
  auto parent = target.parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::exists(parent, ec)) refuse(fmt::format("directory {} does not exist", parent.string()), "create it first");
  if (!fs::is_directory(parent, ec)) refuse(fmt::format("{} is not a directory", parent.string()), "");
  fs::path temp = target;
  temp += fmt::format(".tmp-{}-{}", ::getpid(), random_token(6));
  {
    std::ofstream out(temp, std::ios::binary);
    int open_errno = errno;
    if (!out) refuse(std::strerror(open_errno), "check that the directory is writable");
    out << content;
    out.flush();
    if (!out) {
      int write_errno = errno;
      fs::remove(temp, ec);
      refuse(std::strerror(write_errno), "check the disk has room");
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    auto why = ec.message();  // before remove() reuses ec
    std::error_code ignored;
    fs::remove(temp, ignored);
    refuse(why, "");
  }
}

}  // namespace zt::cli
