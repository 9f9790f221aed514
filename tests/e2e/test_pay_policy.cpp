// Issue 22's field cases end to end: the real binary, a real database, real signed webhooks on
// loopback. Times are relative to now: webhooks may not report times ahead of serve's clock.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "core/util/time.hpp"
#include "core/services/webhook.hpp"
#include "support/fake_zoom.hpp"
#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;
using zt::TimePoint;
using namespace std::chrono_literals;

namespace {

const std::string secret = "e2e-pay-secret-0123";
const std::string meeting = "86431910364";
const Env with_secret{{"ZOOMTRACK_WEBHOOK_SECRET", secret}};

TimePoint now() { return zt::SystemClock().now(); }
std::string iso(TimePoint t) { return zt::format_utc(t); }

// Someone in the meeting: the host (the teacher), or a guest with a display name and an e-mail.
struct Person {
  std::string name;
  std::string email;
  bool host = false;
};
const Person teacher{"Teacher", "", true};

void deliver(const ServeProcess& serve, const std::string& body) {
  auto ts = std::to_string(now().time_since_epoch().count());
  auto res = serve.client().Post("/webhooks/zoom", {{"x-zm-request-timestamp", ts}, {"x-zm-signature", zt::zoom_signature(secret, ts, body)}},
                                 body, "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
}

std::string participant_event(const std::string& name, TimePoint at, const Person& who, const std::string& id = meeting) {
  zt::ZoomEventSpec spec;
  spec.event = name;
  spec.meeting_id = id;
  spec.at = at;
  spec.host = who.host;
  spec.participant_name = who.name;
  spec.participant_email = who.email;
  return zt::build_zoom_event(spec);
}

std::string joined(TimePoint at, const Person& who, const std::string& id = meeting) {
  return participant_event("meeting.participant_joined", at, who, id);
}
std::string left(TimePoint at, const Person& who, const std::string& id = meeting) {
  return participant_event("meeting.participant_left", at, who, id);
}

json run_json(const std::vector<std::string>& args, const Env& env = {}) {
  auto r = run_zoomtrack(args, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// A booked lesson, created through the CLI (nobody clicks it unless a test does).
json book(const std::string& db, TimePoint scheduled, const std::vector<std::string>& extra = {},
          const std::string& student = "s.hana", const std::string& id = meeting) {
  std::vector<std::string> args{"--db", db, "link", "create", "--teacher", "t.abebe", "--student", student, "--zoom-url", "https://zoom.us/j/" + id,
                                "--scheduled-at", iso(scheduled), "--allow-duplicate", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_json(args);
}

std::string tag(int64_t id) { return "[zt" + std::to_string(id) + "]"; }

// The report's --by lesson rows as JSON, under the given flags.
json report(const std::string& db, const std::vector<std::string>& flags = {}, const Env& env = {}) {
  std::vector<std::string> args{"--db", db, "report", "--json"};
  args.insert(args.end(), flags.begin(), flags.end());
  return run_json(args, env);
}

json row_of(const json& rows, int64_t id) {
  for (const auto& row : rows) {
    if (row["kind"] == "lesson" && row["id"] == id) return row;
  }
  FAIL("no report row for lesson " << id);
  return {};
}

json reconcile(const std::string& db, const Env& env = {}) {
  return run_json({"--db", db, "reconcile", "--json"}, env);
}

}  // namespace

TEST_CASE("a student who joins from a saved Zoom link starts the lesson from Zoom", "[e2e][pay]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  auto s = now() - 90min;
  json link;
  Person student;
  std::string presence;
  SECTION("identified by the student's Zoom e-mail") {
    link = book(db, s, {"--student-zoom-email", "Hana@Example.org"});
    student = {"Hana's iPad", "hana@example.org"};
    presence = "identified";
  }
  SECTION("identified by the tag the tracking redirect would have put in the name") {
    link = book(db, s);
    student = {"Hana " + tag(link["id"]), ""};
    presence = "identified";
  }
  SECTION("not identified: the one other participant") {
    link = book(db, s);
    student = {"iPhone", ""};
    presence = "unidentified";
  }
  int64_t id = link["id"];
  deliver(serve, joined(s - 2min, teacher));
  deliver(serve, joined(s + 1min, student));
  deliver(serve, left(s + 56min, teacher));
  deliver(serve, left(s + 57min, student));

  auto lesson = show_lesson(db, id);
  CHECK(lesson["status"] == "final");
  CHECK(lesson["start_source"] == "zoom");
  CHECK(lesson["started_at"] == iso(s + 1min));
  CHECK(lesson["ended_at"] == iso(s + 56min));
  CHECK(lesson["presence"] == presence);
  CHECK(lesson["together_s"] == 55 * 60);
  CHECK(lesson["paid_s"] == 55 * 60);
  CHECK(lesson["pay"].get<std::string>().find("no click: started at") != std::string::npos);
  bool audited = false;
  for (const auto& a : lesson["audit"]) {
    if (a["action"] == "transition" && a["reason"].get<std::string>().find("no click") != std::string::npos) audited = true;
  }
  CHECK(audited);
  auto row = row_of(report(db), id);
  CHECK(row["minutes"] == 55);
  CHECK(row["start_source"] == "zoom");
}

TEST_CASE("a teacher 20 minutes late is paid 40 minutes together and 60 by the click", "[e2e][pay]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto s = now() - 90min;
  int64_t id = 0;
  {
    PastLessons past(db);
    id = past.held({"t.abebe", "s.hana", "https://zoom.us/j/" + meeting, "", ""}, iso(s), "", iso(s));
  }
  ServeProcess serve(db, with_secret);
  Person student{"Hana " + tag(id), ""};
  deliver(serve, joined(s, student));
  deliver(serve, joined(s + 20min, teacher));
  deliver(serve, left(s + 60min, teacher));
  deliver(serve, left(s + 60min, student));

  auto lesson = show_lesson(db, id);
  CHECK(lesson["teacher_late_s"] == 20 * 60);
  CHECK(lesson["together_s"] == 40 * 60);
  CHECK(lesson["duration_s"] == 60 * 60);
  CHECK(row_of(report(db), id)["minutes"] == 60);  // the default policy: what it always paid
  auto together = row_of(report(db, {"--pay-basis", "together"}), id);
  CHECK(together["minutes"] == 40);
  CHECK(together["paid_s"] == 2400);
  CHECK(together["pay_basis"] == "together");
  CHECK(together["duration_s"] == 3600);
  CHECK(row_of(report(db, {"--pay-basis", "teacher"}), id)["minutes"] == 40);
  CHECK(row_of(report(db, {"--pay-basis", "click"}), id)["minutes"] == 60);
  // The setting, from the environment, does what the flag does.
  CHECK(row_of(report(db, {}, {{"ZOOMTRACK_PAY_BASIS", "together"}}), id)["minutes"] == 40);

  auto shown = run_json({"--db", db, "sessions", "show", std::to_string(id), "--json"}, {{"ZOOMTRACK_PAY_BASIS", "together"}});
  auto sentence = shown["pay"].get<std::string>();
  INFO(sentence);
  CHECK(sentence.starts_with("paid 40 min: teacher and student together in the meeting 40 min of"));
  CHECK(sentence.find("the student clicked at " + iso(s).substr(11, 5)) != std::string::npos);
  CHECK(sentence.find("the teacher joined 20 min late") != std::string::npos);
  CHECK(shown["paid_s"] == 2400);
  CHECK(shown["pay_basis"] == "together");
}

TEST_CASE("a bad pay setting is refused naming where it came from, and changes nothing", "[e2e][pay]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  run_json({"--db", db, "link", "create", "--teacher", "t", "--student", "s", "--zoom-url", "https://zoom.us/j/1234567890", "--json"});
  auto flag = run_zoomtrack({"--db", db, "report", "--pay-basis", "clock"});
  CHECK(flag.exit_code == 2);
  auto env = run_zoomtrack({"--db", db, "report"}, {{"ZOOMTRACK_PAY_CAP", "lengthy"}});
  CHECK(env.exit_code == 2);
  CHECK(env.err.find("ZOOMTRACK_PAY_CAP") != std::string::npos);
  auto length = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t", "--student", "s2", "--zoom-url",
                               "https://zoom.us/j/1234567890", "--length", "soon"});
  CHECK(length.exit_code == 2);
  CHECK(length.err.find("--length") != std::string::npos);
  auto email = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t", "--student", "s2", "--zoom-url",
                              "https://zoom.us/j/1234567890", "--student-zoom-email", "not-an-address"});
  CHECK(email.exit_code == 2);
  CHECK(run_json({"--db", db, "sessions", "list", "--json"}).size() == 1);
}

