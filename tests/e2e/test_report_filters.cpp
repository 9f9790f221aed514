// The reports people ask for: a month, one teacher or student, a date-only --to that includes its
// day, lateness against the scheduled time, running lessons apart from paid ones.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/harness.hpp"
#include "support/pay_columns.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

struct Month {
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  Month() {
    PastLessons past(db);
    // 1: 200 s late. 2: two minutes early, on the last evening of November (UTC and Addis Ababa).
    past.held(lesson_on_meeting("t.abebe", "s.hana", 1), "2026-11-10T09:03:20Z", "2026-11-10T10:00:00Z", "2026-11-10T09:00:00Z");
    past.held(lesson_on_meeting("t.abebe", "s.lulit", 2), "2026-11-30T19:58:00Z", "2026-11-30T21:00:00Z", "2026-11-30T20:00:00Z");
    // 3: not scheduled; November in UTC, 1 December in Addis Ababa.
    past.held(lesson_on_meeting("t.bekele", "s.hana", 3), "2026-11-30T22:30:00Z", "2026-11-30T23:30:00Z");
    // 4: still running (clicked, no end yet).
    past.held(lesson_on_meeting("t.bekele", "s.hana", 4), "2026-12-01T08:00:00Z");
    // 5: October in UTC, 1 November in Addis Ababa.
    past.held(lesson_on_meeting("t.abebe", "s.hana", 5), "2026-10-31T23:00:00Z", "2026-10-31T23:45:00Z");
  }
  RunResult report(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db, "report"});
    auto r = run_zoomtrack(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
  std::vector<int64_t> ids(std::vector<std::string> args) {
    args.push_back("--json");
    std::vector<int64_t> found;
    for (const auto& row : json::parse(report(args).out)) found.push_back(row["id"].get<int64_t>());
    return found;
  }
};

}  // namespace

TEST_CASE("report --month is the month in --tz, and the same as --from its first day --to its last", "[e2e][report]") {
  Month m;
  CHECK(m.ids({"--month", "2026-11"}) == std::vector<int64_t>{1, 2, 3});
  CHECK(m.ids({"--month", "2026-11", "--tz", "Africa/Addis_Ababa"}) == std::vector<int64_t>{5, 1, 2});
  CHECK(m.ids({"--month", "2026-12"}) == std::vector<int64_t>{4});
  for (std::string tz : {"UTC", "Africa/Addis_Ababa", "America/New_York"}) {
    INFO(tz);
    CHECK(m.report({"--month", "2026-11", "--tz", tz, "--csv"}).out ==
          m.report({"--from", "2026-11-01", "--to", "2026-11-30", "--tz", tz, "--csv"}).out);
    CHECK(m.report({"--month", "2026-11", "--tz", tz, "--by", "day", "--csv"}).out ==
          m.report({"--from", "2026-11-01", "--to", "2026-11-30", "--tz", tz, "--by", "day", "--csv"}).out);
  }
}

TEST_CASE("a date-only --to includes that whole day, and a time is exclusive", "[e2e][report]") {
  Month m;
  CHECK(m.ids({"--from", "2026-11-30", "--to", "2026-11-30"}) == std::vector<int64_t>{2, 3});
  CHECK(m.ids({"--from", "2026-11-30", "--to", "2026-11-30T19:58:00Z"}).empty());
  CHECK(m.ids({"--from", "2026-11-30", "--to", "2026-11-30T19:58:01Z"}) == std::vector<int64_t>{2});
  CHECK(m.ids({"--from", "2026-11-30", "--to", "2026-11-30", "--tz", "Africa/Addis_Ababa"}) == std::vector<int64_t>{2});
}

TEST_CASE("report --teacher and --student keep one person's lessons, and combine", "[e2e][report]") {
  Month m;
  CHECK(m.ids({"--month", "2026-11", "--teacher", "t.abebe"}) == std::vector<int64_t>{1, 2});
  CHECK(m.ids({"--month", "2026-11", "--student", "s.hana"}) == std::vector<int64_t>{1, 3});
  CHECK(m.ids({"--month", "2026-11", "--teacher", "t.abebe", "--student", "s.hana"}) == std::vector<int64_t>{1});
  CHECK(m.ids({"--teacher", "t.nobody"}).empty());
  CHECK(without_pay_columns(m.report({"--by", "teacher", "--teacher", "t.bekele", "--csv"}).out) ==
        "teacher,lessons,duration_s,minutes,needs_review,running\r\nt.bekele,2,3600,60,0,1\r\n");
  CHECK(without_pay_columns(m.report({"--by", "student", "--student", "s.lulit", "--csv"}).out) ==
        "student,lessons,duration_s,minutes,needs_review,running\r\ns.lulit,1,3720,62,0,0\r\n");
}

