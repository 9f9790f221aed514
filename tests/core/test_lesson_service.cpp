#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "core/util/error.hpp"
#include "core/services/lesson_service.hpp"
#include "core/services/report.hpp"
#include "support/error_code.hpp"
#include "support/harness.hpp"
#include "support/service_on_disk.hpp"
#include "support/clicks.hpp"

using namespace zt;
using test::code_of;
using namespace std::chrono_literals;

namespace {

struct Fixture : test::ServiceOnDisk {

  Lesson create(const std::string& teacher = "t1", const std::string& url = "https://zoom.us/j/86431910364?pwd=x") {
    NewLesson n;
    n.teacher = teacher;
    n.student = "s1";
    n.zoom_url = url;
    return service.create_lessons({n}, {.allow_duplicate = true}).front().lesson;
  }
  ClickRequest person() { return zt::test::person_click(); }
};

int64_t count_rows(Store& store, const char* table) {
  SQLite::Database db(store.path());
  return db.execAndGet(std::string("SELECT COUNT(*) FROM ") + table).getInt64();
}

}  // namespace

TEST_CASE("the store creates its schema once and refuses a newer database", "[core][store]") {
  test::TempDir dir;
  { Store store(dir.file("a.db")); }
  { Store again(dir.file("a.db")); }
  {
    SQLite::Database db(dir.file("a.db"), SQLite::OPEN_READWRITE);
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == Store::schema_version);
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
    db.exec("PRAGMA user_version = 99");
  }
  CHECK_THROWS_AS(Store(dir.file("a.db")), Error);
  SQLite::Database db(dir.file("a.db"));
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 99);
}

TEST_CASE("created lessons get URLs on the base URL and distinct tokens", "[core][service]") {
  Fixture f;
  auto lesson = f.create();
  CHECK(lesson.status == LessonStatus::created);
  CHECK(lesson.tracking_url() == "https://lessons.example.org/t/" + lesson.track_token);
  CHECK(lesson.checkout_url() == "https://lessons.example.org/leave/" + lesson.leave_token);
  CHECK(lesson.teacher_url().starts_with("https://zoom.us/j/86431910364?pwd=x&leave_url=https%3A%2F%2F"));
  CHECK(lesson.track_token != lesson.leave_token);
  CHECK(lesson.expires_at == f.clock.now() + std::chrono::days{7});
}

TEST_CASE("a batch with one bad row stores nothing", "[core][service]") {
  Fixture f;
  NewLesson good{"t1", "", "", "s1", "", "https://zoom.us/j/123456789", {}, {}, ""};
  NewLesson bad = good;
  bad.zoom_url = "https://example.com/j/1";
  REQUIRE_THROWS_WITH(f.service.create_lessons({good, bad}), Catch::Contains("row 2"));
  CHECK(count_rows(f.store, "lessons") == 0);
}

TEST_CASE("a preview never starts a lesson and a second click never moves the start", "[core][service]") {
  Fixture f;
  auto lesson = f.create();
  auto preview = f.service.record_click(lesson.track_token, {false, false, "TelegramBot (like TwitterBot)", "1.2.3.4"});
  CHECK(preview.kind == ClickKind::preview);
  CHECK(preview.lesson.status == LessonStatus::created);
  f.clock.advance(60s);
  auto first = f.service.record_click(lesson.track_token, f.person());
  CHECK(first.lesson.status == LessonStatus::active);
  CHECK(first.lesson.started_at == f.clock.now());
  f.clock.advance(300s);
  auto second = f.service.record_click(lesson.track_token, f.person());
  CHECK(second.lesson.started_at == first.lesson.started_at);
  CHECK(f.service.detail(lesson.id).clicks.size() == 3);
}

TEST_CASE("an unknown token writes nothing", "[core][service]") {
  Fixture f;
  f.create();
  CHECK_THROWS_AS(f.service.record_click("nope", f.person()), Error);
  CHECK_THROWS_AS(f.service.record_leave("nope"), Error);
  CHECK(count_rows(f.store, "clicks") == 0);
  CHECK(count_rows(f.store, "end_signals") == 0);
}

