// link create --from-csv as a clerk uses it: Excel's BOM, one error format, a table to read.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;

TEST_CASE("an Excel CSV UTF-8 file with a BOM imports and prints a table with teacher and student",
          "[e2e][cli][csv]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  auto csv = dir.file("lessons.csv");
  write_file(csv,
             "\xEF\xBB\xBFteacher,student,zoom_url,student_name\r\n"
             "t.abebe,s.hana,https://zoom.us/j/111111111,\"Hana, A.\"\r\n"
             "t.bekele,s.lulit,https://zoom.us/j/222222222?pwd=x,Lulit\r\n");
  auto r = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("id  teacher   student  tracking_url") == 0);
  CHECK(r.out.find("t.abebe   s.hana") != std::string::npos);
  CHECK(r.out.find("t.bekele  s.lulit") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 3);
  auto lessons = json::parse(run_zoomtrack({"--db", db, "sessions", "list", "--json"}).out);
  REQUIRE(lessons.size() == 2);
  CHECK(lessons[0]["teacher"] == "t.abebe");

  SECTION("a re-import without refs is refused; with --allow-duplicate, JSON is one object per line") {
    auto again = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv});
    CHECK(again.exit_code == 4);
    CHECK(again.err.find(csv + ": row 1: lesson 1 has the same teacher, student") != std::string::npos);
    CHECK(again.err.find("--allow-duplicate") != std::string::npos);
    auto j = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv, "--json", "--allow-duplicate"});
    REQUIRE(j.exit_code == 0);
    CHECK(std::count(j.out.begin(), j.out.end(), '\n') == 2);
    CHECK(json::parse(j.out.substr(0, j.out.find('\n'))).contains("tracking_url"));
  }
}

TEST_CASE("every CSV error names the file and the row in one format and creates nothing", "[e2e][cli][csv]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  struct Case {
    std::string content, expected;
  };
  const std::vector<Case> cases{
      {"teacher,student,zoom_url\nt1,,https://zoom.us/j/111111111\n", ": row 1: --student is required"},
      {"teacher,student,zoom_url\nt1,s1,https://zoom.us/j/111111111\nt2,s2,https://evil.example/j/1\n",
       ": row 2: 'https://evil.example/j/1' is not a Zoom join URL"},
      {"teacher,student,zoom_url,scheduled_at\nt1,s1,https://zoom.us/j/111111111,tomorrow\n", ": row 1: "},
      {"teacher,student,zoom_url\nt1,s1,https://zoom.us/j/111111111,extra\n", ": row 1: 4 cells, but the header has 3"},
      {"teacher,student,zoom_url\nt1,\"s1,https://zoom.us/j/111111111\n", ": row 1: a quote is never closed"},
      {"teacher,pupil,zoom_url\nt1,s1,https://zoom.us/j/111111111\n", ": header: there is no 'student' column"},
      {"teacher,student,zoom_url\n", ": no lessons below the header"},
  };
  int n = 0;
  for (const auto& c : cases) {
    auto csv = dir.file("bad" + std::to_string(++n) + ".csv");
    write_file(csv, c.content);
    auto r = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv});
    INFO(c.content << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("zoomtrack: error: " + csv + c.expected) == 0);
    CHECK(r.err.find(" (") != std::string::npos);  // a hint
    CHECK(r.out.empty());
  }
  CHECK(json::parse(run_zoomtrack({"--db", db, "sessions", "list", "--json"}).out).empty());
}
