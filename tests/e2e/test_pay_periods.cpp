// Pay periods through the real binary on a real file: a closed month's report never changes,
// what changes a locked lesson later is paid as an adjustment, and verify finds hand edits.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/util/time.hpp"
#include "support/harness.hpp"
#include "support/pay_columns.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const std::string secret = "period-secret";

// October 2026 is over whenever these tests run: its lessons are held at fixed past times, and
// changes made now are paid from November on.
struct October {
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  Env env{{"ZOOMTRACK_WEBHOOK_SECRET", secret}};
  int64_t webhook_lesson = 0, corrected_lesson = 0, voided_lesson = 0;

  October() {
    {
      PastLessons past(db);
      webhook_lesson = past.held({"t.abebe", "s.hanna", "https://zoom.us/j/5551110001", "", ""}, "2026-10-05T09:00:00Z",
                                 "2026-10-05T09:50:00Z");
      corrected_lesson = past.held({"t.bekele", "s.yonas", "https://zoom.us/j/5551110002", "", ""}, "2026-10-06T10:00:00Z",
                                   "2026-10-06T10:45:00Z");
      voided_lesson = past.held({"t.abebe", "s.lidya", "https://zoom.us/j/5551110003", "", ""}, "2026-10-07T08:00:00Z",
                                "2026-10-07T08:30:00Z");
    }
    ok({"sessions", "void", std::to_string(voided_lesson), "--reason", "booked twice"});
    ok({"reconcile"});
  }
  RunResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--db", db});
    return run_zoomtrack(args, env);
  }
  std::string ok(const std::vector<std::string>& args) const {
    auto r = run(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  std::string report(const std::string& by, const std::string& from, const std::string& to = "") const {
    std::vector<std::string> args{"report", "--by", by, "--csv", "--from", from};
    if (!to.empty()) args.insert(args.end(), {"--to", to});
    return ok(args);
  }
  RunResult sql(const std::string& statement) const { return run_program({"sqlite3", db, statement}); }
};

// The rows of a CSV report, header first, without the BOM, in the columns reports had before
// pay policies (those appended since are checked in test_pay_policy.cpp).
std::vector<std::string> lines(std::string csv) {
  if (csv.rfind("\xEF\xBB\xBF", 0) == 0) csv.erase(0, 3);
  csv = without_pay_columns(csv);
  std::vector<std::string> out;
  size_t start = 0;
  while (start < csv.size()) {
    auto end = csv.find('\n', start);
    out.push_back(csv.substr(start, end - start - (end > start && csv[end - 1] == '\r' ? 1 : 0)));
    start = end + 1;
  }
  return out;
}

bool has_line(const std::vector<std::string>& rows, const std::string& begin, const std::string& end) {
  for (const auto& row : rows) {
    if (row.rfind(begin, 0) == 0 && row.size() >= end.size() && row.compare(row.size() - end.size(), end.size(), end) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("a closed month's report never changes, and a late webhook and a correction are paid as adjustments after it",
          "[e2e][periods]") {
  October m;
  auto closed = m.ok({"period", "close", "--month", "2026-10", "--json"});
  auto period = json::parse(closed);
  CHECK(period["lessons"] == 2);  // the void lesson is locked but not payroll
  CHECK(period["duration_s"] == 50 * 60 + 45 * 60);
  CHECK(period["digest"].get<std::string>().size() == 64);

  auto october_lessons = m.report("lesson", "2026-10-01", "2026-11-01");
  auto october_teachers = m.report("teacher", "2026-10-01", "2026-11-01");
  auto october_days = m.report("day", "2026-10-01", "2026-11-01");
  CHECK(lines(october_lessons).front().ends_with(",minutes,scheduled_local,late_s,kind"));

  // Zoom's own report of the teacher leaving at 09:58 arrives now: more trusted than the checkout.
  {
    ServeProcess serve(m.db, m.env);
    auto late = m.run({"webhook", "send", "meeting.participant_left", "--meeting", "5551110001", "--host", "--at",
                       "2026-10-05T09:58:00Z", "--to", serve.base_url() + "/webhooks/zoom"});
    INFO(late.err);
    REQUIRE(late.exit_code == 0);
  }
  m.ok({"sessions", "end", std::to_string(m.corrected_lesson), "--at", "2026-10-06T10:40:00Z", "--reason",
        "teacher phoned: the lesson ended early"});
  m.ok({"sessions", "restore", std::to_string(m.voided_lesson), "--reason", "voided by mistake"});

  // The lessons' own view follows the facts.
  auto webhook_lesson = show_lesson(m.db, m.webhook_lesson);
  CHECK(webhook_lesson["ended_at"] == "2026-10-05T09:58:00Z");
  CHECK(webhook_lesson["end_source"] == "webhook");
  CHECK(show_lesson(m.db, m.corrected_lesson)["ended_at"] == "2026-10-06T10:40:00Z");
  CHECK(show_lesson(m.db, m.voided_lesson)["status"] == "final");

  // October's report is byte for byte what it was at the close, in every grouping.
  CHECK(m.report("lesson", "2026-10-01", "2026-11-01") == october_lessons);
  CHECK(m.report("teacher", "2026-10-01", "2026-11-01") == october_teachers);
  CHECK(m.report("day", "2026-10-01", "2026-11-01") == october_days);

  // The next open period pays the differences.
  auto after = lines(m.report("lesson", "2026-11-01"));
  REQUIRE(after.size() == 4);
  auto id = [](int64_t n) { return std::to_string(n) + ","; };
  CHECK(has_line(after, id(m.webhook_lesson) + "t.abebe,s.hanna,", ",webhook,final,480,8,,,adjustment"));
  CHECK(has_line(after, id(m.corrected_lesson) + "t.bekele,s.yonas,", ",manual,final,-300,-5,,,adjustment"));
  CHECK(has_line(after, id(m.voided_lesson) + "t.abebe,s.lidya,", ",leave_url,final,1800,30,,,adjustment"));
  auto teachers = json::parse(m.ok({"report", "--by", "teacher", "--from", "2026-11-01", "--json"}));
  REQUIRE(teachers.size() == 2);
  CHECK(teachers[0]["teacher"] == "t.abebe");
  CHECK(teachers[0]["duration_s"] == 480 + 1800);
  CHECK(teachers[0]["lessons"] == 0);
  CHECK(teachers[1]["duration_s"] == -300);

  // Each adjustment is in the lesson's audit trail, and the whole trail is intact.
  bool audited = false;
  for (const auto& row : webhook_lesson["audit"]) audited = audited || row["action"] == "adjustment";
  CHECK(audited);
  auto verify = m.run({"verify", "--json"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(json::parse(verify.out)["ok"] == true);
  CHECK(json::parse(verify.out)["locked_lessons"] == 3);
}

TEST_CASE("reopening a period and closing it again changes its digest, is audited, and withdraws its adjustments",
          "[e2e][periods][sqlite]") {
  October m;
  auto first = json::parse(m.ok({"period", "close", "--month", "2026-10", "--json"}));
  m.ok({"sessions", "end", std::to_string(m.corrected_lesson), "--at", "2026-10-06T10:40:00Z", "--reason", "ended early"});
  CHECK(lines(m.report("lesson", "2026-11-01")).size() == 2);

  auto again = m.run({"period", "close", "--from", "2026-10-15", "--to", "2026-11-01"});
  CHECK(again.exit_code == 4);
  CHECK(again.err.find("overlaps closed period 1 (2026-10") != std::string::npos);

  auto missing_reason = m.run({"period", "reopen", "1"});
  CHECK(missing_reason.exit_code == 2);
  m.ok({"period", "reopen", "1", "--reason", "the correction belongs in October"});
  CHECK(m.run({"period", "reopen", "1", "--reason", "twice"}).exit_code == 4);
  // October is live again and pays the corrected lesson itself; November no longer does.
  CHECK(lines(m.report("lesson", "2026-11-01")).size() == 1);
  CHECK(m.report("lesson", "2026-10-01", "2026-11-01").find(",manual,final,2400,40,,,lesson") != std::string::npos);

  auto second = json::parse(m.ok({"period", "close", "--month", "2026-10", "--json"}));
  CHECK(second["id"] == 2);
  CHECK(second["digest"] != first["digest"]);
  CHECK(second["duration_s"] == first["duration_s"].get<int64_t>() - 300);

  auto periods = json::parse(m.ok({"period", "list", "--json"}));
  REQUIRE(periods.size() == 2);
  CHECK(periods[0]["status"] == "reopened");
  CHECK(periods[0]["reopen_reason"] == "the correction belongs in October");
  CHECK(periods[1]["status"] == "closed");
  auto csv = lines(m.ok({"period", "list", "--csv"}));
  CHECK(csv.size() == 3);

  auto trail = m.sql("SELECT action || ' ' || period_id || ' ' || who FROM audit WHERE period_id IS NOT NULL ORDER BY id");
  CHECK(trail.out == "period_close 1 tester\nperiod_reopen 1 tester\nperiod_close 2 tester\n");
  CHECK(m.run({"verify"}).exit_code == 0);
}

TEST_CASE("a period with unsettled lessons, or not over yet, is closed only with --force", "[e2e][periods]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  int64_t review = 0;
  {
    PastLessons past(db);
    past.held({"t1", "s1", "https://zoom.us/j/5552220001", "", ""}, "2026-10-05T09:00:00Z", "2026-10-05T09:50:00Z");
    review = past.needing_review({"t2", "s2", "https://zoom.us/j/5552220002", "", ""}, "2026-10-06T09:00:00Z");
  }
  auto refused = run_zoomtrack({"--db", db, "period", "close", "--month", "2026-10"});
  CHECK(refused.exit_code == 4);
  CHECK(refused.err.find("1 unsettled lesson(s): " + std::to_string(review) + " (needs_review)") != std::string::npos);
  CHECK(run_zoomtrack({"--db", db, "period", "list", "--json"}).out == "[]\n");

  auto future = run_zoomtrack({"--db", db, "period", "close", "--month", "2999-01"});
  CHECK(future.exit_code == 4);
  CHECK(future.err.find("has not ended yet") != std::string::npos);
  CHECK(run_zoomtrack({"--db", db, "period", "close", "--month", "2026-13"}).exit_code == 2);
  CHECK(run_zoomtrack({"--db", db, "period", "close"}).exit_code == 2);

  auto forced = run_zoomtrack({"--db", db, "period", "close", "--month", "2026-10", "--force", "--json"});
  INFO(forced.err);
  REQUIRE(forced.exit_code == 0);
  CHECK(json::parse(forced.out)["needs_review"] == 1);
  // Settled after the close, the lesson is paid as an adjustment.
  auto end = run_zoomtrack({"--db", db, "sessions", "end", std::to_string(review), "--at", "2026-10-06T09:40:00Z",
                            "--reason", "teacher confirmed"});
  INFO(end.err);
  REQUIRE(end.exit_code == 0);
  auto after = run_zoomtrack({"--db", db, "report", "--from", "2026-11-01", "--json"});
  auto rows = json::parse(after.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["kind"] == "adjustment");
  CHECK(rows[0]["duration_s"] == 2400);
  CHECK(run_zoomtrack({"--db", db, "verify"}).exit_code == 0);
}

TEST_CASE("staff start a lesson the student reached without clicking, never over a real click without --force",
          "[e2e][periods]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  auto created = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t1", "--student", "s1", "--zoom-url",
                                "https://zoom.us/j/5553330001", "--json"});
  REQUIRE(created.exit_code == 0);
  auto id = std::to_string(json::parse(created.out)["id"].get<int64_t>());
  auto start = minutes_from_now(-50);
  auto started = run_zoomtrack({"--db", db, "sessions", "start", id, "--at", start, "--reason", "joined from the app", "--json"});
  INFO(started.err);
  REQUIRE(started.exit_code == 0);
  CHECK(json::parse(started.out)["started_at"] == start);
  CHECK(json::parse(started.out)["status"] == "active");
  CHECK(run_zoomtrack({"--db", db, "sessions", "start", id, "--at", minutes_from_now(10), "--reason", "x"}).exit_code == 2);

  int64_t clicked = 0;
  {
    PastLessons past(db);
    clicked = past.held({"t2", "s2", "https://zoom.us/j/5553330002", "", ""}, minutes_from_now(-40));
  }
  auto earlier = minutes_from_now(-45);
  auto refused = run_zoomtrack({"--db", db, "sessions", "start", std::to_string(clicked), "--at", earlier,
                                "--reason", "clock was off"});
  CHECK(refused.exit_code == 4);
  CHECK(refused.err.find("has a real click") != std::string::npos);
  auto forced = run_zoomtrack({"--db", db, "sessions", "start", std::to_string(clicked), "--at", earlier,
                               "--reason", "clock was off", "--force", "--json"});
  INFO(forced.err);
  REQUIRE(forced.exit_code == 0);
  CHECK(json::parse(forced.out)["started_at"] == earlier);
  auto audit = show_lesson(db, clicked)["audit"];
  CHECK(audit[audit.size() - 2]["action"] == "start");

  CHECK(run_zoomtrack({"--db", db, "sessions", "restore", id, "--reason", "not void"}).exit_code == 4);
  CHECK(run_zoomtrack({"--db", db, "sessions", "void", id, "--reason", "mistake"}).exit_code == 0);
  auto restored = run_zoomtrack({"--db", db, "sessions", "restore", id, "--reason", "it happened", "--json"});
  INFO(restored.err);
  REQUIRE(restored.exit_code == 0);
  CHECK(json::parse(restored.out)["status"] == "active");
  CHECK(json::parse(restored.out)["started_at"] == start);
  CHECK(run_zoomtrack({"--db", db, "verify"}).exit_code == 0);
}

TEST_CASE("verify finds a hand edit of a locked lesson, a deleted and an inserted audit row", "[e2e][periods][sqlite]") {
  October m;
  m.ok({"period", "close", "--month", "2026-10"});
  REQUIRE(m.run({"verify"}).exit_code == 0);

  SECTION("a locked lesson's ended_at changed with sqlite3") {
    REQUIRE(m.sql("UPDATE lessons SET ended_at = '2026-10-05T10:30:00Z' WHERE id = " + std::to_string(m.webhook_lesson))
                .exit_code == 0);
    auto r = m.run({"verify"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("lesson " + std::to_string(m.webhook_lesson)) != std::string::npos);
  }
  SECTION("a locked lesson's start and end moved together: the duration holds, the audit trail does not") {
    REQUIRE(m.sql("UPDATE lessons SET started_at = '2026-10-05T08:00:00Z', ended_at = '2026-10-05T08:50:00Z' "
                  "WHERE id = " + std::to_string(m.webhook_lesson))
                .exit_code == 0);
    auto r = m.run({"verify"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("last audited change") != std::string::npos);
  }
  SECTION("an audit row deleted") {
    REQUIRE(m.sql("DELETE FROM audit WHERE id = 3").exit_code == 0);
    auto r = m.run({"verify", "--json"});
    CHECK(r.exit_code == 1);
    auto result = json::parse(r.out);
    CHECK(result["problems"][0]["kind"] == "audit");
    CHECK(result["problems"][0]["id"] == 4);
    CHECK(r.err.find("audit row 4 ") != std::string::npos);
  }
  SECTION("an audit row inserted") {
    REQUIRE(m.sql("INSERT INTO audit (id, lesson_id, at, who, source, action, reason, hash) "
                  "SELECT MAX(id) + 1, 1, '2026-10-05T09:00:00Z', 'mallory', 'manual', 'end', 'looks real', "
                  "'5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef' FROM audit")
                .exit_code == 0);
    auto r = m.run({"verify"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("does not match its hash") != std::string::npos);
  }
  SECTION("an audit row's reason reworded") {
    REQUIRE(m.sql("UPDATE audit SET reason = 'approved' WHERE id = 2").exit_code == 0);
    auto r = m.run({"verify"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("audit row 2 ") != std::string::npos);
  }
  SECTION("a period's locked row edited") {
    REQUIRE(m.sql("UPDATE period_lessons SET ended_at = '2026-10-05T11:00:00Z' WHERE lesson_id = " +
                  std::to_string(m.webhook_lesson))
                .exit_code == 0);
    auto r = m.run({"verify"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("period 1 (2026-10") != std::string::npos);
  }
}

TEST_CASE("a database from before pay periods keeps every lesson and audit row and passes verify", "[e2e][periods][sqlite]") {
  TempDir dir;
  auto db = dir.file("old.db");
  auto load = run_program({"sqlite3", db}, {}, fixture("db/schema_v2.sql"));
  INFO(load.err);
  REQUIRE(load.exit_code == 0);
  auto r = run_zoomtrack({"--db", db, "verify", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // The six rows it had, and the marker schema 10 appends: changes audited from there on are
  // replayed from the row as it was stored.
  CHECK(json::parse(r.out)["audit_rows"] == 7);
  auto counts = run_program({"sqlite3", db, "SELECT COUNT(*) FROM lessons; SELECT COUNT(*) FROM audit WHERE hash <> '';"
                                            " PRAGMA user_version;"});
  CHECK(counts.out.rfind("3\n7\n", 0) == 0);
  CHECK(show_lesson(db, 1)["audit"].size() == 3);
  // New rows chain on from the migrated ones.
  REQUIRE(run_zoomtrack({"--db", db, "sessions", "void", "3", "--reason", "cancelled"}).exit_code == 0);
  CHECK(run_zoomtrack({"--db", db, "verify"}).exit_code == 0);
}

TEST_CASE("a lesson whose start a correction moves into a closed month is paid by adjustments, the month unchanged",
          "[e2e][periods]") {
  October m;
  m.ok({"period", "close", "--month", "2026-10"});
  auto october = m.report("lesson", "2026-10-01", "2026-11-01");
  auto created = json::parse(m.ok({"link", "create", "--teacher", "t.chala", "--student", "s.meron", "--zoom-url",
                                   "https://zoom.us/j/5551110009", "--json"}));
  auto id = std::to_string(created["id"].get<int64_t>());
  m.ok({"sessions", "start", id, "--at", "2026-10-20T09:00:00Z", "--reason", "held from the Zoom app"});
  m.ok({"sessions", "end", id, "--at", "2026-10-20T09:30:00Z", "--reason", "teacher's note"});
  CHECK(m.report("lesson", "2026-10-01", "2026-11-01") == october);
  auto after = lines(m.report("lesson", "2026-11-01"));
  REQUIRE(after.size() == 2);
  CHECK(has_line(after, id + ",t.chala,s.meron,", ",manual,final,1800,30,,,adjustment"));
  CHECK(m.run({"verify"}).exit_code == 0);
}