TEST_CASE("the checkout's first press ends the lesson and the grace period finalises it", "[core][service]") {
  Fixture f;
  auto lesson = f.create();
  CHECK_THROWS_AS(f.service.record_leave(lesson.leave_token), Error);  // not started yet
  f.service.record_click(lesson.track_token, f.person());
  f.clock.advance(45min);
  auto ended = f.service.record_leave(lesson.leave_token);
  CHECK(ended.status == LessonStatus::ended);
  CHECK(ended.end_source == EndSource::leave_url);
  CHECK(ended.duration_s() == 45 * 60);
  f.clock.advance(5min);
  auto again = f.service.record_leave(lesson.leave_token);
  CHECK(again.status == LessonStatus::ended);
  CHECK(again.duration_s() == 45 * 60);  // a second press (or a re-sent form) moves nothing
  f.clock.advance(11min);
  auto late = f.service.record_leave(lesson.leave_token);
  CHECK(late.status == LessonStatus::final);
  CHECK(late.duration_s() == 45 * 60);  // past the grace period: final, nothing moves
  // Both presses before the end was final are on record; the one after is not.
  CHECK(f.service.detail(lesson.id).end_signals.size() == 2);
}

TEST_CASE("a lesson still active when the next one on its meeting starts ends by handover", "[core][service]") {
  Fixture f;
  auto first = f.create();
  auto second = f.create("t1");
  f.service.record_click(first.track_token, f.person());
  f.clock.advance(60min);
  f.service.record_click(second.track_token, f.person());
  auto handed = f.service.get(first.id);
  CHECK(handed.end_source == EndSource::handover);
  CHECK(handed.duration_s() == 3600);
  CHECK(f.service.get(second.id).status == LessonStatus::active);
}

TEST_CASE("voiding, restoring or moving the next lesson's start re-derives the handover", "[core][service]") {
  Fixture f;
  auto first = f.create();
  auto second = f.create("t1");
  auto started = f.clock.now();
  f.service.record_click(first.track_token, f.person());
  f.clock.advance(60min);
  f.service.record_click(second.track_token, f.person());
  REQUIRE(f.service.get(first.id).end_source == EndSource::handover);
  // The second lesson was a mistake: the first had no end but that start, so it is open again.
  f.service.void_lesson(second.id, "sent to the wrong student", "alice");
  auto reopened = f.service.get(first.id);
  CHECK(reopened.status == LessonStatus::active);
  CHECK_FALSE(reopened.ended_at);
  f.service.restore(second.id, "it was right after all", "alice");
  CHECK(f.service.get(first.id).ended_at == started + 60min);
  // Staff move the second lesson's start: the first ends at the new one.
  f.clock.advance(10min);
  f.service.start_manually(second.id, started + 50min, "the student was in at :50", "alice", true);
  auto moved = f.service.get(first.id);
  CHECK(moved.end_source == EndSource::handover);
  CHECK(moved.ended_at == started + 50min);
}

TEST_CASE("the latest manual end stands, even when it is earlier than the one it corrects", "[core][service]") {
  Fixture f;
  auto lesson = f.create();
  auto started = f.clock.now();
  f.service.record_click(lesson.track_token, f.person());
  f.clock.advance(2h);
  f.service.end_manually(lesson.id, started + 40min, "phoned the teacher", "alice", false);
  CHECK(f.service.get(lesson.id).ended_at == started + 40min);
  auto corrected = f.service.end_manually(lesson.id, started + 30min, "typo: it was :30", "bob", false);
  CHECK(corrected.ended_at == started + 30min);
  auto again = f.service.end_manually(lesson.id, started + 25min, "the recording says :25", "carol", true);
  CHECK(again.ended_at == started + 25min);
  CHECK(f.service.get(lesson.id).ended_at == started + 25min);
}

TEST_CASE("an unclicked link past its expiry is gone and a void lesson too", "[core][service]") {
  Fixture f;
  auto lesson = f.create();
  f.clock.advance(std::chrono::days{8});
  REQUIRE_THROWS_AS(f.service.record_click(lesson.track_token, f.person()), Error);
  CHECK(f.service.get(lesson.id).status == LessonStatus::expired);
  auto other = f.create();
  f.service.void_lesson(other.id, "cancelled", "staff");
  CHECK(code_of([&] { f.service.record_click(other.track_token, f.person()); }) == ErrorCode::gone);
  CHECK(f.service.get(other.id).status == LessonStatus::void_);
}

TEST_CASE("a link clicked before is read afresh at every click: voided since, it is gone", "[core][service]") {
  Fixture f;
  auto lesson = f.create();
  f.service.record_click(lesson.track_token, f.person());  // its token is known from now on
  f.service.void_lesson(lesson.id, "cancelled", "staff");
  CHECK(code_of([&] { f.service.record_click(lesson.track_token, f.person()); }) == ErrorCode::gone);
  CHECK(f.service.get(lesson.id).status == LessonStatus::void_);
  // The click on the dead link is logged; a made-up token still stores nothing.
  CHECK(f.store.clicks_for(lesson.id).size() == 2);
  CHECK(code_of([&] { f.service.record_click("AAAAAAAAAAAAAAAAAAAAAA", f.person()); }) == ErrorCode::not_found);
  CHECK(f.store.clicks_for(lesson.id).size() == 2);
}

