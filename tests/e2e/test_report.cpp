#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/harness.hpp"
#include "support/pay_columns.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

// Lessons at chosen instants: across midnight in Addis Ababa, on both 2026 DST change days in
// New York and at the edges of a New York day, one needing review, teachers whose ids a
// spreadsheet would run as formulas.
struct Payroll {
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  Payroll() {
    PastLessons past(db);
    past.held(lesson_on_meeting("t.abebe", "s.hana", 1), "2026-11-24T20:30:00Z", "2026-11-24T21:40:00Z");     // 1
    past.held(lesson_on_meeting("t.abebe", "s.lulit", 2), "2026-11-24T22:30:00Z", "2026-11-24T23:15:30Z");    // 2
    past.held(lesson_on_meeting("t.bekele", "s.hana", 3), "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z");    // 3
    past.held(lesson_on_meeting("t.bekele", "s.hana", 4), "2026-11-01T05:30:00Z", "2026-11-01T06:45:00Z");    // 4
    past.needing_review(lesson_on_meeting("+t.plus", "s.meron", 5), "2026-11-20T10:00:00Z");                  // 5
    past.held(lesson_on_meeting("=t.eq", "s.meron", 6), "2026-11-20T12:00:00Z", "2026-11-20T12:30:00Z");      // 6
    past.held(lesson_on_meeting("t.bekele", "s.lulit", 7), "2026-03-08T04:30:00Z", "2026-03-08T05:00:00Z");   // 7
    past.held(lesson_on_meeting("t.bekele", "s.lulit", 8), "2026-03-09T03:30:00Z", "2026-03-09T04:00:00Z");   // 8
  }
  RunResult report(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db, "report"});
    auto r = run_zoomtrack(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
};

const std::string lesson_header =
    "id,teacher,student,date,start_local,end_local,start_utc,end_utc,end_source,status,duration_s,minutes,scheduled_local,late_s,kind\r\n";

}  // namespace

TEST_CASE("report by lesson: local dates and times follow --tz, a lesson across midnight keeps its start's date", "[e2e][report]") {
  Payroll p;
  auto addis = p.report({"--tz", "Africa/Addis_Ababa", "--from", "2026-11-24", "--to", "2026-11-25", "--csv"});
  CHECK(without_pay_columns(addis.out) == lesson_header +
                         "1,t.abebe,s.hana,2026-11-24,2026-11-24T23:30:00+03:00,2026-11-25T00:40:00+03:00,"
                         "2026-11-24T20:30:00Z,2026-11-24T21:40:00Z,leave_url,ended,4200,70,,,lesson\r\n"
                         "2,t.abebe,s.lulit,2026-11-25,2026-11-25T01:30:00+03:00,2026-11-25T02:15:30+03:00,"
                         "2026-11-24T22:30:00Z,2026-11-24T23:15:30Z,leave_url,ended,2730,46,,,lesson\r\n");
  auto utc = p.report({"--from", "2026-11-24", "--to", "2026-11-24", "--csv"});
  CHECK(without_pay_columns(utc.out) == lesson_header +
                       "1,t.abebe,s.hana,2026-11-24,2026-11-24T20:30:00+00:00,2026-11-24T21:40:00+00:00,"
                       "2026-11-24T20:30:00Z,2026-11-24T21:40:00Z,leave_url,ended,4200,70,,,lesson\r\n"
                       "2,t.abebe,s.lulit,2026-11-24,2026-11-24T22:30:00+00:00,2026-11-24T23:15:30+00:00,"
                       "2026-11-24T22:30:00Z,2026-11-24T23:15:30Z,leave_url,ended,2730,46,,,lesson\r\n");
}

TEST_CASE("report in America/New_York on DST change days: real seconds, local offsets, local-midnight periods", "[e2e][report]") {
  Payroll p;
  // 2026-03-08 starts at 05:00Z and ends at 04:00Z the next day (23 hours); a date-only --to
  // includes its whole day.
  auto spring = p.report({"--tz", "America/New_York", "--from", "2026-03-08", "--to", "2026-03-08", "--csv"});
  CHECK(without_pay_columns(spring.out) == lesson_header +
                          "3,t.bekele,s.hana,2026-03-08,2026-03-08T01:30:00-05:00,2026-03-08T03:30:00-04:00,"
                          "2026-03-08T06:30:00Z,2026-03-08T07:30:00Z,leave_url,ended,3600,60,,,lesson\r\n"
                          "8,t.bekele,s.lulit,2026-03-08,2026-03-08T23:30:00-04:00,2026-03-09T00:00:00-04:00,"
                          "2026-03-09T03:30:00Z,2026-03-09T04:00:00Z,leave_url,ended,1800,30,,,lesson\r\n");
  auto fall = p.report({"--tz", "America/New_York", "--from", "2026-11-01", "--to", "2026-11-01", "--csv"});
  CHECK(without_pay_columns(fall.out) == lesson_header +
                        "4,t.bekele,s.hana,2026-11-01,2026-11-01T01:30:00-04:00,2026-11-01T01:45:00-05:00,"
                        "2026-11-01T05:30:00Z,2026-11-01T06:45:00Z,leave_url,ended,4500,75,,,lesson\r\n");
  auto days = p.report({"--by", "day", "--tz", "America/New_York", "--from", "2026-03-07", "--to", "2026-03-09", "--csv"});
  CHECK(without_pay_columns(days.out) == "date,teacher,lessons,duration_s,minutes,needs_review,running\r\n"
                    "2026-03-07,t.bekele,1,1800,30,0,0\r\n"
                    "2026-03-08,t.bekele,2,5400,90,0,0\r\n");
}

