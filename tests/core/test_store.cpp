// The store's connections: reads on their own connections see every committed write and never a
// half-done one; a failing part of a write rolls back alone.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <thread>

#include "core/util/error.hpp"
#include "core/services/webhook.hpp"
#include "support/service_on_disk.hpp"
#include "support/clicks.hpp"

using namespace zt;
using namespace std::chrono_literals;

namespace {

Lesson create(test::ServiceOnDisk& f, const std::string& student = "s1") {
  NewLesson n;
  n.teacher = "t1";
  n.student = student;
  n.zoom_url = "https://zoom.us/j/86431910364?pwd=x";
  return f.service.create_lessons({n}).front().lesson;
}

}  // namespace

TEST_CASE("reader connections see every committed write, and pooled ones hold no old snapshot", "[core][store]") {
  test::ServiceOnDisk f;
  auto lesson = create(f);
  // A read outside a write goes to a reader connection, which is then kept for the next read.
  CHECK(f.store.find_lesson(lesson.id)->status == LessonStatus::created);
  f.service.record_click(lesson.track_token, zt::test::person_click());
  CHECK(f.store.find_lesson(lesson.id)->status == LessonStatus::active);

  // From other threads, each with its own reader, while a writer commits.
  std::vector<std::thread> readers;
  std::atomic<int> seen{0};
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      if (f.store.find_lesson_by_track_token(lesson.track_token)->status == LessonStatus::active) ++seen;
    });
  }
  for (auto& t : readers) t.join();
  CHECK(seen == 4);
}

TEST_CASE("a read never sees a write that is not committed yet", "[core][store]") {
  test::ServiceOnDisk f;
  auto lesson = create(f);
  std::optional<LessonStatus> seen_from_outside;
  f.store.write([&] {
    f.store.update_lesson_state(lesson.id, LessonStatus::void_, std::nullopt, std::nullopt, std::nullopt, std::nullopt, {});
    // Inside the write, this thread reads its own change...
    CHECK(f.store.find_lesson(lesson.id)->status == LessonStatus::void_);
    // ...another thread, on a reader connection, does not wait for the writer and sees the last commit.
    std::thread other([&] { seen_from_outside = f.store.find_lesson(lesson.id)->status; });
    other.join();
  });
  CHECK(seen_from_outside == LessonStatus::created);
  CHECK(f.store.find_lesson(lesson.id)->status == LessonStatus::void_);
}

TEST_CASE("an attempt that throws rolls back alone and the rest of the write commits", "[core][store]") {
  test::ServiceOnDisk f;
  auto kept = create(f, "kept");
  auto undone = create(f, "undone");
  f.store.write([&] {
    f.store.update_lesson_state(kept.id, LessonStatus::void_, std::nullopt, std::nullopt, std::nullopt, std::nullopt, {});
    CHECK_THROWS_AS(f.store.attempt([&] {
      f.store.update_lesson_state(undone.id, LessonStatus::void_, std::nullopt, std::nullopt, std::nullopt, std::nullopt, {});
      throw Error(ErrorCode::invalid_argument, "bad");
    }),
                    Error);
  });
  CHECK(f.store.find_lesson(kept.id)->status == LessonStatus::void_);
  CHECK(f.store.find_lesson(undone.id)->status == LessonStatus::created);
}

TEST_CASE("a webhook whose apply fails halfway is stored raw with outcome error, its effect undone", "[core][store][webhook]") {
  test::ServiceOnDisk f("2026-11-25T09:00:00Z");
  auto lesson = create(f);
  f.service.record_click(lesson.track_token, zt::test::person_click());
  WebhookIngest ingest(f.service, WebhookOptions{"secret", 7200s});
  // The leave is recorded as a segment, then refused as a time that has not happened yet.
  auto body = build_zoom_event({"meeting.participant_left", "86431910364", *parse_utc("2026-11-25T11:00:00Z"),
                                true, "", "", "", "", "100", ""});
  auto ts = std::to_string(f.clock.now().time_since_epoch().count());
  auto result = ingest.receive({body, ts, zoom_signature("secret", ts, body)});
  CHECK(result.status == 200);
  CHECK(result.outcome == "error");
  auto stored = f.store.find_webhook_event(*result.event_id);
  REQUIRE(stored);
  CHECK(stored->outcome == "error");
  CHECK(stored->detail.find("in the future") != std::string::npos);
  CHECK(stored->body == body);
  SQLite::Database db(f.store.path());
  CHECK(db.execAndGet("SELECT COUNT(*) FROM segments").getInt() == 0);
  CHECK(f.store.find_lesson(lesson.id)->status == LessonStatus::active);
}

