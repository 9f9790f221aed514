// Scripts retry: `link create --ref` gives the stored lesson back, and a retried command
// without a ref is refused instead of creating a second copy that would end the first one.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <future>
#include <sstream>

#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

// A booking a month ahead of the clock the test runs under (a fixed date would expire one day).
const std::string booked_day = minutes_from_now(30 * 24 * 60).substr(0, 10);
const std::string next_day = minutes_from_now(31 * 24 * 60).substr(0, 10);

const std::vector<std::string> lesson_flags{"link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                                            "--zoom-url", "https://zoom.us/j/86431910364?pwd=abc",
                                            "--scheduled-at", booked_day + "T09:00:00Z"};

std::vector<std::string> with(const std::string& db, std::vector<std::string> args,
                              const std::vector<std::string>& more) {
  args.insert(args.begin(), {"--db", db});
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

json lessons_in(const std::string& db) {
  auto r = run_zoomtrack({"--db", db, "sessions", "list", "--json"});
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("link create --ref: a retry gives the same lesson back, other fields are a conflict", "[e2e][cli][ref]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  auto first = run_zoomtrack(with(db, lesson_flags, {"--ref", "booking-4711", "--json"}));
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  auto created = json::parse(first.out);
  CHECK(created["existing"] == false);
  CHECK(created["ref"] == "booking-4711");

  auto retry = run_zoomtrack(with(db, lesson_flags, {"--ref", "booking-4711", "--json"}));
  REQUIRE(retry.exit_code == 0);
  auto again = json::parse(retry.out);
  CHECK(again["existing"] == true);
  CHECK(again["id"] == created["id"]);
  CHECK(again["tracking_url"] == created["tracking_url"]);
  CHECK(again["checkout_url"] == created["checkout_url"]);

  auto human = run_zoomtrack(with(db, lesson_flags, {"--ref", "booking-4711"}));
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("lesson 1 (stored before for ref booking-4711; nothing new stored)") == 0);
  CHECK(human.out.find(created["tracking_url"].get<std::string>()) != std::string::npos);

  auto other = lesson_flags;
  other[5] = "s.lulit";
  auto conflict = run_zoomtrack(with(db, other, {"--ref", "booking-4711"}));
  CHECK(conflict.exit_code == 4);
  CHECK(conflict.err.find("ref booking-4711 is lesson 1, which differs in student (s.hana, not s.lulit)") !=
        std::string::npos);
  CHECK(conflict.err.find("give a new --ref") != std::string::npos);
  CHECK(conflict.out.empty());

  auto later = run_zoomtrack(with(db, lesson_flags, {"--ref", "booking-4711", "--expires-at", next_day + "T09:00:00Z"}));
  CHECK(later.exit_code == 4);
  CHECK(later.err.find("differs in expires_at") != std::string::npos);

  CHECK(lessons_in(db).size() == 1);

  SECTION("ref is shown by sessions list, show, JSON and CSV, and filters the list") {
    REQUIRE(run_zoomtrack(with(db, other, {"--ref", "booking-4712"})).exit_code == 0);
    auto only = json::parse(run_zoomtrack({"--db", db, "sessions", "list", "--ref", "booking-4712", "--json"}).out);
    REQUIRE(only.size() == 1);
    CHECK(only[0]["student"] == "s.lulit");
    CHECK(only[0]["ref"] == "booking-4712");
    auto csv = run_zoomtrack({"--db", db, "sessions", "list", "--csv"}).out;
    CHECK(csv.substr(0, csv.find('\r')).ends_with(",expires_at,scheduled_at,ref"));
    CHECK(csv.find(",booking-4711\r\n") != std::string::npos);
    auto table = run_zoomtrack({"--db", db, "sessions", "list"}).out;
    CHECK(table.find("booking-4712") != std::string::npos);
    CHECK(run_zoomtrack({"--db", db, "sessions", "show", "1"}).out.find("ref          booking-4711") !=
          std::string::npos);
    CHECK(json::parse(run_zoomtrack({"--db", db, "sessions", "show", "1", "--json"}).out)["ref"] == "booking-4711");
    CHECK(json::parse(run_zoomtrack({"--db", db, "sessions", "list", "--ref", "nope", "--json"}).out).empty());
  }
}

TEST_CASE("an empty --ref is refused: a script's empty variable must not lose its retry safety",
          "[e2e][cli][ref]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  auto r = run_zoomtrack(with(db, lesson_flags, {"--ref", ""}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--ref is empty") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("without --ref, a repeat of a lesson not started yet is refused unless --allow-duplicate",
          "[e2e][cli][ref]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack(with(db, lesson_flags, {})).exit_code == 0);
  auto repeat = run_zoomtrack(with(db, lesson_flags, {}));
  CHECK(repeat.exit_code == 4);
  CHECK(repeat.err.find("lesson 1 has the same teacher, student, Zoom URL and scheduled time") != std::string::npos);
  CHECK(repeat.err.find("give --ref to make retries safe, or --allow-duplicate") != std::string::npos);
  CHECK(lessons_in(db).size() == 1);

  auto another_time = lesson_flags;
  another_time[9] = next_day + "T09:00:00Z";
  CHECK(run_zoomtrack(with(db, another_time, {})).exit_code == 0);
  CHECK(run_zoomtrack(with(db, lesson_flags, {"--allow-duplicate"})).exit_code == 0);
  CHECK(lessons_in(db).size() == 3);
}

TEST_CASE("concurrent retries of one --ref store one lesson", "[e2e][cli][ref]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  std::vector<std::future<RunResult>> runs;
  for (int i = 0; i < 6; ++i) {
    runs.push_back(std::async(std::launch::async, [&] {
      return run_zoomtrack(with(db, lesson_flags, {"--ref", "booking-9", "--json"}));
    }));
  }
  int fresh = 0;
  for (auto& run : runs) {
    auto r = run.get();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = json::parse(r.out);
    CHECK(j["id"] == 1);
    if (j["existing"] == false) ++fresh;
  }
  CHECK(fresh == 1);
  CHECK(lessons_in(db).size() == 1);
}

TEST_CASE("re-running a CSV with refs creates nothing twice, and a changed row stops the whole file",
          "[e2e][cli][csv][ref]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  auto csv = dir.file("week.csv");
  const std::string header = "teacher,student,zoom_url,scheduled_at,ref\n";
  const std::string rows =
      "t.abebe,s.hana,https://zoom.us/j/111111111," + booked_day + "T09:00:00Z,B-1\n"
      "t.abebe,s.lulit,https://zoom.us/j/111111111," + booked_day + "T10:00:00Z,B-2\n";
  write_file(csv, header + rows);
  auto first = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("id  teacher  student  ref  new  tracking_url") == 0);

  auto rerun = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv, "--json"});
  REQUIRE(rerun.exit_code == 0);
  std::istringstream lines(rerun.out);
  std::string line;
  std::vector<json> printed;
  while (std::getline(lines, line)) printed.push_back(json::parse(line));
  REQUIRE(printed.size() == 2);
  CHECK(printed[0]["existing"] == true);
  CHECK(printed[0]["id"] == 1);
  CHECK(printed[1]["ref"] == "B-2");
  CHECK(lessons_in(db).size() == 2);

  SECTION("a new row beside a changed one: nothing is stored") {
    write_file(csv, header + rows.substr(0, rows.find('\n') + 1) +
                        "t.abebe,s.lulit,https://zoom.us/j/111111111," + booked_day + "T11:00:00Z,B-2\n"
                        "t.abebe,s.sara,https://zoom.us/j/111111111," + booked_day + "T12:00:00Z,B-3\n");
    auto changed = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv});
    CHECK(changed.exit_code == 4);
    CHECK(changed.err.find("zoomtrack: error: " + csv + ": row 2: ref B-2 is lesson 2, which differs in scheduled_at") ==
          0);
    CHECK(changed.err.find("nothing was created") != std::string::npos);
    CHECK(lessons_in(db).size() == 2);
  }
  SECTION("one ref twice in a file with different fields") {
    write_file(csv, header + rows + "t.abebe,s.sara,https://zoom.us/j/111111111," + booked_day + "T12:00:00Z,B-1\n");
    auto twice = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv});
    CHECK(twice.exit_code == 4);
    CHECK(twice.err.find("row 3: ref B-1 is lesson 1, which differs in student") != std::string::npos);
  }
  SECTION("a ref column with an empty cell") {
    write_file(csv, header + rows + "t.abebe,s.sara,https://zoom.us/j/111111111," + booked_day + "T12:00:00Z,\n");
    auto empty = run_zoomtrack({"--db", db, "link", "create", "--from-csv", csv});
    CHECK(empty.exit_code == 2);
    CHECK(empty.err.find(csv + ": row 3: the ref cell is empty") != std::string::npos);
    CHECK(empty.err.find("give every row a ref, or drop the ref column") != std::string::npos);
    CHECK(lessons_in(db).size() == 2);
  }
}
