// Read commands never create a database: a mistyped --db is an error, not an empty report.
#include <catch2/catch.hpp>
#include <filesystem>

#include "support/harness.hpp"

using namespace zt::test;
namespace fs = std::filesystem;

namespace {

size_t files_in(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("read commands on a missing database exit 1 naming it and create nothing", "[e2e][cli][db][sqlite]") {
  TempDir dir;
  auto db = dir.file("mistyped.db");
  const std::vector<std::vector<std::string>> commands{
      {"sessions", "list"},
      {"sessions", "list", "--json"},
      {"sessions", "show", "1"},
      {"sessions", "void", "1", "--reason", "x"},
      {"sessions", "end", "1", "--at", "2026-11-24T10:00:00Z", "--reason", "x"},
      {"report", "--csv"},
      {"reconcile"},
      {"events", "list"},
  };
  for (const auto& command : commands) {
    std::vector<std::string> args{"--db", db};
    args.insert(args.end(), command.begin(), command.end());
    auto r = run_zoomtrack(args);
    INFO(command[0] << " " << command[1 % command.size()] << ": " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("no zoomtrack database at " + db) != std::string::npos);
    CHECK(r.err.find("zoomtrack init") != std::string::npos);
    CHECK(files_in(dir.path()) == 0);  // no file, no -wal, no -shm
  }
  SECTION("also when the path comes from ZOOMTRACK_DB") {
    auto r = run_zoomtrack({"report"}, {{"ZOOMTRACK_DB", db}});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("no zoomtrack database at " + db) != std::string::npos);
    CHECK(files_in(dir.path()) == 0);
  }
  SECTION("init, link create and serve create it; then the read commands work") {
    REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
    CHECK(fs::exists(db));
    auto list = run_zoomtrack({"--db", db, "sessions", "list", "--json"});
    CHECK(list.exit_code == 0);
    CHECK(list.out == "[]\n");
    auto other = dir.file("by-link.db");
    auto link = run_zoomtrack({"--db", other, "link", "create", "--teacher", "t", "--student", "s", "--zoom-url",
                               "https://zoom.us/j/86431910364"});
    INFO(link.err);
    CHECK(link.exit_code == 0);
    CHECK(fs::exists(other));
  }
}

TEST_CASE("an empty --db is a usage error and init names a missing directory", "[e2e][cli][db][sqlite]") {
  TempDir dir;
  auto empty = run_zoomtrack({"--db", "", "sessions", "list"});
  CHECK(empty.exit_code == 2);
  CHECK(empty.err.find("--db is empty") != std::string::npos);
  CHECK(run_zoomtrack({"--db", "", "init"}).exit_code == 2);

  auto nested = dir.file("no/such/dir/zoomtrack.db");
  auto init = run_zoomtrack({"--db", nested, "init"});
  CHECK(init.exit_code == 1);
  CHECK(init.err.find(nested) != std::string::npos);
  CHECK(init.err.find("mkdir -p " + dir.file("no/such/dir")) != std::string::npos);
  CHECK(files_in(dir.path()) == 0);
}