TEST_CASE("a teacher who waited for a student who never came is paid the no-show wait", "[e2e][pay]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  auto s = now() - 60min;
  int64_t id = book(db, s)["id"];
  deliver(serve, joined(s - 1min, teacher));
  deliver(serve, left(s + 30min, teacher));

  reconcile(db);  // no rule: the lesson waits for its click, and expires in a week
  CHECK(show_lesson(db, id)["status"] == "created");
  auto changes = reconcile(db, {{"ZOOMTRACK_NO_SHOW_AFTER", "15m"}});
  CHECK(changes["summary"]["no_show"] == 1);
  auto lesson = show_lesson(db, id);
  CHECK(lesson["status"] == "no_show");
  CHECK(lesson["teacher_present_s"] == 31 * 60);  // from a minute before the booked time
  auto row = row_of(report(db, {}, {{"ZOOMTRACK_NO_SHOW_AFTER", "15m"}}), id);
  CHECK(row["minutes"] == 15);
  CHECK(row["pay_note"] == "no_show");
  CHECK(row_of(report(db, {"--no-show-pay", "20m"}), id)["minutes"] == 20);
  CHECK(run_json({"--db", db, "sessions", "list", "--status", "no_show", "--json"}).size() == 1);

  SECTION("a student who comes after all makes it a lesson again") {
    deliver(serve, joined(s + 20min, teacher));
    deliver(serve, joined(s + 21min, Person{"Hana " + tag(id), ""}));
    auto came = show_lesson(db, id);
    CHECK(came["status"] != "no_show");
    CHECK(came["start_source"] == "zoom");
    CHECK(came["started_at"] == iso(s + 21min));
  }
}

