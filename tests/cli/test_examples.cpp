#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

#include "cli/completions.hpp"
#include "support/harness.hpp"

using namespace zt::cli;
using namespace zt::test;

namespace {

std::string example(const std::string& name) { return std::string(ZOOMTRACK_SOURCE_DIR) + "/examples/" + name; }

// The words of the unit's ExecStart line after the binary.
std::vector<std::string> exec_start_words() {
  std::istringstream unit(read_file(example("zoomtrack.service")));
  for (std::string line; std::getline(unit, line);) {
    if (line.rfind("ExecStart=", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(' ') + 1));
    std::vector<std::string> out;
    for (std::string word; words >> word;) out.push_back(word);
    return out;
  }
  return {};
}

}  // namespace

TEST_CASE("the example config file is one zoomtrack accepts", "[cli][examples]") {
  auto r = run_zoomtrack({"--config", example("config"), "config", "show", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto shown = nlohmann::json::parse(r.out);
  CHECK(shown["db"]["value"] == "/var/lib/zoomtrack/zoomtrack.db");
  CHECK(shown["base_url"]["origin"] == "config " + example("config") + ":6");
}

TEST_CASE("the systemd unit starts serve with flags serve has", "[cli][examples]") {
  auto words = exec_start_words();
  REQUIRE(!words.empty());
  CHECK(words[0] == "serve");
  auto tree = command_tree();
  const CommandSpec* serve = nullptr;
  for (const auto& [path, command] : all_commands(tree)) {
    if (path == "serve") serve = command;
  }
  REQUIRE(serve);
  for (const auto& word : words) {
    if (!word.starts_with("--")) continue;
    bool known = false;
    for (const auto& option : serve->options) {
      for (const auto& name : option.long_names()) known = known || name == word;
    }
    INFO(word);
    CHECK(known);
  }
  auto unit = read_file(example("zoomtrack.service"));
  for (const char* line : {"User=zoomtrack\n", "EnvironmentFile=/etc/zoomtrack/env\n", "StateDirectory=zoomtrack\n",
                           "Restart=on-failure\n", "NoNewPrivileges=yes\n", "ExecReload=/bin/kill -HUP $MAINPID\n"}) {
    INFO(line);
    CHECK(unit.find(line) != std::string::npos);
  }
}