TEST_CASE("report --by lesson appends the scheduled time and the student's lateness", "[e2e][report]") {
  Month m;
  auto csv = m.report({"--month", "2026-11", "--tz", "Africa/Addis_Ababa", "--csv"}).out;
  CHECK(without_pay_columns(csv) ==
        "id,teacher,student,date,start_local,end_local,start_utc,end_utc,end_source,status,duration_s,minutes,"
        "scheduled_local,late_s,kind\r\n"
        "5,t.abebe,s.hana,2026-11-01,2026-11-01T02:00:00+03:00,2026-11-01T02:45:00+03:00,2026-10-31T23:00:00Z,"
        "2026-10-31T23:45:00Z,leave_url,ended,2700,45,,,lesson\r\n"
        "1,t.abebe,s.hana,2026-11-10,2026-11-10T12:03:20+03:00,2026-11-10T13:00:00+03:00,2026-11-10T09:03:20Z,"
        "2026-11-10T10:00:00Z,leave_url,ended,3400,57,2026-11-10T12:00:00+03:00,200,lesson\r\n"
        "2,t.abebe,s.lulit,2026-11-30,2026-11-30T22:58:00+03:00,2026-12-01T00:00:00+03:00,2026-11-30T19:58:00Z,"
        "2026-11-30T21:00:00Z,leave_url,ended,3720,62,2026-11-30T23:00:00+03:00,-120,lesson\r\n");
  auto rows = json::parse(m.report({"--month", "2026-11", "--json"}).out);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["late_s"] == 200);
  CHECK(rows[0]["scheduled_local"] == "2026-11-10T09:00:00+00:00");
  CHECK(rows[1]["late_s"] == -120);
  CHECK(rows[2]["late_s"].is_null());
  CHECK(rows[2]["scheduled_local"] == "");
}

TEST_CASE("group reports count running lessons apart from paid ones, and --by day groups on the start's local date", "[e2e][report]") {
  Month m;
  CHECK(without_pay_columns(m.report({"--by", "teacher", "--csv"}).out) ==
        "teacher,lessons,duration_s,minutes,needs_review,running\r\n"
        "t.abebe,3,9820,164,0,0\r\n"
        "t.bekele,2,3600,60,0,1\r\n");
  CHECK(without_pay_columns(m.report({"--by", "day", "--from", "2026-11-30", "--tz", "Africa/Addis_Ababa", "--csv"}).out) ==
        "date,teacher,lessons,duration_s,minutes,needs_review,running\r\n"
        "2026-11-30,t.abebe,1,3720,62,0,0\r\n"
        "2026-12-01,t.bekele,2,3600,60,0,1\r\n");
  auto table = m.report({"--by", "student"}).out;
  CHECK(table == "student  lessons  duration_s  minutes  needs_review  running  paid_s\n"
                 "s.hana         4        9700      162             0        1    9700\n"
                 "s.lulit        1        3720       62             0        0    3720\n"
                 "TOTAL          5       13420      224             0        1   13420\n");
}

TEST_CASE("report --month refuses a bad month and --from or --to beside it", "[e2e][report]") {
  Month m;
  for (std::string bad : {"2026-13", "2026-1", "2026-11-01", "November", "2026-00"}) {
    INFO(bad);
    auto r = run_zoomtrack({"--db", m.db, "report", "--month", bad});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("'" + bad + "' is not a month") != std::string::npos);
    CHECK(r.out.empty());
  }
  for (std::string other : {"--from", "--to"}) {
    auto r = run_zoomtrack({"--db", m.db, "report", "--month", "2026-11", other, "2026-11-05"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--month") != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("sessions list: --status repeats, a date-only --to includes its day, scheduled_at everywhere", "[e2e][sessions]") {
  Month m;
  auto list = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", m.db, "sessions", "list"});
    args.push_back("--json");
    auto r = run_zoomtrack(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<int64_t> ids;
    for (const auto& l : json::parse(r.out)) ids.push_back(l["id"].get<int64_t>());
    return ids;
  };
  CHECK(list({"--status", "active"}) == std::vector<int64_t>{4});
  CHECK(list({"--status", "active", "--status", "ended"}) == std::vector<int64_t>{1, 2, 3, 4, 5});
  CHECK(list({"--status", "active,final"}) == std::vector<int64_t>{4});
  CHECK(list({"--from", "2026-11-30", "--to", "2026-11-30"}) == std::vector<int64_t>{2, 3});
  CHECK(list({"--teacher", "t.bekele", "--to", "2026-11-30"}) == std::vector<int64_t>{3});
  auto bad = run_zoomtrack({"--db", m.db, "sessions", "list", "--status", "active,paused"});
  CHECK(bad.exit_code == 2);

  auto json_rows = json::parse(run_zoomtrack({"--db", m.db, "sessions", "list", "--json"}).out);
  CHECK(json_rows[0]["scheduled_at"] == "2026-11-10T09:00:00Z");
  CHECK(json_rows[2]["scheduled_at"].is_null());
  auto csv = run_zoomtrack({"--db", m.db, "sessions", "list", "--csv"}).out;
  CHECK(csv.substr(0, csv.find("\r\n")).ends_with(",expires_at,scheduled_at,ref"));
  CHECK(csv.find(",2026-11-30T20:00:00Z,\r\n") != std::string::npos);
  auto table = run_zoomtrack({"--db", m.db, "sessions", "list"}).out;
  CHECK(table.substr(0, table.find('\n')).find("scheduled_at") != std::string::npos);
  CHECK(show_lesson(m.db, 2)["scheduled_at"] == "2026-11-30T20:00:00Z");
  auto shown = run_zoomtrack({"--db", m.db, "sessions", "show", "2"}).out;
  CHECK(shown.find("  scheduled    2026-11-30T20:00:00Z\n") != std::string::npos);
}
