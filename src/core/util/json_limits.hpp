#pragma once
// The one way zoomtrack parses JSON that comes from outside, and prints JSON (webhook bodies, Zoom API answers).
// nlohmann's DOM copies and destroys nested values recursively, so a body nested 200,000 deep
// overflows the stack however it is parsed; the depth is therefore refused while parsing, before
// any deep value exists.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace zt {

// Real Zoom payloads nest 4 levels deep; 64 leaves room for any honest sender.
inline constexpr size_t default_json_max_depth = 64;
inline constexpr size_t default_json_max_bytes = 8 * 1024 * 1024;

// Parses `text`, refusing more than `max_depth` nested arrays/objects or more than `max_bytes`.
// Throws Error(invalid_argument) saying which: "is not JSON (...)", "nests deeper than N levels",
// "is larger than N bytes". The message has no subject: callers prefix theirs ("body ").
nlohmann::json parse_json_bounded(std::string_view text, size_t max_depth = default_json_max_depth,
                                  size_t max_bytes = default_json_max_bytes);

// The one way zoomtrack prints JSON. Strings from outside (a User-Agent, a Zoom display name) are
// stored as received and may not be UTF-8, which nlohmann refuses to print (type_error 316):
// such bytes are printed as U+FFFD instead, so one odd byte never fails a listing halfway.
inline std::string json_text(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace zt
