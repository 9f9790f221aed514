// verify against hand edits made with sqlite3 on a real file, as someone with a motive would make
// them: each lesson is replayed from its audit trail in every period, open or closed, and the
// chain's head, kept outside the database, proves that nobody deleted or rebuilt the newest rows.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/rules/pay_period.hpp"
#include "core/util/time.hpp"
#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const std::string secret = "verify-secret";

// Two lessons held today, in a period nobody closed: one of 45 minutes (ended by its checkout,
// settled by reconcile), and one still waiting for its click.
struct OpenDay {
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  Env env{{"ZOOMTRACK_WEBHOOK_SECRET", secret}};
  std::string start = minutes_from_now(-300);
  std::string end = minutes_from_now(-255);
  int64_t held = 0, waiting = 0;

  OpenDay() {
    {
      PastLessons past(db);
      held = past.held({"t.abebe", "s.hanna", "https://zoom.us/j/5552220001", "", ""}, start, end);
    }
    auto created = json::parse(ok({"link", "create", "--teacher", "t.bekele", "--student", "s.yonas", "--zoom-url",
                                   "https://zoom.us/j/5552220002", "--base-url", "https://lessons.example.org", "--json"}));
    waiting = created["id"].get<int64_t>();
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
  void sql(const std::string& statement) const {
    auto r = run_program({"sqlite3", db, statement});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  std::string head() const { return json::parse(ok({"verify", "--json"}))["head"]; }
  int64_t newest_audit_row() const { return std::stoll(run_program({"sqlite3", db, "SELECT MAX(id) FROM audit"}).out); }
  // The first problem about `field` of lesson `id`, as verify --json reports it.
  json finding(const json& result, int64_t id, const std::string& field) const {
    for (const auto& p : result["problems"]) {
      if (p["kind"] == "lesson" && p["id"] == id && p.value("field", "") == field) return p;
    }
    return nullptr;
  }
};

std::string plus_minutes(const std::string& t, int minutes) {
  return zt::format_utc(*zt::parse_utc(t) + std::chrono::minutes(minutes));
}

// What someone who knows the hash's recipe (it is open source, and has no key) does after an
// edit: every row's hash computed again, in id order.
void rebuild_chain(const std::string& db) {
  SQLite::Database d(db, SQLite::OPEN_READWRITE);
  SQLite::Statement rows(d, "SELECT id, lesson_id, period_id, at, who, source, action, old_value, new_value, reason "
                            "FROM audit ORDER BY id");
  std::vector<zt::AuditRow> all;
  while (rows.executeStep()) {
    zt::AuditRow r;
    r.id = rows.getColumn(0).getInt64();
    if (!rows.getColumn(1).isNull()) r.lesson_id = rows.getColumn(1).getInt64();
    if (!rows.getColumn(2).isNull()) r.period_id = rows.getColumn(2).getInt64();
    r.at = rows.getColumn(3).getString();
    r.who = rows.getColumn(4).getString();
    r.source = rows.getColumn(5).getString();
    r.action = rows.getColumn(6).getString();
    r.old_value = rows.getColumn(7).getString();
    r.new_value = rows.getColumn(8).getString();
    r.reason = rows.getColumn(9).getString();
    all.push_back(r);
  }
  rows.reset();
  std::string previous;
  SQLite::Transaction tx(d);
  for (auto& r : all) {
    r.hash = zt::audit_hash(previous, r);
    SQLite::Statement update(d, "UPDATE audit SET hash = ? WHERE id = ?");
    update.bind(1, r.hash);
    update.bind(2, r.id);
    update.exec();
    previous = r.hash;
  }
  tx.commit();
}

}  // namespace

TEST_CASE("verify finds a lesson edited with sqlite3 in a period nobody closed, naming lesson, row and field",
          "[e2e][verify][sqlite]") {
  OpenDay d;
  auto clean = d.run({"verify", "--json"});
  INFO(clean.out << clean.err);
  REQUIRE(clean.exit_code == 0);
  CHECK(json::parse(clean.out)["lessons"] == 2);
  auto id = std::to_string(d.held);

  SECTION("ended_at moved: 45 minutes become 3 h 45 min") {
    auto forged = plus_minutes(d.start, 225);
    d.sql("UPDATE lessons SET ended_at = '" + forged + "' WHERE id = " + id);
    auto r = d.run({"verify", "--json"});
    CHECK(r.exit_code == 1);
    auto f = d.finding(json::parse(r.out), d.held, "ended_at");
    REQUIRE(f != nullptr);
    CHECK(f["audited"] == d.end);
    CHECK(f["found"] == forged);
    CHECK(f["audit_row"].get<int64_t>() > 0);
    CHECK(r.err.find("lesson " + id + ": ended_at reads " + forged) != std::string::npos);
    CHECK(r.err.find("last audited change (audit row " + std::to_string(f["audit_row"].get<int64_t>()) + ")") !=
          std::string::npos);
    // The text output lists the same finding on stdout.
    auto text = d.run({"verify"});
    CHECK(text.exit_code == 1);
    CHECK(text.out.find("NOT intact") != std::string::npos);
    CHECK(text.out.find("ended_at reads " + forged) != std::string::npos);
    // A close afterwards would lock the forged figure: verify says so before anyone closes.
  }
  SECTION("status changed") {
    d.sql("UPDATE lessons SET status = 'needs_review' WHERE id = " + id);
    auto r = d.run({"verify", "--json"});
    CHECK(r.exit_code == 1);
    auto f = d.finding(json::parse(r.out), d.held, "status");
    REQUIRE(f != nullptr);
    CHECK(f["audited"] == "final");
    CHECK(f["found"] == "needs_review");
  }
  SECTION("started_at moved an hour earlier") {
    auto forged = plus_minutes(d.start, -60);
    d.sql("UPDATE lessons SET started_at = '" + forged + "' WHERE id = " + id);
    auto f = d.finding(json::parse(d.run({"verify", "--json"}).out), d.held, "started_at");
    REQUIRE(f != nullptr);
    CHECK(f["audited"] == d.start);
    CHECK(f["found"] == forged);
  }
  SECTION("presence figures that pay under a teacher or together policy") {
    d.sql("UPDATE lessons SET together_s = 13500, teacher_present_s = 13500 WHERE id = " + id);
    auto result = json::parse(d.run({"verify", "--json"}).out);
    CHECK(result["ok"] == false);
    auto f = d.finding(result, d.held, "together_s");
    REQUIRE(f != nullptr);
    CHECK(f["audited"] == "(none)");
    CHECK(f["found"] == "13500");
    CHECK(d.finding(result, d.held, "teacher_present_s") != nullptr);
  }
  SECTION("an edit that a later change of zoomtrack's own carried on is found at that change") {
    // The end's source edited; then a staff correction, audited from the row as it found it, and
    // leaving a row that reads as its audit trail says.
    d.sql("UPDATE lessons SET end_source = 'webhook' WHERE id = " + id);
    d.ok({"sessions", "end", id, "--at", plus_minutes(d.start, 40), "--reason", "teacher's note", "--force"});
    auto result = json::parse(d.run({"verify", "--json"}).out);
    auto f = d.finding(result, d.held, "end_source");
    REQUIRE(f != nullptr);
    CHECK(f["audited"] == "leave_url");
    CHECK(f["found"] == "webhook");
    CHECK(f["message"].get<std::string>().find("edited behind zoomtrack's back in between") != std::string::npos);
  }
  SECTION("a lesson inserted by hand, without an audit trail") {
    d.sql("INSERT INTO lessons (id, teacher, student, zoom_url, meeting_id, track_token, leave_token, base_url, "
          "status, created_at, started_at, ended_at, end_source, start_source) VALUES (77, 't.abebe', 's.ghost', "
          "'https://zoom.us/j/5552220009', '5552220009', 'tok-a', 'tok-b', 'https://x.example', 'final', '" +
          d.start + "', '" + d.start + "', '" + d.end + "', 'leave_url', 'click')");
    auto r = d.run({"verify", "--json"});
    CHECK(r.exit_code == 1);
    auto problems = json::parse(r.out)["problems"];
    REQUIRE(problems.size() == 1);
    CHECK(problems[0]["kind"] == "lesson");
    CHECK(problems[0]["id"] == 77);
    CHECK(problems[0]["message"].get<std::string>().find("lesson 77 has no audit trail") != std::string::npos);
  }
  SECTION("a lesson row deleted") {
    d.sql("DELETE FROM lessons WHERE id = " + std::to_string(d.waiting));
    auto r = d.run({"verify", "--json"});
    CHECK(r.exit_code == 1);
    auto problems = json::parse(r.out)["problems"];
    REQUIRE(problems.size() == 1);
    CHECK(problems[0]["id"] == d.waiting);
    CHECK(problems[0].contains("audit_row"));
    CHECK(problems[0]["message"].get<std::string>().find("lesson " + std::to_string(d.waiting) + " is gone") !=
          std::string::npos);
  }
}

TEST_CASE("the head printed by verify proves later that no newest row was deleted and the chain was not rebuilt",
          "[e2e][verify][sqlite]") {
  OpenDay d;
  auto recorded = d.head();
  auto newest = d.newest_audit_row();
  CHECK(recorded.rfind(std::to_string(newest) + ":", 0) == 0);
  CHECK(recorded.size() == std::to_string(newest).size() + 1 + 64);
  auto extends = d.run({"verify", "--head", recorded});
  INFO(extends.out << extends.err);
  CHECK(extends.exit_code == 0);
  CHECK(extends.out.find("head " + recorded + "\n") != std::string::npos);
  CHECK(extends.out.find("extends " + recorded + "\n") != std::string::npos);

  SECTION("the newest row deleted: a lesson's transition, which its row still shows without the head") {
    d.sql("DELETE FROM audit WHERE id = " + std::to_string(newest));
    auto plain = d.run({"verify", "--json"});
    CHECK(plain.exit_code == 1);  // the lesson reads what the deleted transition wrote
    CHECK(json::parse(plain.out)["problems"][0]["kind"] == "lesson");
    auto r = d.run({"verify", "--head", recorded, "--json"});
    CHECK(r.exit_code == 1);
    auto problems = json::parse(r.out)["problems"];
    CHECK(problems[0]["kind"] == "head");
    CHECK(problems[0]["message"].get<std::string>().find("newest rows deleted") != std::string::npos);
  }
  SECTION("the newest row deleted when nothing else records it: found only with the head") {
    // A staff start correction made twice: the second changes nothing the row shows, and still
    // writes its audit row.
    for (int i = 0; i < 2; ++i) {
      d.ok({"sessions", "start", std::to_string(d.held), "--at", d.start, "--reason", "same as the click", "--force"});
    }
    auto after = d.head();
    auto row = d.newest_audit_row();
    d.sql("DELETE FROM audit WHERE id = " + std::to_string(row) + " AND action = 'start'");
    REQUIRE(d.newest_audit_row() == row - 1);
    CHECK(d.run({"verify"}).exit_code == 0);  // the shorter chain is still a chain
    auto r = d.run({"verify", "--head", after});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("newest rows deleted: the audit trail ends at row " + std::to_string(row - 1)) !=
          std::string::npos);
  }
  SECTION("the whole chain rebuilt with new hashes after a forged end") {
    auto forged = plus_minutes(d.start, 225);
    auto id = std::to_string(d.held);
    d.sql("UPDATE lessons SET ended_at = '" + forged + "' WHERE id = " + id + "; UPDATE audit SET old_value = "
          "replace(old_value, '" + d.end + "', '" + forged + "'), new_value = replace(new_value, '" + d.end + "', '" +
          forged + "') WHERE lesson_id = " + id);
    CHECK(d.run({"verify"}).exit_code == 1);  // the old hashes no longer match
    rebuild_chain(d.db);
    // Consistent throughout: without a head recorded outside the database, nothing shows it.
    CHECK(d.run({"verify"}).exit_code == 0);
    auto r = d.run({"verify", "--head", recorded, "--json"});
    CHECK(r.exit_code == 1);
    auto problems = json::parse(r.out)["problems"];
    REQUIRE(problems.size() == 1);
    CHECK(problems[0]["kind"] == "head");
    CHECK(problems[0]["id"] == newest);
    CHECK(problems[0]["message"].get<std::string>().find("chain rewritten: audit row " + std::to_string(newest)) !=
          std::string::npos);
  }
  SECTION("a head that is not N:HASH is a usage error") {
    const std::string a64(64, 'a');
    for (const std::string& bad : std::vector<std::string>{"12", "12:abc", "x:" + a64, ":" + a64, "+1:" + a64,
                                                            "3:" + std::string(64, 'g'), "0:" + a64}) {
      auto r = d.run({"verify", "--head", bad});
      INFO(bad);
      CHECK(r.exit_code == 2);
      CHECK(r.out.empty());
      CHECK(r.err.find("--head '" + bad + "' is not a chain head") != std::string::npos);
    }
  }
}

