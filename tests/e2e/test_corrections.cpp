#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/fake_zoom.hpp"
#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const json* audit_action(const json& lesson, const std::string& action) {
  for (const auto& a : lesson["audit"]) {
    if (a["action"] == action) return &a;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("staff corrections are audited with who, when, old value, new value and reason", "[e2e][corrections]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  PastLessons past(db);
  auto open = past.needing_review({}, "2026-11-24T09:00:00Z");
  auto checked_out = past.held({"t2", "s2", "https://zoom.us/j/2222222222", "", ""}, "2026-11-24T10:00:00Z",
                               "2026-11-24T10:40:00Z");

  auto end = run_zoomtrack({"--db", db, "sessions", "end", std::to_string(open), "--at", "2026-11-24T13:00:00+03:00",
                            "--reason", "teacher phoned: Zoom crashed", "--by", "alice"});
  INFO(end.err);
  REQUIRE(end.exit_code == 0);
  auto lesson = show_lesson(db, open);
  CHECK(lesson["status"] == "final");
  CHECK(lesson["end_source"] == "manual");
  CHECK(lesson["duration_s"] == 3600);
  auto* entry = audit_action(lesson, "end");
  REQUIRE(entry);
  CHECK((*entry)["who"] == "alice");
  CHECK((*entry)["old_value"] == "");
  CHECK((*entry)["new_value"] == "2026-11-24T10:00:00Z");
  CHECK((*entry)["reason"] == "teacher phoned: Zoom crashed");
  CHECK_FALSE((*entry)["at"].get<std::string>().empty());

  // A checkout end is ours, not Zoom's: staff may correct it without --force; $USER is the default.
  auto fix = run_zoomtrack({"--db", db, "sessions", "end", std::to_string(checked_out), "--at", "2026-11-24T10:50:00Z",
                            "--reason", "checkout clicked early"});
  REQUIRE(fix.exit_code == 0);
  CHECK(fix.out == "lesson " + std::to_string(checked_out) +
                       " is final: started 2026-11-24T10:00:00Z, ended 2026-11-24T10:50:00Z by manual, 3000 s (50 min); "
                       "reason: checkout clicked early\n");
  auto fixed = show_lesson(db, checked_out);
  CHECK(fixed["duration_s"] == 3000);
  CHECK((*audit_action(fixed, "end"))["who"] == "tester");
  CHECK((*audit_action(fixed, "end"))["old_value"] == "2026-11-24T10:40:00Z");

  auto human = run_zoomtrack({"--db", db, "sessions", "show", std::to_string(checked_out)});
  CHECK(human.out.find("tester manual end: 2026-11-24T10:40:00Z -> 2026-11-24T10:50:00Z  checkout clicked early") !=
        std::string::npos);

  auto void_it = run_zoomtrack({"--db", db, "sessions", "void", std::to_string(checked_out), "--reason",
                                "student was ill", "--by", "bob"});
  REQUIRE(void_it.exit_code == 0);
  CHECK(void_it.out == "lesson " + std::to_string(checked_out) +
                           " is now void (was final since 2026-11-24T10:00:00Z); reason: student was ill\n");
  auto voided = show_lesson(db, checked_out);
  CHECK(voided["status"] == "void");
  CHECK(voided["audit"].back()["who"] == "bob");
  CHECK(voided["audit"].back()["reason"] == "student was ill");
  auto report = run_zoomtrack({"--db", db, "report", "--csv"});
  CHECK(report.out.find("\r\n" + std::to_string(checked_out) + ",") == std::string::npos);  // void: never paid

  CHECK(run_zoomtrack({"--db", db, "sessions", "void", std::to_string(checked_out), "--reason", "again"}).exit_code == 4);
  CHECK(run_zoomtrack({"--db", db, "sessions", "end", "999", "--at", "2026-11-24T10:50:00Z", "--reason", "x"}).exit_code == 3);
  CHECK(run_zoomtrack({"--db", db, "sessions", "end", std::to_string(open), "--at", "2026-11-24T08:00:00Z", "--reason", "x"})
            .exit_code == 2);  // before the start
}

TEST_CASE("a manual end over Zoom's own end is refused without --force and audited with it", "[e2e][corrections][zoom]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  FakeZoom zoom;
  auto start = minutes_from_now(-120);
  auto left = minutes_from_now(-60);
  int64_t id = 0;
  {
    PastLessons past(db);
    id = past.held({"t1", "s1", "https://zoom.us/j/86431910364", "", ""}, start);
  }
  zoom.add_instance({"86431910364", "inst==", "HOST1", start, {{"HOST1", "Teacher", "", start, left}}});
  auto reconciled = run_zoomtrack({"--db", db, "reconcile", "--zoom-api"}, zoom.env());
  INFO(reconciled.err);
  REQUIRE(reconciled.exit_code == 0);
  REQUIRE(show_lesson(db, id)["end_source"] == "zoom_api");

  std::vector<std::string> end{"--db", db, "sessions", "end", std::to_string(id), "--at", minutes_from_now(-30),
                               "--reason", "teacher says Zoom logged them out early", "--by", "carol"};
  auto refused = run_zoomtrack(end);
  CHECK(refused.exit_code == 4);
  CHECK(refused.err.find("zoomtrack: error: lesson " + std::to_string(id) + " has a zoom_api end") == 0);
  CHECK(refused.err.find("--force") != std::string::npos);
  CHECK(show_lesson(db, id)["ended_at"] == left);

  end.push_back("--force");
  auto forced = run_zoomtrack(end);
  INFO(forced.err);
  REQUIRE(forced.exit_code == 0);
  auto lesson = show_lesson(db, id);
  CHECK(lesson["end_source"] == "manual");
  CHECK(lesson["ended_at"] == end[6]);
  auto* entry = audit_action(lesson, "end");
  REQUIRE(entry);
  CHECK((*entry)["who"] == "carol");
  CHECK((*entry)["old_value"] == left);
  CHECK((*entry)["new_value"] == end[6]);
  CHECK(lesson["end_signals"].back()["forced"] == true);
}

TEST_CASE("lesson ids are decimal: 010 is lesson 10, never octal 8, and 0x10 is refused", "[e2e][corrections]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  std::string csv = "teacher,student,zoom_url\n";
  for (int i = 1; i <= 17; ++i) csv += "t" + std::to_string(i) + ",s" + std::to_string(i) + ",https://zoom.us/j/8643191036" + std::to_string(i % 10) + "\n";
  write_file(dir.file("lessons.csv"), csv);
  REQUIRE(run_zoomtrack({"--db", db, "link", "create", "--from-csv", dir.file("lessons.csv")}).exit_code == 0);
  auto status = [&](int id) { return show_lesson(db, id).at("status").get<std::string>(); };

  auto voided = run_zoomtrack({"--db", db, "sessions", "void", "010", "--reason", "x"});
  INFO(voided.err);
  REQUIRE(voided.exit_code == 0);
  CHECK(status(10) == "void");
  CHECK(status(8) == "created");
  auto shown = run_zoomtrack({"--db", db, "sessions", "show", "08", "--json"});
  REQUIRE(shown.exit_code == 0);
  CHECK(json::parse(shown.out).at("id") == 8);

  for (std::string id : {"0x10", "0X10", "+9", " 9", "9 ", "1e1", "9abc", "", "0", "99999999999999999999"}) {
    INFO("id '" << id << "'");
    for (std::string command : {"void", "end", "show"}) {
      std::vector<std::string> args{"--db", db, "sessions", command, id};
      if (command != "show") args.insert(args.end(), {"--reason", "x"});
      if (command == "end") args.insert(args.end(), {"--at", "2026-11-24T10:00:00Z"});
      auto r = run_zoomtrack(args);
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("zoomtrack: error: lesson id '" + id + "' is") == 0);
    }
  }
  CHECK(run_zoomtrack({"--db", db, "sessions", "void", "0x10", "--reason", "x"}).err.find("not a decimal number") !=
        std::string::npos);
  CHECK(run_zoomtrack({"--db", db, "sessions", "void", "--reason", "x", "--", "-1"}).exit_code == 2);
  CHECK(status(16) == "created");
  CHECK(status(9) == "created");
  CHECK(status(1) == "created");
}

TEST_CASE("the port in --listen is decimal", "[e2e][corrections]") {
  TempDir dir;
  for (std::string listen : {"127.0.0.1:0x50", "127.0.0.1:+80", "127.0.0.1: 80", "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:8o"}) {
    INFO(listen);
    auto r = run_zoomtrack({"--db", dir.file("zt.db"), "serve", "--listen", listen});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--listen: '" + listen + "' is not HOST:PORT with a decimal port from 0 to 65535") != std::string::npos);
  }
}
