#pragma once
// Integers people type (lesson ids, ports) are decimal, whatever their leading zeros. CLI11 reads
// integral options with an auto-detected base (strtoll base 0: "010" is 8, "0x10" is 16), so no
// integer option is bound to an integral type: bind a string and call parse_decimal.
#include <cstdint>
#include <string_view>

namespace zt::cli {

// The whole of `text` as a decimal integer in [min, max]: "010" is 10 and "08" is 8; a sign,
// spaces, "0x10", "1e3" or "12abc" are refused. Throws Error(invalid_argument) naming `what`.
int64_t parse_decimal(std::string_view text, std::string_view what, int64_t min, int64_t max);

}  // namespace zt::cli