TEST_CASE("grace, minimum and cap apply to the same facts in that order", "[e2e][pay]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto s = now() - 5h;
  int64_t accidental = 0, short_one = 0, long_one = 0;
  {
    PastLessons past(db);
    auto what = lesson_on_meeting("t.abebe", "s.hana", 1);
    accidental = past.held(what, iso(s), iso(s + 3min));
    short_one = past.held(lesson_on_meeting("t.abebe", "s.bob", 2), iso(s + 1h), iso(s + 1h + 20min));
    auto booked = lesson_on_meeting("t.abebe", "s.eve", 3);
    booked.length = 60min;
    long_one = past.held(booked, iso(s + 2h), iso(s + 2h + 70min));
  }
  auto rows = report(db, {"--pay-grace", "5m", "--pay-minimum", "30m", "--pay-cap", "length+5m"});
  CHECK(row_of(rows, accidental)["minutes"] == 0);
  CHECK(row_of(rows, accidental)["pay_note"] == "grace");
  CHECK(row_of(rows, short_one)["minutes"] == 30);
  CHECK(row_of(rows, short_one)["pay_note"] == "minimum");
  CHECK(row_of(rows, long_one)["minutes"] == 65);
  CHECK(row_of(rows, long_one)["length_s"] == 3600);
  auto plain = report(db);
  CHECK(row_of(plain, accidental)["minutes"] == 3);
  CHECK(row_of(plain, short_one)["minutes"] == 20);
  CHECK(row_of(plain, long_one)["minutes"] == 70);
  auto by_teacher = run_json({"--db", db, "report", "--by", "teacher", "--json", "--pay-grace", "5m", "--pay-minimum",
                              "30m", "--pay-cap", "length+5m"});
  REQUIRE(by_teacher.size() == 1);
  CHECK(by_teacher[0]["minutes"] == 95);
  CHECK(by_teacher[0]["paid_s"] == 95 * 60);
  CHECK(by_teacher[0]["duration_s"] == 93 * 60);
}

