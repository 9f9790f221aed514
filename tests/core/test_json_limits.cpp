#include <catch2/catch.hpp>

#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"

using zt::parse_json_bounded;

namespace {

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string refusal(const std::string& text, size_t max_depth = zt::default_json_max_depth,
                    size_t max_bytes = zt::default_json_max_bytes) {
  try {
    parse_json_bounded(text, max_depth, max_bytes);
  } catch (const zt::Error& e) {
    CHECK(e.code() == zt::ErrorCode::invalid_argument);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("JSON from outside may nest 64 levels, not 65", "[core][json]") {
  CHECK(parse_json_bounded(nested(64)).is_array());
  CHECK(refusal(nested(65)) == "nests deeper than 64 levels");
  CHECK(refusal(R"({"a":{"b":)" + nested(63) + "}}") == "nests deeper than 64 levels");
  CHECK(parse_json_bounded(R"({"a":{"b":)" + nested(62) + "}}").is_object());
  CHECK(refusal(nested(3), 2) == "nests deeper than 2 levels");
}

TEST_CASE("a 200,000-deep value is refused while parsing, terminated or not", "[core][json]") {
  CHECK(refusal(nested(200000)) == "nests deeper than 64 levels");
  CHECK(refusal(std::string(200000, '[')) == "nests deeper than 64 levels");
  CHECK(refusal(std::string(100000, '{') ) != "");
  CHECK(refusal(R"({"event":"x","payload":)" + std::string(200000, '[') + "1") == "nests deeper than 64 levels");
}

TEST_CASE("brackets inside strings are text, whatever the escapes", "[core][json]") {
  auto brackets = std::string(1000, '[') + std::string(1000, '{');
  auto value = parse_json_bounded(R"({"a":")" + brackets + R"(\"[[[\\"})");
  CHECK(value["a"] == brackets + "\"[[[\\");
}

TEST_CASE("not JSON and too large are said so, without quoting the input", "[core][json]") {
  CHECK(refusal("this is not json {") == "is not JSON (syntax error at byte 2)");
  CHECK(refusal("") .find("is not JSON") == 0);
  CHECK(refusal("{\"a\":1} trailing").find("is not JSON") == 0);
  CHECK(refusal(std::string(100, ' ') + "1", 64, 100) == "is larger than 100 bytes");
  CHECK(parse_json_bounded(std::string(99, ' ') + "1", 64, 100) == 1);
}

TEST_CASE("whichever comes first is reported: a syntax error, or a container too deep", "[core][json]") {
  CHECK(refusal("[1,,]" + nested(100)) == "is not JSON (syntax error at byte 4)");
  CHECK(refusal("[1 \"x\"" + nested(100)) == "is not JSON (syntax error at byte 6)");
  CHECK(refusal("[" + nested(64) + ",,]") == "nests deeper than 64 levels");
  // Unterminated, the string runs to the end: its brackets are text, and the error is the string's.
  CHECK(refusal("[\"abc" + nested(100)).find("is not JSON") == 0);
}