TEST_CASE("a day of clicks, checkouts, webhooks, corrections, a close and a reopen verifies clean", "[e2e][verify]") {
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  Env env{{"ZOOMTRACK_WEBHOOK_SECRET", secret}};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db});
    auto r = run_zoomtrack(args, env);
    INFO(args[2] << ": " << r.err);
    CHECK(r.exit_code == 0);
    return r.out;
  };
  int64_t october = 0, october_voided = 0;
  {
    PastLessons past(db);
    october = past.held({"t.abebe", "s.hanna", "https://zoom.us/j/5553330001", "", ""}, "2026-10-05T09:00:00Z",
                        "2026-10-05T09:50:00Z");
    october_voided = past.held({"t.abebe", "s.lidya", "https://zoom.us/j/5553330002", "", ""}, "2026-10-06T09:00:00Z",
                               "2026-10-06T09:30:00Z");
  }
  run({"reconcile"});
  auto closed = run({"period", "close", "--month", "2026-10"});
  auto at = closed.find("head ");
  REQUIRE(at != std::string::npos);
  auto close_head = closed.substr(at + 5, closed.find('\n', at) - at - 5);
  auto as_json = json::parse(run({"verify", "--json"}));
  CHECK(as_json["head"] == close_head);

  ServeProcess serve(db, env);
  auto client = serve.client();
  auto link = [&](const std::string& teacher, const std::string& meeting) {
    return json::parse(run({"link", "create", "--teacher", teacher, "--student", "s." + teacher, "--zoom-url",
                            "https://zoom.us/j/" + meeting, "--base-url", serve.base_url(), "--json"}));
  };
  auto path = [](const json& url) {
    auto u = url.get<std::string>();
    return u.substr(u.find('/', 8));
  };
  auto webhook = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all{"webhook", "send"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--to", serve.base_url() + "/webhooks/zoom"});
    run(all);
  };
  auto now = [](int minutes) { return minutes_from_now(minutes); };
  auto clicked = link("t.click", "5553330011");
  auto checked_out = link("t.checkout", "5553330012");
  auto corrected = link("t.corrected", "5553330013");
  auto voided = link("t.voided", "5553330014");
  for (const auto* l : {&clicked, &checked_out, &corrected, &voided}) {
    REQUIRE(client.Get(path((*l)["tracking_url"]), {{"User-Agent", "Mozilla/5.0"}}));
  }
  // A preview fetcher is logged, and changes nothing.
  REQUIRE(client.Get(path(clicked["tracking_url"]), {{"User-Agent", "TelegramBot (like TwitterBot)"}}));
  webhook({"meeting.participant_joined", "--meeting", "5553330011", "--host", "--at", now(-1)});
  webhook({"meeting.participant_joined", "--meeting", "5553330011", "--at", now(-1)});
  webhook({"meeting.participant_left", "--meeting", "5553330011", "--at", now(0)});
  webhook({"meeting.participant_left", "--meeting", "5553330011", "--host", "--at", now(0)});
  REQUIRE(client.Post(path(checked_out["checkout_url"]), "", "application/x-www-form-urlencoded"));
  REQUIRE(client.Post(path(checked_out["checkout_url"]), "", "application/x-www-form-urlencoded"));
  auto corrected_id = std::to_string(corrected["id"].get<int64_t>());
  run({"sessions", "start", corrected_id, "--at", now(-30), "--reason", "joined from the Zoom app", "--force"});
  run({"sessions", "end", corrected_id, "--at", now(0), "--reason", "teacher phoned"});
  run({"sessions", "void", std::to_string(voided["id"].get<int64_t>()), "--reason", "booked twice"});
  run({"sessions", "restore", std::to_string(voided["id"].get<int64_t>()), "--reason", "it happened"});
  // Late facts about October, after its close: paid as adjustments.
  webhook({"meeting.participant_left", "--meeting", "5553330001", "--host", "--at", "2026-10-05T09:55:00Z"});
  run({"sessions", "void", std::to_string(october_voided), "--reason", "never held"});
  run({"reconcile", "--stale-after", "0s"});
  run({"period", "reopen", "1", "--reason", "a lesson was voided"});
  run({"period", "close", "--month", "2026-10"});
  run({"reconcile"});

  auto r = run_zoomtrack({"--db", db, "verify", "--head", close_head, "--json"}, env);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  auto result = json::parse(r.out);
  CHECK(result["lessons"] == 6);
  CHECK(result["extends"] == close_head);
  CHECK(result["head"] != close_head);
  CHECK(show_lesson(db, october)["ended_at"] == "2026-10-05T09:55:00Z");
}
