// The payroll page (`report --html`) through the real binary on a real file: its figures against
// the CSV and JSON of the same selection, escaping of every name, the teacher's statement, a
// closed period's digest, empty and large selections; then opened and printed by headless
// Chromium with no request leaving the page.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <sstream>

#include "core/util/text.hpp"
#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const std::string amharic = "አበበ በቀለ";
const std::string arabic = "محمد علي";
const std::string scripted = "<script>alert(1)</script>&co";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The text between `begin` and the next `end` after it.
std::string between(const std::string& text, const std::string& begin, const std::string& end) {
  auto from = text.find(begin);
  REQUIRE(from != std::string::npos);
  auto to = text.find(end, from);
  REQUIRE(to != std::string::npos);
  return text.substr(from, to - from);
}

// November 2026 (explicit past dates, so the suite runs the same under a shifted clock): lessons
// of teachers with Amharic, Arabic and HTML in their names, three scheduled, one needing review;
// and an October lesson locked by October's close, corrected since: an adjustment paid now.
struct Payroll {
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  int64_t review_id = 0, adjusted_id = 0;

  Payroll() {
    {
      PastLessons past(db);
      past.held(lesson_on_meeting("t.abebe", "s.hana", 1), "2026-11-02T09:03:00Z", "2026-11-02T09:50:00Z",
                "2026-11-02T09:00:00Z");
      past.held(lesson_on_meeting("t.abebe", "s.lulit", 2), "2026-11-03T14:00:00Z", "2026-11-03T14:44:40Z",
                "2026-11-03T14:00:00Z");
      past.held(lesson_on_meeting(amharic, "ሐና", 3), "2026-11-03T10:00:00Z", "2026-11-03T10:45:00Z",
                "2026-11-03T09:58:00Z");
      past.held(lesson_on_meeting(arabic, "فاطمة", 4), "2026-11-03T12:00:00Z", "2026-11-03T12:30:29Z",
                "2026-11-03T12:05:00Z");
      past.held(lesson_on_meeting(scripted, "s.<b>", 5), "2026-11-04T08:00:00Z", "2026-11-04T08:40:00Z");
      review_id = past.needing_review(lesson_on_meeting("t.abebe", "s.meron", 6), "2026-11-05T10:00:00Z");
      adjusted_id = past.held(lesson_on_meeting("t.bekele", "s.yonas", 7), "2026-10-06T10:00:00Z",
                              "2026-10-06T10:45:00Z");
    }
    ok({"reconcile"});
    ok({"period", "close", "--month", "2026-10"});
    ok({"sessions", "end", std::to_string(adjusted_id), "--at", "2026-10-06T10:40:00Z", "--reason", "teacher phoned"});
  }
  std::string ok(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--db", db});
    auto r = run_zoomtrack(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  // The page written with -o, as a user would.
  std::string page(std::vector<std::string> selection, const std::string& name = "page.html") const {
    auto path = dir.file(name);
    selection.insert(selection.begin(), "report");
    selection.insert(selection.end(), {"--html", "-o", path});
    ok(selection);
    return read_file(path);
  }
  json rows(std::vector<std::string> selection, const std::string& by = "lesson") const {
    selection.insert(selection.begin(), "report");
    selection.insert(selection.end(), {"--by", by, "--json"});
    return json::parse(ok(selection));
  }
};

int64_t sum(const json& rows, const std::string& column) {
  int64_t total = 0;
  for (const auto& row : rows) total += row[column].is_null() ? 0 : row[column].get<int64_t>();
  return total;
}

std::string figure(const std::string& id, int64_t value) { return "id=\"" + id + "\">" + std::to_string(value) + "<"; }

// The cells of a teacher's or a day's row in the page's tables.
std::string table_row(const std::string& heading, int64_t lessons, int64_t minutes) {
  return "<tr><th scope=\"row\">" + heading + "</th><td class=\"n\">" + std::to_string(lessons) + "</td><td class=\"n\">" +
         std::to_string(minutes) + "</td>";
}

}  // namespace

TEST_CASE("the payroll page gives the CSV's figures: totals, per teacher, per day, lateness, review, adjustments",
          "[e2e][payroll-page]") {
  Payroll p;
  std::vector<std::string> november{"--from", "2026-11-01"};
  auto page = p.page(november);
  auto lessons = p.rows(november);

  int64_t lesson_rows = 0, review = 0, scheduled = 0;
  for (const auto& row : lessons) {
    lesson_rows += row["kind"] == "lesson";
    review += row["status"] == "needs_review";
    scheduled += !row["late_s"].is_null();
  }
  CHECK(lesson_rows == 6);
  CHECK(has(page, figure("total-lessons", lesson_rows)));
  CHECK(has(page, figure("total-minutes", sum(lessons, "minutes"))));
  CHECK(has(page, figure("total-review", review)));

  auto teachers = p.rows(november, "teacher");
  auto teacher_table = between(page, "<table id=\"teachers\">", "</table>");
  CHECK(count(teacher_table, "<tr><th scope=\"row\"><bdi>") == teachers.size());
  for (const auto& t : teachers) {
    INFO(t.dump());
    auto name = "<bdi>" + zt::html_escape(t["teacher"].get<std::string>()) + "</bdi>";
    CHECK(has(teacher_table, table_row(name, t["lessons"], t["minutes"])));
  }

  std::map<std::string, std::pair<int64_t, int64_t>> days;  // date -> lessons, minutes over teachers
  for (const auto& d : p.rows(november, "day")) {
    days[d["date"]].first += d["lessons"].get<int64_t>();
    days[d["date"]].second += d["minutes"].get<int64_t>();
  }
  auto day_table = between(page, "<table id=\"days\">", "</table>");
  CHECK(count(day_table, "<tr><th scope=\"row\">") == days.size());
  for (const auto& [date, figures] : days) CHECK(has(day_table, table_row(date, figures.first, figures.second)));

  // Students' lateness from late_s: 180 s and 120 s late, on time, 5 minutes early.
  CHECK(has(page, std::to_string(scheduled) + " lessons with a scheduled time"));
  CHECK(has(page, "<title>early: 1</title>"));
  CHECK(has(page, "<title>0–1: 1</title>"));
  CHECK(has(page, "<title>1–5: 2</title>"));

  CHECK(has(page, "<code>zoomtrack sessions end " + std::to_string(p.review_id) + " --at END --reason REASON</code>"));
  auto adjustments = between(page, "<table id=\"adjustment-rows\">", "</table>");
  CHECK(has(adjustments, "<tr><td class=\"n\">" + std::to_string(p.adjusted_id) + "</td><td><bdi>t.bekele</bdi></td>"));
  CHECK(has(adjustments, "<td class=\"n\">-5</td></tr>"));
  CHECK(has(page, "id=\"total-adjustments\">1 (-5 min)<"));
  CHECK(has(page, "<span class=\"status open\">Open</span>"));
}

TEST_CASE("every name on the payroll page is escaped, and Amharic and Arabic pass as they are, each isolated", "[e2e][payroll-page]") {
  Payroll p;
  auto page = p.page({"--from", "2026-11-01"});
  CHECK(!has(page, "<script"));
  CHECK(!has(page, "<b>"));
  CHECK(has(page, "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;&amp;co</bdi>"));
  CHECK(has(page, "<bdi>" + amharic + "</bdi>"));
  CHECK(has(page, "<bdi>" + arabic + "</bdi>"));
  CHECK(has(page, "<title>" + arabic + ": "));  // in the chart's tooltip too
  // Self-contained: nothing that could fetch.
  CHECK(!has(page, "src="));
  CHECK(!has(page, "url("));
  CHECK(!has(page, "@import"));
  CHECK(!has(page, "href=\"http"));
  CHECK(!has(page, "<link"));
}

TEST_CASE("a teacher's statement lists each lesson with its start, end, paid minutes and why, and the total",
          "[e2e][payroll-page]") {
  Payroll p;
  std::vector<std::string> selection{"--from", "2026-11-01", "--teacher", "t.abebe"};
  auto page = p.page(selection);
  auto lessons = p.rows(selection);
  CHECK(has(page, "<title>Statement for t.abebe, 2026-11-01 – …</title>"));
  auto table = between(page, "<table id=\"statement\">", "</table>");
  CHECK(count(table, "<tr><td class=\"t\">") == lessons.size());
  for (const auto& l : lessons) {
    INFO(l.dump());
    std::string start = l["start_local"], end = l["end_local"];
    auto minutes = l["minutes"].is_null() ? std::string("—") : std::to_string(l["minutes"].get<int64_t>());
    CHECK(has(table, "<tr><td class=\"t\">" + l["date"].get<std::string>() + "</td><td class=\"t\">" +
                         start.substr(11, 5) + "</td><td class=\"t\">" + (end.empty() ? "" : end.substr(11, 5)) +
                         "</td><td class=\"n\">" + minutes + "</td><td><bdi>" + l["student"].get<std::string>() +
                         "</bdi></td>"));
  }
  CHECK(has(table, "From the student&#39;s click to when you pressed “End the lesson now”."));
  CHECK(has(table, "No end was recorded: not paid until the school confirms when it ended."));
  CHECK(has(page, figure("statement-total", sum(lessons, "minutes"))));
  CHECK(!has(page, "id=\"teachers\""));  // a statement shows no other teacher
  CHECK(!has(page, "t.bekele"));
}

TEST_CASE("a closed month's page says so with its digest and shows the locked figures", "[e2e][payroll-page]") {
  Payroll p;
  auto page = p.page({"--month", "2026-10"});
  auto period = json::parse(p.ok({"period", "list", "--json"}))[0];
  CHECK(has(page, "<span class=\"status closed\">Closed</span> as period 2026-10"));
  CHECK(has(page, "<span class=\"digest\">" + period["digest"].get<std::string>() + "</span>"));
  auto locked = p.rows({"--month", "2026-10"});
  CHECK(sum(locked, "minutes") == 45);  // as October paid it; the correction is November's adjustment
  CHECK(has(page, figure("total-minutes", 45)));
  // A selection across the closed month and the open one says which part is closed.
  CHECK(has(p.page({"--from", "2026-10-15", "--to", "2026-11-15"}), "Partly closed"));
}

TEST_CASE("an empty period and a single lesson make whole pages", "[e2e][payroll-page]") {
  Payroll p;
  auto empty = p.page({"--month", "2026-06"});
  CHECK(has(empty, figure("total-lessons", 0)));
  CHECK(has(empty, "No lessons in this selection."));
  CHECK(has(empty, "</html>\n"));
  auto statement = p.page({"--month", "2026-06", "--teacher", "t.abebe"});
  CHECK(has(statement, "No lessons in this period."));
  CHECK(has(statement, figure("statement-total", 0)));

  auto one = p.page({"--from", "2026-11-04", "--to", "2026-11-04"});
  CHECK(has(one, figure("total-lessons", 1)));
  CHECK(has(one, figure("total-minutes", 40)));
  CHECK(count(one, "<rect class=\"bar\"") == 2);  // one teacher, one day; it had no scheduled time to be late for
}

TEST_CASE("report --html refuses what it cannot show, and writes nothing", "[e2e][payroll-page]") {
  Payroll p;
  auto out = p.dir.file("refused.html");
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--by", "teacher"}, {"--csv"}, {"--json"}}) {
    std::vector<std::string> args{"--db", p.db, "report", "--html", "-o", out};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_zoomtrack(args);
    INFO(extra.front());
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, "excludes"));
    CHECK(!std::filesystem::exists(out));
  }
  auto zone = run_zoomtrack({"--db", p.db, "report", "--html", "--tz", "Mars/Olympus_Mons", "-o", out});
  CHECK(zone.exit_code == 2);
  CHECK(has(zone.err, "Mars/Olympus_Mons"));
  CHECK(!std::filesystem::exists(out));
}

