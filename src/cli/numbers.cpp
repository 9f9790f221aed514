#include "cli/numbers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/util/error.hpp"

namespace zt::cli {

int64_t parse_decimal(std::string_view text, std::string_view what, int64_t min, int64_t max) {
  bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} '{}' is not a decimal number", what, text),
                "type digits only, for example 42");
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} '{}' is out of range ({} to {})", what, text, min, max));
  }
  return value;
}

}  // namespace zt::cli
