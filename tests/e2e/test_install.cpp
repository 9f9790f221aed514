#include <catch2/catch.hpp>

#include <filesystem>

#include "support/harness.hpp"

using namespace zt::test;
namespace fs = std::filesystem;

TEST_CASE("cmake --install puts the binary, the man page and the completions where tools look", "[e2e][install]") {
  TempDir prefix;
  auto build_dir = fs::path(ZOOMTRACK_BINARY).parent_path().string();
  auto r = run_program({"cmake", "--install", build_dir, "--prefix", prefix.path().string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* installed : {"bin/zoomtrack", "share/man/man1/zoomtrack.1",
                                "share/bash-completion/completions/zoomtrack", "share/zsh/site-functions/_zoomtrack",
                                "share/fish/vendor_completions.d/zoomtrack.fish"}) {
    INFO(installed);
    CHECK(fs::is_regular_file(prefix.path() / installed));
  }
  auto shipped = read_file(std::string(ZOOMTRACK_SOURCE_DIR) + "/completions/zoomtrack.bash");
  CHECK(read_file((prefix.path() / "share/bash-completion/completions/zoomtrack").string()) == shipped);
  auto version = run_program({(prefix.path() / "bin/zoomtrack").string(), "--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.find(".") != std::string::npos);
}