TEST_CASE("two back-to-back lessons on one personal meeting split presence at the second's start", "[e2e][pay]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  auto s = now() - 3h;
  int64_t first = book(db, s)["id"];
  int64_t second = book(db, s + 60min, {}, "s.bob")["id"];
  deliver(serve, joined(s - 1min, teacher));
  deliver(serve, joined(s, Person{"Hana " + tag(first), ""}));
  deliver(serve, left(s + 58min, Person{"Hana " + tag(first), ""}));
  deliver(serve, joined(s + 59min, Person{"Bob " + tag(second), ""}));
  deliver(serve, left(s + 120min, Person{"Bob " + tag(second), ""}));
  deliver(serve, left(s + 121min, teacher));

  auto a = show_lesson(db, first);
  auto b = show_lesson(db, second);
  CHECK(a["started_at"] == iso(s));
  CHECK(a["ended_at"] == iso(s + 59min));
  CHECK(a["end_source"] == "handover");
  CHECK(a["together_s"] == 58 * 60);
  CHECK(b["started_at"] == iso(s + 59min));
  CHECK(b["ended_at"] == iso(s + 121min));
  CHECK(b["together_s"] == 61 * 60);
  CHECK(b["teacher_present_s"] == 62 * 60);
}

TEST_CASE("the same deliveries in three orders give identical rows", "[e2e][pay]") {
  auto s = now() - 3h;
  std::vector<std::string> bodies;
  std::vector<std::string> rows;
  TempDir dir;
  for (int order = 0; order < 3; ++order) {
    auto db = dir.file("zt" + std::to_string(order) + ".db");
    ServeProcess serve(db, with_secret);
    int64_t first = book(db, s)["id"];
    int64_t second = book(db, s + 60min, {}, "s.bob")["id"];
    std::vector<std::string> events{
        joined(s - 1min, teacher),
        joined(s + 2min, Person{"Hana " + tag(first), ""}),
        left(s + 30min, Person{"Hana " + tag(first), ""}),
        joined(s + 32min, Person{"Hana " + tag(first) + " ", ""}),
        left(s + 58min, Person{"Hana " + tag(first) + " ", ""}),
        joined(s + 61min, Person{"Bob " + tag(second), ""}),
        left(s + 110min, teacher),
        left(s + 111min, Person{"Bob " + tag(second), ""}),
    };
    if (order == 1) std::reverse(events.begin(), events.end());
    if (order == 2) std::rotate(events.begin(), events.begin() + 3, events.end());
    for (const auto& e : events) deliver(serve, e);
    reconcile(db);
    auto r = run_zoomtrack({"--db", db, "report", "--csv"});
    REQUIRE(r.exit_code == 0);
    rows.push_back(r.out);
  }
  INFO(rows[0]);
  CHECK(rows[0].find(",zoom,") != std::string::npos);
  CHECK(rows[1] == rows[0]);
  CHECK(rows[2] == rows[0]);
}

