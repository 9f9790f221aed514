// CTest cuts a discovered test's name at ';' and hands Catch the first half, which matches no
// test case: CTest then reports "Passed" for a test that never ran. Seven did, unnoticed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "support/harness.hpp"

TEST_CASE("no test case name holds a semicolon, which CTest would run as nothing", "[suite]") {
  static const std::regex name(R"re(TEST_CASE\(\s*"((?:[^"\\]|\\.)*)")re");
  size_t names = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(ZOOMTRACK_SOURCE_DIR) + "/tests")) {
    if (entry.path().extension() != ".cpp") continue;
    auto text = zt::test::read_file(entry.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) {
      ++names;
      INFO(entry.path().filename().string() << ": " << (*it)[1]);
      CHECK((*it)[1].str().find(';') == std::string::npos);
    }
  }
  CHECK(names > 200);
}