TEST_CASE("a write waits for another process's lock and takes it once released, and past the busy timeout it fails as busy", "[core][store]") {
  test::ServiceOnDisk f;
  SQLite::Database other(f.store.path(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  std::thread release([&] {
    std::this_thread::sleep_for(50ms);
    other.exec("COMMIT");
  });
  CHECK_NOTHROW(f.store.probe_write(f.clock.now()));
  release.join();

  Store impatient(f.store.path(), StoreOptions{.busy_timeout_ms = 20});
  other.exec("BEGIN IMMEDIATE");
  try {
    impatient.probe_write(f.clock.now());
    FAIL("the write did not wait for the lock");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::busy);
  }
  other.exec("ROLLBACK");
  CHECK_NOTHROW(impatient.probe_write(f.clock.now()));
}

TEST_CASE("the teacher's connections are found through indexes, not by reading the meeting's crowd", "[core][store]") {
  test::ServiceOnDisk f;
  SQLite::Database db(f.store.path());
  auto plan = [&](const char* where) {
    std::string text;
    SQLite::Statement q(db, std::string("EXPLAIN QUERY PLAN SELECT * FROM segments WHERE ") + where);
    while (q.executeStep()) text += q.getColumn(3).getString() + "\n";
    return text;
  };
  // Both ranges a lesson reads, for each way of recognising the teacher: still open (bounded by the
  // join), and left after the lesson began (bounded by the leave). Earlier connections are skipped.
  for (const std::string who : {"is_host = 1", "email <> '' AND email = 'a@b' COLLATE NOCASE", "name = 'T'"}) {
    auto index = who == "is_host = 1" ? "segments_by_host_leave" : who[0] == 'e' ? "segments_by_email_leave" : "segments_by_name_leave";
    auto open = plan(("meeting_id = '1' AND " + who + " AND leave_time IS NULL AND at >= '2026' AND at < '2027'").c_str());
    INFO(open);
    CHECK(open.find(index) != std::string::npos);
    CHECK(open.find("leave_time=? AND at>? AND at<?") != std::string::npos);
    auto left = plan(("meeting_id = '1' AND " + who + " AND leave_time >= '2026-03' AND leave_time < '2026-04' AND at >= '2026' AND at < '2027'").c_str());
    INFO(left);
    CHECK(left.find(index) != std::string::npos);
    CHECK(left.find("leave_time>? AND leave_time<?") != std::string::npos);
  }
}

TEST_CASE("a lesson's other participants are one indexed range bounded by its window", "[core][store][presence]") {
  // A personal meeting id collects years of connections: the student's presence reads the
  // lesson's window through segments_by_meeting_time, never the meeting's past.
  test::ServiceOnDisk f;
  SQLite::Database db(f.store.path());
  SQLite::Statement q(db, "EXPLAIN QUERY PLAN SELECT * FROM segments WHERE meeting_id = '1' AND "
                          "COALESCE(join_time, leave_time) >= '2026-11-24' AND COALESCE(join_time, leave_time) < "
                          "'2026-11-27' AND (leave_time IS NULL OR leave_time >= '2026-11-25')");
  std::string text;
  while (q.executeStep()) text += q.getColumn(3).getString() + "\n";
  INFO(text);
  CHECK(text.find("USING INDEX segments_by_meeting_time (meeting_id=? AND <expr>>? AND <expr><?)") != std::string::npos);
}

TEST_CASE("a delivery's duplicate check and reconcile's retries are read through indexes", "[core][store][webhook]") {
  test::ServiceOnDisk f;
  SQLite::Database db(f.store.path());
  auto plan = [&](const std::string& where) {
    std::string text;
    SQLite::Statement q(db, "EXPLAIN QUERY PLAN SELECT id FROM webhook_events WHERE " + where + " ORDER BY id");
    while (q.executeStep()) text += q.getColumn(3).getString() + "\n";
    return text;
  };
  auto duplicate = plan("event_ts = 1 AND delivery_key = 'k' AND duplicate_of IS NULL");
  INFO(duplicate);
  CHECK(duplicate.find("webhook_events_first_delivery (event_ts=? AND delivery_key=?)") != std::string::npos);
  // As Store::list_webhook_events asks for the outcomes the partial index holds.
  auto retried = plan("outcome = 'unmatched' AND outcome IN ('received', 'unmatched', 'error')");
  INFO(retried);
  CHECK(retried.find("webhook_events_to_retry (outcome=?)") != std::string::npos);
  CHECK(retried.find("TEMP B-TREE") == std::string::npos);
}

TEST_CASE("one teacher's or one student's lessons in a period are read through an index, in start order", "[core][store]") {
  test::ServiceOnDisk f;
  SQLite::Database db(f.store.path());
  auto plan = [&](const char* where) {
    std::string text;
    SQLite::Statement q(db, std::string("EXPLAIN QUERY PLAN SELECT id FROM lessons WHERE started_at >= '2026' AND "
                                        "started_at < '2027' AND status <> 'void' AND ") +
                                where + " ORDER BY started_at, id");
    while (q.executeStep()) text += q.getColumn(3).getString() + "\n";
    return text;
  };
  auto teacher = plan("teacher = 't1'");
  CHECK(teacher.find("lessons_by_teacher_start") != std::string::npos);
  CHECK(teacher.find("TEMP B-TREE") == std::string::npos);  // no sort: rows stream in index order
  auto student = plan("student = 's1'");
  CHECK(student.find("lessons_by_student_start") != std::string::npos);
  CHECK(student.find("TEMP B-TREE") == std::string::npos);
}

TEST_CASE("a BUSY inside a write runs its batch again instead of failing the write", "[core][store]") {
  // SQLite can return BUSY without calling the busy handler (a WAL-index read during another
  // connection's checkpoint): nothing was committed, so the batch is simply run again.
  test::ServiceOnDisk f;
  auto lesson = create(f);
  int runs = 0;
  f.store.write([&] {
    ++runs;
    f.store.insert_click(lesson.id, Click{0, f.clock.now(), "203.0.113.5", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "real", "GET"});
    if (runs == 1) throw Error(ErrorCode::busy, "the database is busy");
  });
  CHECK(runs == 2);
  CHECK(f.service.detail(lesson.id).clicks.size() == 1);  // the first run's insert was rolled back

  SECTION("any other failure is the write's own, and is not run again") {
    runs = 0;
    CHECK_THROWS_AS(f.store.write([&] {
      ++runs;
      throw Error(ErrorCode::conflict, "refused");
    }),
                    Error);
    CHECK(runs == 1);
  }
}