TEST_CASE("10,000 lessons: the page stays small, its charts aggregate, its totals are the CSV's", "[e2e][payroll-page][large][sqlite]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "-q", "init"}).exit_code == 0);
  // Written with SQL, as bench/reports does: 10,000 final lessons of 40 teachers across September
  // 2026, each with its click and checkout, and 20 more needing review.
  auto fill = [&](int count, const std::string& status, const std::string& first, const std::string& prefix) {
    bool ended = status == "final";
    auto sql = "PRAGMA synchronous = OFF;"
               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(count) + ") "
               "INSERT INTO lessons (teacher, teacher_name, student, student_name, zoom_url, meeting_id, track_token, "
               "leave_token, base_url, status, created_at, expires_at, scheduled_at, started_at, ended_at, end_source) "
               "SELECT 't' || (i % 40), '', 's' || (i % 700), '', 'https://zoom.us/j/' || (100000000 + i), 100000000 + i, "
               "'" + prefix + "track' || i, '" + prefix + "leave' || i, 'https://lessons.example.org', '" + status + "', "
               "strftime('%Y-%m-%dT%H:%M:%SZ', '" + first + "', '-1 hours', '+' || (i * 233) || ' seconds'), "
               "strftime('%Y-%m-%dT%H:%M:%SZ', '" + first + "', '+30 days'), "
               "strftime('%Y-%m-%dT%H:%M:%SZ', '" + first + "', '+' || (i * 233 - i % 900 + 120) || ' seconds'), "
               "strftime('%Y-%m-%dT%H:%M:%SZ', '" + first + "', '+' || (i * 233) || ' seconds'), " +
               (ended ? "strftime('%Y-%m-%dT%H:%M:%SZ', '" + first + "', '+' || (i * 233 + 1800 + i % 1500) || ' seconds'), 'leave_url' "
                      : std::string("NULL, NULL ")) +
               "FROM n;"
               "INSERT INTO clicks (lesson_id, at, ip, user_agent, kind, method) SELECT id, started_at, '203.0.113.1', "
               "'Mozilla/5.0', 'real', 'GET' FROM lessons WHERE track_token LIKE '" + prefix + "track%';"
               "INSERT INTO end_signals (lesson_id, source, at, received_at, detail) SELECT id, 'leave_url', ended_at, "
               "ended_at, 'test' FROM lessons WHERE track_token LIKE '" + prefix + "track%' AND ended_at IS NOT NULL;";
    auto r = run_program({"sqlite3", db, sql});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  fill(10000, "final", "2026-09-01T06:00:00Z", "a");
  fill(20, "needs_review", "2026-09-10T08:00:00Z", "b");

  auto path = dir.file("payroll.html");
  auto r = run_zoomtrack({"--db", db, "report", "--month", "2026-09", "--html", "-o", path});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto page = read_file(path);
  CHECK(page.size() < 3 * 1024 * 1024);
  auto lessons = json::parse(run_zoomtrack({"--db", db, "report", "--month", "2026-09", "--json"}).out);
  REQUIRE(lessons.size() == 10020);
  CHECK(has(page, figure("total-lessons", 10020)));
  CHECK(has(page, figure("total-minutes", sum(lessons, "minutes"))));
  CHECK(has(page, figure("total-review", 20)));
  // 40 teachers: 14 bars and one for the other 26; the table keeps all 40.
  auto chart = between(page, "<svg", "</svg>");
  CHECK(count(chart, "<rect class=\"bar\"") == 15);
  CHECK(has(chart, "26 other teachers"));
  CHECK(count(between(page, "<table id=\"teachers\">", "</table>"), "<tr><th scope=\"row\"><bdi>") == 40);
  // The lessons needing review are grouped per teacher, each with its command.
  CHECK(count(page, "<table class=\"review\">") == 20);
  CHECK(count(page, "zoomtrack sessions end ") == 20);

  auto statement_path = dir.file("t7.html");
  REQUIRE(run_zoomtrack({"--db", db, "report", "--month", "2026-09", "--teacher", "t7", "--html", "-o", statement_path})
              .exit_code == 0);
  auto statement = read_file(statement_path);
  CHECK(statement.size() < 3 * 1024 * 1024);
  auto t7 = json::parse(run_zoomtrack({"--db", db, "report", "--month", "2026-09", "--teacher", "t7", "--json"}).out);
  CHECK(count(statement, "<tr><td class=\"t\">") == t7.size());
  CHECK(has(statement, figure("statement-total", sum(t7, "minutes"))));
}

TEST_CASE("the payroll page shows invalid UTF-8 as U+FFFD and counts links that expired unopened as no-shows",
          "[e2e][payroll-page]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  {
    PastLessons past(db);
    past.held(lesson_on_meeting("t.\xff\xfe", "s.hana", 1), "2026-11-02T09:00:00Z", "2026-11-02T09:30:00Z");
    // A link made on 2026-11-03 for the day, never opened.
    past.clock.set(zt::parse_time_arg("2026-11-03T08:00:00Z"));
    zt::NewLesson unopened{"t.abebe", "", "", "s.lulit", "", "https://zoom.us/j/1000000002", std::nullopt,
                           zt::parse_time_arg("2026-11-03T20:00:00Z"), ""};
    past.service.create_lessons({unopened});
  }
  REQUIRE(run_zoomtrack({"--db", db, "reconcile"}).exit_code == 0);
  auto path = dir.file("page.html");
  REQUIRE(run_zoomtrack({"--db", db, "report", "--month", "2026-11", "--html", "-o", path}).exit_code == 0);
  auto page = read_file(path);
  CHECK(!has(page, "\xff"));
  CHECK(has(page, "<bdi>t.\xEF\xBF\xBD\xEF\xBF\xBD</bdi>"));
  CHECK(has(page, figure("total-no-shows", 1)));
  CHECK(has(page, figure("total-lessons", 1)));
}