TEST_CASE("a closed period keeps its pay after a policy change, and a late fact becomes an adjustment", "[e2e][pay][sqlite]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto s = now() - 3h;
  int64_t id = 0;
  {
    PastLessons past(db);
    id = past.held({"t.abebe", "s.hana", "https://zoom.us/j/" + meeting, "", ""}, iso(s), "", iso(s));
  }
  ServeProcess serve(db, with_secret);
  Person student{"Hana " + tag(id), ""};
  deliver(serve, joined(s, student));
  deliver(serve, joined(s + 10min, teacher));
  deliver(serve, left(s + 60min, teacher));
  deliver(serve, left(s + 40min, student));
  const Env together{{"ZOOMTRACK_PAY_BASIS", "together"}};
  CHECK(row_of(report(db, {}, together), id)["minutes"] == 30);

  auto close = run_zoomtrack({"--db", db, "period", "close", "--from", iso(s - 1h), "--to", iso(s + 2h), "--json"}, together);
  INFO(close.err);
  REQUIRE(close.exit_code == 0);
  auto before = run_zoomtrack({"--db", db, "report", "--csv", "--from", iso(s - 1h), "--to", iso(s + 2h)});
  // Another policy now: the closed period's rows do not move.
  for (const Env& env : {Env{}, Env{{"ZOOMTRACK_PAY_BASIS", "teacher"}}, together}) {
    auto again = run_zoomtrack({"--db", db, "report", "--csv", "--from", iso(s - 1h), "--to", iso(s + 2h)}, env);
    CHECK(again.out == before.out);
  }
  CHECK(row_of(report(db, {"--pay-basis", "click", "--from", iso(s - 1h), "--to", iso(s + 2h)}), id)["minutes"] == 30);

  // The student's rejoin arrives late: under the frozen policy (together) it pays 10 minutes more,
  // paid as an adjustment in the open period, never as an edit of the closed one.
  deliver(serve, joined(s + 45min, Person{"Hana " + tag(id) + " ", ""}));
  deliver(serve, left(s + 55min, Person{"Hana " + tag(id) + " ", ""}));
  auto after = run_zoomtrack({"--db", db, "report", "--csv", "--from", iso(s - 1h), "--to", iso(s + 2h)});
  CHECK(after.out == before.out);
  // Each delivery that changed the pay is its own adjustment (the rejoin, open, first paid to the
  // end; then its leave): together they pay the 10 minutes.
  auto adjustments = report(db, {"--from", iso(s + 2h)});
  int64_t paid = 0;
  for (const auto& row : adjustments) {
    CHECK(row["kind"] == "adjustment");
    paid += row["paid_s"].get<int64_t>();
  }
  CHECK(paid == 600);
  auto verify = run_zoomtrack({"--db", db, "verify"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);

  // Presence edited behind zoomtrack's back (it would change the pay) is found.
  serve.stop();
  REQUIRE(run_program({"sqlite3", db, "UPDATE lessons SET together_s = 3600 WHERE id = " + std::to_string(id)}).exit_code == 0);
  auto edited = run_zoomtrack({"--db", db, "verify"});
  CHECK(edited.exit_code == 1);
  CHECK(edited.err.find("lesson " + std::to_string(id)) != std::string::npos);
}

TEST_CASE("zoom_name_tag off: the tracking redirect sends the Zoom URL as it was given", "[e2e][pay]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, {{"ZOOMTRACK_ZOOM_NAME_TAG", "off"}});
  auto link = book(db, now() + 1h);
  auto click = serve.client().Get(path_of(link["tracking_url"]), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
  REQUIRE(click);
  CHECK(click->status == 302);
  CHECK(click->get_header_value("Location") == "https://zoom.us/j/" + meeting);
  auto bad = run_zoomtrack({"--db", db, "serve", "--listen", "127.0.0.1:0"}, {{"ZOOMTRACK_ZOOM_NAME_TAG", "maybe"}});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("ZOOMTRACK_ZOOM_NAME_TAG") != std::string::npos);
}

TEST_CASE("reconcile --zoom-api records every participant: a saved-link lesson starts from Zoom's records", "[e2e][pay][zoom]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  FakeZoom zoom;
  auto s = now() - 2h;
  auto link = book(db, s, {"--student-zoom-email", "hana@example.org", "--length", "60m"}, "s.hana", "4444444444");
  int64_t id = link["id"];
  zoom.add_instance({"4444444444", "ddd==", "HOSTD", iso(s - 3min),
                     {{"HOSTD", "Abebe", "", iso(s - 3min), iso(s + 50min)},
                      {"", "Hana's laptop", "hana@example.org", iso(s + 2min), iso(s + 50min)},
                      {"", "A parent", "", iso(s + 10min), iso(s + 20min)}}});
  auto r = run_zoomtrack({"--db", db, "reconcile", "--zoom-api", "--json"}, zoom.env());
  INFO(r.err << r.out);
  REQUIRE(r.exit_code == 0);
  auto lesson = show_lesson(db, id);
  CHECK(lesson["start_source"] == "zoom");
  CHECK(lesson["started_at"] == iso(s + 2min));
  CHECK(lesson["ended_at"] == iso(s + 50min));
  CHECK(lesson["end_source"] == "zoom_api");
  CHECK(lesson["presence"] == "identified");
  CHECK(lesson["together_s"] == 48 * 60);
  CHECK(lesson["teacher_late_s"] == -3 * 60);
  size_t recorded = 0;
  auto shown = run_json({"--db", db, "sessions", "show", std::to_string(id), "--json"});
  INFO(shown.dump(1));
  for (const auto& segment : shown["segments"]) {
    if (segment["source"] == "zoom_api") ++recorded;
  }
  CHECK(recorded == 3);  // the teacher, the student and the parent
}
