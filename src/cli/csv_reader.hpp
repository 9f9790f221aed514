#pragma once
// Reads RFC 4180 CSV with a header row into one map per record.
#include <map>
#include <string>
#include <vector>

namespace zt::cli {

// Header names are lower-cased with '-' read as '_'. Throws Error(invalid_argument) for an
// unterminated quote or a row with more cells than the header.
std::vector<std::map<std::string, std::string>> parse_csv_records(const std::string& text,
                                                                  const std::string& name);

}  // namespace zt::cli
