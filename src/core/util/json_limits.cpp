#include "core/util/json_limits.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace zt {
namespace {

// Thrown from the parser callback to stop at the first container past the limit. nlohmann's
// parser itself is iterative; only the DOM it builds is recursive, and it never gets deep.
struct TooDeep {};

// The deepest nesting of arrays and objects in `text`, counting brackets outside strings. Up to
// the first syntax error it sees exactly the containers the parser sees; past one, the parser
// has stopped anyway. A quick pass: parsing with a callback costs a third more than without.
size_t bracket_depth(std::string_view text) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

nlohmann::json parse_json_bounded(std::string_view raw, size_t max_depth, size_t max_bytes) {
  if (raw.size() > max_bytes) {
    throw Error(ErrorCode::invalid_argument, fmt::format("is larger than {} bytes", max_bytes));
  }
  // nlohmann refuses a string that is not UTF-8. A sender's odd bytes in a display name must not
  // lose the whole event: the raw bytes are kept by the caller (and were signed as they are),
  // the parsed values carry U+FFFD instead.
  std::string repaired;
  if (!is_valid_utf8(raw)) repaired = valid_utf8(raw);
  std::string_view text = repaired.empty() ? raw : std::string_view(repaired);
  using nlohmann::json;
  try {
    // Within the limit (every real payload), the plain parser is the same parse, only faster.
    if (bracket_depth(text) <= max_depth) return json::parse(text.data(), text.data() + text.size());
    // Over it, the callback stops at the first container too deep, exactly where it begins,
    // so a syntax error before that point is still reported as one. `depth` is the number of
    // containers around the one starting: the outermost has depth 0.
    json::parser_callback_t limit = [max_depth](int depth, json::parse_event_t event, json&) {
      if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
          static_cast<size_t>(depth) >= max_depth) {
        throw TooDeep{};
      }
      return true;
    };
    return json::parse(text.begin(), text.end(), limit);
  } catch (const TooDeep&) {
    throw Error(ErrorCode::invalid_argument, fmt::format("nests deeper than {} levels", max_depth));
  } catch (const json::parse_error& e) {
    // e.byte is where it went wrong; nlohmann's message can quote input, so it is not repeated.
    throw Error(ErrorCode::invalid_argument, fmt::format("is not JSON (syntax error at byte {})", e.byte));
  }
}

}  // namespace zt