TEST_CASE("every transition is audited with its source and reason", "[core][service]") {
  Fixture f;
  auto lesson = f.create();
  f.service.record_click(lesson.track_token, f.person());
  f.clock.advance(30min);
  f.service.record_leave(lesson.leave_token);
  auto audit = f.service.detail(lesson.id).audit;
  REQUIRE(audit.size() == 3);
  CHECK(audit[1].source == "click");
  CHECK(audit[2].source == "leave_url");
  CHECK(audit[2].new_value.find("ended") == 0);
}

TEST_CASE("the lesson report lists minutes for settled lessons only", "[core][report]") {
  Fixture f;
  auto paid = f.create("t1");
  auto open = f.create("t2", "https://zoom.us/j/999999999");
  f.service.record_click(paid.track_token, f.person());
  f.service.record_click(open.track_token, f.person());
  f.clock.advance(std::chrono::seconds(50 * 60 + 31));
  f.service.record_leave(paid.leave_token);
  ReportRequest r;
  auto table = build_report(f.store, r).table;
  REQUIRE(table.rows.size() == 2);
  CHECK(table.rows[0][10] == "3031");
  CHECK(table.rows[0][11] == "51");
  CHECK(table.rows[1][9] == "active");
  CHECK(table.rows[1][11] == "");
  r.by = ReportGrouping::teacher;
  r.rounding = MinuteRounding::floor;
  auto by_teacher = build_report(f.store, r).table;
  // paid_s appended (issue 22): under the default policy, the duration.
  CHECK(by_teacher.rows[0] == std::vector<std::string>{"t1", "1", "3031", "50", "0", "0", "3031"});
  CHECK(by_teacher.rows[1] == std::vector<std::string>{"t2", "1", "0", "0", "0", "1", "0"});  // running: not paid yet
}

TEST_CASE("concurrent writers share commits and a failing one undoes only itself", "[core][store]") {
  Fixture f;
  auto lesson = f.create();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        try {
          f.store.write([&] {
            f.store.insert_click(lesson.id, {0, f.clock.now(), "ip", "agent", "real", "GET"});
            if ((t + i) % 5 == 0) throw Error(ErrorCode::conflict, "this body fails");
          });
        } catch (const Error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 40);
  CHECK(count_rows(f.store, "clicks") == 200 - 40);
}

TEST_CASE("after-commit actions run for committed writes only", "[core][store]") {
  Fixture f;
  auto lesson = f.create();
  std::vector<std::string> ran;
  f.store.write([&] { f.store.after_commit([&] { ran.push_back("kept"); }); });
  CHECK_THROWS(f.store.write([&] {
    f.store.after_commit([&] { ran.push_back("rolled back"); });
    throw Error(ErrorCode::conflict, "no");
  }));
  f.store.after_commit([&] { ran.push_back("outside"); });
  CHECK(ran == std::vector<std::string>{"kept", "outside"});

  std::vector<LessonStatus> logged;
  f.service.set_transition_hook([&](const Lesson&, const LessonState& after, const Cause&) {
    logged.push_back(after.status);
  });
  f.service.record_click(lesson.track_token, f.person());
  CHECK(logged == std::vector<LessonStatus>{LessonStatus::active});
}

TEST_CASE("a repeat is a duplicate only while the first lesson waits for its click", "[core][service][ref]") {
  Fixture f;
  NewLesson n;
  n.teacher = "t1";
  n.student = "s1";
  n.zoom_url = "https://zoom.us/j/86431910364?pwd=x";
  auto first = f.service.create_lessons({n}).front().lesson;
  CHECK_THROWS_AS(f.service.create_lessons({n}), Error);
  f.service.record_click(first.track_token, f.person());
  auto next = f.service.create_lessons({n}).front();  // next week's lesson, same people, same room
  CHECK_FALSE(next.existing);
  CHECK(next.lesson.id != first.id);

  SECTION("a ref on a lesson that already started still gives that lesson back") {
    n.ref = "booking-1";
    auto keyed = f.service.create_lessons({n}, {.allow_duplicate = true}).front().lesson;
    f.service.record_click(keyed.track_token, f.person());
    auto retry = f.service.create_lessons({n}).front();
    CHECK(retry.existing);
    CHECK(retry.lesson.id == keyed.id);
    CHECK(retry.lesson.status == LessonStatus::active);
  }
}
