// CTest cuts a discovered test's name at ';' and hands Catch the first half, which matches no
// test case: CTest then reports "Passed" for a test that never ran. Seven did, unnoticed. A name
// that starts with '-' is read by Catch as an option, and a ',' splits a filter given by hand. Catch's console
// reporter indents a name's wrapped lines past its first ": ", in a column 79 characters wide: a name whose ": " ends
// further out breaks the reporter's assumption (width > indent), and a failing test then dies printing its own
// header (std::out_of_range, or an assertion in a debug build) instead of reporting.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "support/harness.hpp"

// The width of Catch's text columns: its default console width, 80, less one.
constexpr size_t catch_column_width = 79;

TEST_CASE("no test case name holds a semicolon, starts with a dash or has its first colon past Catch's indent limit",
          "[suite]") {
  // The name's string literals, which the compiler joins.
  static const std::regex name(R"re(TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+))re");
  static const std::regex literal(R"re("((?:[^"\\]|\\.)*)")re");
  size_t names = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(ZOOMTRACK_SOURCE_DIR) + "/tests")) {
    if (entry.path().extension() != ".cpp") continue;
    auto text = zt::test::read_file(entry.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) {
      ++names;
      std::string joined, literals = (*it)[1];
      for (std::sregex_iterator l(literals.begin(), literals.end(), literal); l != end; ++l) joined += (*l)[1];
      INFO(entry.path().filename().string() << ": " << joined);
      CHECK(joined.find(';') == std::string::npos);
      CHECK(joined.rfind('-', 0) != 0);
      auto colon = joined.find(": ");
      CHECK((colon == std::string::npos || colon + 2 < catch_column_width));
    }
  }
  CHECK(names > 200);
}
