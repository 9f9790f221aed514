#include "core/json_limits.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace zt {
namespace {

// Thrown from the parser callback to stop at the first container past the limit. nlohmann's
// parser itself is iterative; only the DOM it builds is recursive, and it never gets deep.
struct TooDeep {};

}  // namespace

nlohmann::json parse_json_bounded(std::string_view text, size_t max_depth, size_t max_bytes) {
  if (text.size() > max_bytes) {
    throw Error(ErrorCode::invalid_argument, fmt::format("is larger than {} bytes", max_bytes));
  }
  using nlohmann::json;
  // `depth` is the number of containers around the one starting: the outermost has depth 0.
  json::parser_callback_t limit = [max_depth](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        static_cast<size_t>(depth) >= max_depth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), limit);
  } catch (const TooDeep&) {
    throw Error(ErrorCode::invalid_argument, fmt::format("nests deeper than {} levels", max_depth));
  } catch (const json::parse_error& e) {
    // e.byte is where it went wrong; nlohmann's message can quote input, so it is not repeated.
    throw Error(ErrorCode::invalid_argument, fmt::format("is not JSON (syntax error at byte {})", e.byte));
  }
}

}  // namespace zt
