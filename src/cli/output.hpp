#pragma once
// Rendering for the CLI: stdout carries data only, in the format asked for.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "core/table.hpp"

namespace zt::cli {

enum class Format { table, csv, json };

// RFC 4180; a text cell starting with = + - @ (or a tab or CR) gets a leading ' so that a
// spreadsheet shows it instead of running it.
std::string csv_cell(const std::string& value, bool numeric = false);
void write_csv(std::ostream& out, const Table& table);
void write_text_table(std::ostream& out, const Table& table);
nlohmann::json table_to_json(const Table& table);
void write_table(std::ostream& out, const Table& table, Format format);

// Writes via a temporary file and rename, so a reader never sees half a report.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace zt::cli
