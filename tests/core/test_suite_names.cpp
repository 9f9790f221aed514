// CTest cuts a discovered test's name at ';' and hands Catch the first half, which matches no
// test case: CTest then reports "Passed" for a test that never ran. Seven did, unnoticed. A name
// that starts with '-' is read by Catch as an option, and a ',' splits a filter given by hand.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "support/harness.hpp"

TEST_CASE("no test case name holds a semicolon or starts with a dash", "[suite]") {
  static const std::regex name(R"re(TEST_CASE\(\s*"((?:[^"\\]|\\.)*)")re");
  size_t names = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(ZOOMTRACK_SOURCE_DIR) + "/tests")) {
    if (entry.path().extension() != ".cpp") continue;
    auto text = zt::test::read_file(entry.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) {
      ++names;
      INFO(entry.path().filename().string() << ": " << (*it)[1]);
      CHECK((*it)[1].str().find(';') == std::string::npos);
      CHECK((*it)[1].str().rfind('-', 0) != 0);
    }
  }
  CHECK(names > 200);
}