TEST_CASE("report by day groups on the local date of each start", "[e2e][report]") {
  Payroll p;
  auto addis = p.report({"--by", "day", "--tz", "Africa/Addis_Ababa", "--from", "2026-11-24", "--to", "2026-11-25", "--json"});
  CHECK(without_pay_keys(json::parse(addis.out)) == json::parse(R"([
    {"date":"2026-11-24","teacher":"t.abebe","lessons":1,"duration_s":4200,"minutes":70,"needs_review":0,"running":0},
    {"date":"2026-11-25","teacher":"t.abebe","lessons":1,"duration_s":2730,"minutes":46,"needs_review":0,"running":0}])"));
  auto utc = p.report({"--by", "day", "--from", "2026-11-24", "--to", "2026-11-24", "--csv"});
  CHECK(without_pay_columns(utc.out) == "date,teacher,lessons,duration_s,minutes,needs_review,running\r\n2026-11-24,t.abebe,2,6930,116,0,0\r\n");
}

TEST_CASE("report by teacher: totals per teacher, needs_review counted and never paid, formulas neutralised", "[e2e][report]") {
  Payroll p;
  auto floor = p.report({"--by", "teacher", "--minutes", "floor", "--csv"});
  CHECK(without_pay_columns(floor.out) == "teacher,lessons,duration_s,minutes,needs_review,running\r\n"
                     "'+t.plus,1,0,0,1,0\r\n"
                     "'=t.eq,1,1800,30,0,0\r\n"
                     "t.abebe,2,6930,115,0,0\r\n"
                     "t.bekele,4,11700,195,0,0\r\n");
  auto round = p.report({"--by", "teacher", "--csv"});  // the example in docs/payroll.md
  CHECK(without_pay_columns(round.out) == "teacher,lessons,duration_s,minutes,needs_review,running\r\n"
                     "'+t.plus,1,0,0,1,0\r\n"
                     "'=t.eq,1,1800,30,0,0\r\n"
                     "t.abebe,2,6930,116,0,0\r\n"
                     "t.bekele,4,11700,195,0,0\r\n");
  auto ceil = p.report({"--by", "teacher", "--minutes", "ceil", "--json"});
  CHECK(without_pay_keys(json::parse(ceil.out))[2] == json::parse(R"({"teacher":"t.abebe","lessons":2,"duration_s":6930,"minutes":116,"needs_review":0,"running":0})"));
  auto students = p.report({"--by", "student", "--csv"});
  CHECK(without_pay_columns(students.out) == "student,lessons,duration_s,minutes,needs_review,running\r\n"
                        "s.hana,3,12300,205,0,0\r\n"
                        "s.lulit,3,6330,106,0,0\r\n"
                        "s.meron,2,1800,30,1,0\r\n");

  auto lessons = p.report({"--from", "2026-11-20", "--to", "2026-11-20", "--csv"});
  CHECK(without_pay_columns(lessons.out) == lesson_header +
                           "5,'+t.plus,s.meron,2026-11-20,2026-11-20T10:00:00+00:00,,2026-11-20T10:00:00Z,,,needs_review,,,,,lesson\r\n"
                           "6,'=t.eq,s.meron,2026-11-20,2026-11-20T12:00:00+00:00,2026-11-20T12:30:00+00:00,"
                           "2026-11-20T12:00:00Z,2026-11-20T12:30:00Z,leave_url,ended,1800,30,,,lesson\r\n");
  auto json_rows = json::parse(p.report({"--from", "2026-11-20", "--to", "2026-11-20", "--json"}).out);
  CHECK(json_rows[0]["teacher"] == "+t.plus");  // JSON is data, not a spreadsheet: unchanged
  CHECK(json_rows[0]["minutes"].is_null());
  CHECK(json_rows[0]["duration_s"].is_null());
}

