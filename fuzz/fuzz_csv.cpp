// libFuzzer target: the CSV reader behind `link create --from-csv`.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/csv_reader.hpp"
#include "core/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto records = zt::cli::parse_csv_records(text, "fuzz.csv");
    for (const auto& record : records) {
      for (const auto& [key, value] : record) {
        // Header names are normalised: lower case, '_' for '-'.
        for (char c : key) {
          if ((c >= 'A' && c <= 'Z') || c == '-') std::abort();
        }
        (void)value;
      }
    }
  } catch (const zt::Error&) {
  }
  return 0;
}
