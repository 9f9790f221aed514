// src/core is layered: util, rules, store, services, each including only the layers before it
// (docs/layout.md). An include that points back up is how a layer starts to know what it should
// not; this test names the file and the include.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <regex>

#include "support/harness.hpp"

TEST_CASE("src/core's layers include only the layers below them", "[suite]") {
  const std::map<std::string, int> rank = {{"util", 0}, {"rules", 1}, {"store", 2}, {"services", 3}};
  static const std::regex include(R"re(#include "core/([a-z_]+)/)re");
  const std::filesystem::path core = std::string(ZOOMTRACK_SOURCE_DIR) + "/src/core";
  size_t includes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(core)) {
    if (!entry.is_regular_file()) continue;
    auto layer = std::filesystem::relative(entry.path(), core).begin()->string();
    INFO(entry.path().string());
    REQUIRE(rank.count(layer) == 1);  // every file of core is in one of the layers
    auto text = zt::test::read_file(entry.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), include), end; it != end; ++it) {
      ++includes;
      auto included = (*it)[1].str();
      INFO("includes core/" << included << "/");
      REQUIRE(rank.count(included) == 1);
      CHECK(rank.at(included) <= rank.at(layer));
    }
  }
  CHECK(includes > 100);
}