TEST_CASE("the human report ends with a TOTAL line that CSV and JSON never carry", "[e2e][report]") {
  Payroll p;
  auto table = p.report({"--by", "teacher"});
  CHECK(table.out == "teacher   lessons  duration_s  minutes  needs_review  running  paid_s\n"
                     "+t.plus         1           0        0             1        0       0\n"
                     "=t.eq           1        1800       30             0        0    1800\n"
                     "t.abebe         2        6930      116             0        0    6930\n"
                     "t.bekele        4       11700      195             0        0   11700\n"
                     "TOTAL           8       20430      341             1        0   20430\n");
  CHECK(p.report({"--by", "teacher", "--csv"}).out.find("TOTAL") == std::string::npos);
  CHECK(json::parse(p.report({"--by", "teacher", "--json"}).out).size() == 4);
}

TEST_CASE("report -o writes the file atomically and leaves nothing else behind", "[e2e][report]") {
  Payroll p;
  auto out_dir = p.dir.path() / "out";
  std::filesystem::create_directory(out_dir);
  auto target = (out_dir / "payroll.csv").string();
  write_file(target, "an older report\n");
  auto r = p.report({"--by", "teacher", "--csv", "-o", target});
  CHECK(r.out.empty());
  CHECK(r.err == "wrote " + target + "\n");
  CHECK(read_file(target) == p.report({"--by", "teacher", "--csv"}).out);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir)) names.push_back(entry.path().filename());
  CHECK(names == std::vector<std::string>{"payroll.csv"});

  auto missing = run_zoomtrack({"--db", p.db, "report", "--csv", "-o", (p.dir.path() / "nope" / "x.csv").string()});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("zoomtrack: error: cannot write") == 0);
  CHECK_FALSE(std::filesystem::exists(p.dir.path() / "nope"));
}

TEST_CASE("report refuses a bad zone, an empty period and unknown rounding", "[e2e][report]") {
  Payroll p;
  CHECK(run_zoomtrack({"--db", p.db, "report", "--tz", "Mars/Olympus"}).exit_code == 2);
  CHECK(run_zoomtrack({"--db", p.db, "report", "--from", "2026-11-02", "--to", "2026-11-01"}).exit_code == 2);
  CHECK(run_zoomtrack({"--db", p.db, "report", "--minutes", "half"}).exit_code == 2);
}

TEST_CASE("report -o names why a path cannot be written, and writes nothing", "[e2e][report]") {
  Payroll p;
  auto out_dir = p.dir.path() / "out";
  std::filesystem::create_directory(out_dir);
  auto run = [&](const std::string& target) {
    return run_zoomtrack({"--db", p.db, "report", "--csv", "-o", target});
  };
  auto listing = [&] {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(out_dir)) names.push_back(entry.path().filename());
    return names;
  };

  for (auto target : {out_dir.string() + "/", out_dir.string()}) {
    INFO(target);
    auto r = run(target);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("zoomtrack: error: cannot write " + target + ": it is a directory (give a file name") == 0);
    CHECK(r.err.find("Success") == std::string::npos);
    CHECK(listing().empty());
  }
  auto missing = run((out_dir / "nope" / "x.csv").string());
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("zoomtrack: error: cannot write " + (out_dir / "nope" / "x.csv").string() + ": directory " +
                         (out_dir / "nope").string() + " does not exist") == 0);
  write_file((out_dir / "file").string(), "x");
  auto under_file = run((out_dir / "file" / "x.csv").string());
  CHECK(under_file.exit_code == 1);
  CHECK(under_file.err.find("is not a directory") != std::string::npos);
  std::filesystem::remove(out_dir / "file");

  if (::geteuid() != 0) {  // root writes anywhere: the permission case means something only for others
    std::filesystem::permissions(out_dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    auto denied = run((out_dir / "x.csv").string());
    std::filesystem::permissions(out_dir, std::filesystem::perms::owner_all);
    CHECK(denied.exit_code == 1);
    CHECK(denied.err.find("Permission denied") != std::string::npos);
  }
  CHECK(listing().empty());
}

TEST_CASE("under the default policy the appended pay columns pay duration_s and change nothing else", "[e2e][report][pay]") {
  Payroll p;
  auto csv = p.report({"--from", "2026-11-24", "--to", "2026-11-24", "--csv"}).out;
  CHECK(csv.starts_with(
      "id,teacher,student,date,start_local,end_local,start_utc,end_utc,end_source,status,duration_s,minutes,"
      "scheduled_local,late_s,kind,paid_s,pay_basis,pay_note,start_source,teacher_present_s,together_s,"
      "teacher_late_s,length_s\r\n"));
  // No Zoom data, no policy: click pays, the figures Zoom would give are empty.
  CHECK(csv.find(",4200,70,,,lesson,4200,click,,click,,,,\r\n") != std::string::npos);
  for (const auto& row : json::parse(p.report({"--json"}).out)) {
    INFO(row.dump());
    if (row["status"] == "needs_review") CHECK(row["paid_s"].is_null());
    else CHECK(row["paid_s"] == row["duration_s"]);
  }
  auto teachers = json::parse(p.report({"--by", "teacher", "--json"}).out);
  for (const auto& row : teachers) CHECK(row["paid_s"] == row["duration_s"]);
}
