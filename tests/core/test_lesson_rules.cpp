#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "core/rules/lesson_rules.hpp"

using namespace zt;
using namespace std::chrono_literals;

namespace {

TimePoint at(const char* text) { return *parse_utc(text); }

Segment teacher(const char* join, const char* leave, const char* reason = "", const char* source = "webhook") {
  Segment s;
  s.source = source;
  s.participant_id = "host";
  s.host_id = "host";
  if (*join) s.join_time = at(join);
  if (*leave) s.leave_time = at(leave);
  s.leave_reason = reason;
  s.is_host = true;
  return s;
}

EndSignal signal(EndSource source, const char* when, bool forced = false) {
  EndSignal s;
  s.source = source;
  s.at = at(when);
  s.forced = forced;
  return s;
}

LessonFacts started(const char* start) {
  LessonFacts f;
  f.start = at(start);
  return f;
}

}  // namespace

TEST_CASE("duration is end minus start in whole seconds and never negative", "[core][rules]") {
  CHECK(duration_seconds(at("2026-11-25T09:00:00Z"), at("2026-11-25T10:30:15Z")) == 5415);
  CHECK(duration_seconds(at("2026-11-25T10:00:00Z"), at("2026-11-25T09:00:00Z")) == 0);
}

TEST_CASE("minutes are rounded, floored or ceiled as asked", "[core][rules]") {
  CHECK(minutes_for(89, MinuteRounding::round) == 1);
  CHECK(minutes_for(90, MinuteRounding::round) == 2);
  CHECK(minutes_for(119, MinuteRounding::floor) == 1);
  CHECK(minutes_for(61, MinuteRounding::ceil) == 2);
  CHECK(minutes_for(60, MinuteRounding::ceil) == 1);
  CHECK_THROWS(parse_minute_rounding("up"));
}

TEST_CASE("a lesson without a start has no end", "[core][rules]") {
  LessonFacts f;
  f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T10:00:00Z"));
  CHECK_FALSE(resolve_end(f, default_grace));
}

TEST_CASE("end sources rank webhook over zoom_api over leave_url over manual", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.signals.push_back(signal(EndSource::manual, "2026-11-25T10:10:00Z"));
  CHECK(resolve_end(f, default_grace)->source == EndSource::manual);
  f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T10:05:00Z"));
  CHECK(resolve_end(f, default_grace)->source == EndSource::leave_url);
  f.teacher_segments.push_back(teacher("2026-11-25T08:55:00Z", "2026-11-25T10:02:00Z", "", "zoom_api"));
  CHECK(resolve_end(f, default_grace)->source == EndSource::zoom_api);
  f.teacher_segments.push_back(teacher("2026-11-25T08:55:00Z", "2026-11-25T10:01:00Z"));
  auto end = resolve_end(f, default_grace);
  CHECK(end->source == EndSource::webhook);
  CHECK(end->at == at("2026-11-25T10:01:00Z"));
  CHECK(end_source_rank(EndSource::webhook) < end_source_rank(EndSource::zoom_api));
  CHECK(end_source_rank(EndSource::leave_url) < end_source_rank(EndSource::manual));
  CHECK(comes_from_zoom(EndSource::webhook));
  CHECK(comes_from_zoom(EndSource::zoom_api));
  CHECK_FALSE(comes_from_zoom(EndSource::leave_url));
  CHECK_FALSE(comes_from_zoom(EndSource::manual));
}

TEST_CASE("the checkout's first press wins, a second press or a re-sent form moves nothing", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T10:20:00Z"));
  f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T10:00:00Z"));
  CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:00:00Z"));
  CHECK(resolve_end(f, default_grace)->source == EndSource::leave_url);
  SECTION("whatever order the store reads them in") {
    std::swap(f.signals[0], f.signals[1]);
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:00:00Z"));
  }
  SECTION("a press before the lesson began is not its end") {
    f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T08:59:00Z"));
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:00:00Z"));
  }
  SECTION("and it still ranks below Zoom's own end") {
    f.teacher_segments.push_back(teacher("2026-11-25T08:58:00Z", "2026-11-25T10:30:00Z"));
    CHECK(resolve_end(f, default_grace)->source == EndSource::webhook);
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:30:00Z"));
  }
}

TEST_CASE("the manual end recorded last stands, even when earlier than the one it corrects", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  auto first = signal(EndSource::manual, "2026-11-25T10:30:00Z", true);
  first.id = 1;
  auto correction = signal(EndSource::manual, "2026-11-25T10:20:00Z", true);
  correction.id = 2;
  f.signals = {correction, first};  // in whatever order they are read
  CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:20:00Z"));
}

TEST_CASE("a forced manual end overrides a webhook end", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.teacher_segments.push_back(teacher("2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z"));
  f.signals.push_back(signal(EndSource::manual, "2026-11-25T09:45:00Z", true));
  auto end = resolve_end(f, default_grace);
  CHECK(end->source == EndSource::manual);
  CHECK(end->at == at("2026-11-25T09:45:00Z"));
}

TEST_CASE("a teacher who rejoins within the grace period continues the lesson", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.teacher_segments.push_back(teacher("2026-11-25T08:58:00Z", "2026-11-25T09:30:00Z"));
  SECTION("rejoin within grace: the last leave ends it") {
    f.teacher_segments.push_back(teacher("2026-11-25T09:35:00Z", "2026-11-25T10:00:00Z"));
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:00:00Z"));
  }
  SECTION("rejoin after grace is not this lesson") {
    f.teacher_segments.push_back(teacher("2026-11-25T09:45:00Z", "2026-11-25T10:00:00Z"));
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T09:30:00Z"));
  }
  SECTION("still connected: no end yet") {
    f.teacher_segments.push_back(teacher("2026-11-25T09:35:00Z", ""));
    CHECK_FALSE(resolve_end(f, default_grace));
  }
}

TEST_CASE("a breakout-room move is not a departure", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.teacher_segments.push_back(teacher("2026-11-25T09:00:00Z", "2026-11-25T09:20:00Z",
                                       "left the meeting. Reason : join breakout room"));
  SECTION("the move alone leaves the teacher in the meeting") { CHECK_FALSE(resolve_end(f, default_grace)); }
  SECTION("the breakout leave ends it, however long the move took") {
    f.teacher_segments.push_back(teacher("2026-11-25T09:40:00Z", "2026-11-25T10:00:00Z"));
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:00:00Z"));
  }
}

TEST_CASE("meeting.ended ends a lesson whose teacher never left", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.teacher_segments.push_back(teacher("2026-11-25T09:00:00Z", ""));
  f.meeting_ends.push_back(at("2026-11-25T10:00:00Z"));
  auto end = resolve_end(f, default_grace);
  CHECK(end->at == at("2026-11-25T10:00:00Z"));
  CHECK(end->meeting_over);
  SECTION("and the host's own leave, arriving later, gives the same end") {
    f.teacher_segments[0].leave_time = at("2026-11-25T10:00:00Z");
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:00:00Z"));
  }
}

TEST_CASE("the next lesson on the same meeting ends this one at its start", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.next_start = at("2026-11-25T10:00:00Z");
  SECTION("still active") {
    auto end = resolve_end(f, default_grace);
    CHECK(end->source == EndSource::handover);
    CHECK(end->at == at("2026-11-25T10:00:00Z"));
  }
  SECTION("a later end is capped") {
    f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T10:30:00Z"));
    CHECK(resolve_end(f, default_grace)->source == EndSource::handover);
  }
  SECTION("an earlier end stands") {
    f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T09:50:00Z"));
    CHECK(resolve_end(f, default_grace)->source == EndSource::leave_url);
  }
}

TEST_CASE("the host is known by id, by Zoom email or by display name", "[core][rules]") {
  Segment s;
  s.participant_id = "abc";
  s.host_id = "abc";
  CHECK(is_teacher(s, "", ""));
  s.host_id = "other";
  s.email = "Teacher@School.example";
  CHECK(is_teacher(s, "teacher@school.example", ""));
  CHECK_FALSE(is_teacher(s, "", ""));
  s.name = "Abebe Kebede";
  CHECK(is_teacher(s, "", "Abebe Kebede"));
  Segment guest;  // guests have an empty id, which must not equal an empty host id
  CHECK_FALSE(is_teacher(guest, "", ""));
}

TEST_CASE("a connection's deliveries merge to one segment whatever order they arrive in", "[core][rules]") {
  auto at = [](const char* t) { return parse_utc(t); };
  Segment key{"webhook", "uuid-1", "conn-1", "", "", "", "", {}, {}, "", false};
  auto delivery = [&](std::optional<TimePoint> join, std::optional<TimePoint> leave, std::string reason,
                      std::string participant = "", std::string email = "", std::string name = "") {
    Segment s = key;
    s.join_time = join;
    s.leave_time = leave;
    s.leave_reason = std::move(reason);
    s.participant_id = std::move(participant);
    s.email = std::move(email);
    s.name = std::move(name);
    return s;
  };
  std::vector<Segment> deliveries{
      delivery(at("2026-11-25T09:00:00Z"), {}, "", "HOST1", "", "Abebe"),
      delivery(at("2026-11-25T08:59:00Z"), {}, "", "", "abebe@school.et"),  // a retried join, earlier
      delivery({}, at("2026-11-25T09:40:00Z"), "left the meeting"),
      delivery({}, at("2026-11-25T09:45:00Z"), "connection lost", "", "", "Abebe T"),
      delivery({}, at("2026-11-25T09:45:00Z"), "ended by host"),  // a copy of the same leave
  };
  std::vector<size_t> order{0, 1, 2, 3, 4};
  std::optional<Segment> first;
  do {
    Segment row = deliveries[order[0]];
    for (size_t i = 1; i < order.size(); ++i) row = merge_segments(row, deliveries[order[i]]);
    if (!first) first = row;
    CHECK(row == *first);
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(first->join_time == at("2026-11-25T08:59:00Z"));
  CHECK(first->leave_time == at("2026-11-25T09:45:00Z"));
  CHECK(first->leave_reason == "ended by host");  // the greater of the two copies of the latest leave
  CHECK(first->participant_id == "HOST1");
  CHECK(first->email == "abebe@school.et");
  CHECK(first->name == "Abebe T");  // '' loses to any name; of two, the greater
  CHECK(merge_segments(*first, *first) == *first);
}

TEST_CASE("lesson status follows its facts", "[core][rules]") {
  Lesson lesson;
  auto now = at("2026-11-25T10:05:00Z");
  LessonFacts f;
  CHECK(resolve_lesson(lesson, f, now, default_grace).status == LessonStatus::created);
  f.start = at("2026-11-25T09:00:00Z");
  CHECK(resolve_lesson(lesson, f, now, default_grace).status == LessonStatus::active);
  f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T10:00:00Z"));
  CHECK(resolve_lesson(lesson, f, now, default_grace).status == LessonStatus::ended);
  CHECK(resolve_lesson(lesson, f, now + 10min, default_grace).status == LessonStatus::final);
  lesson.status = LessonStatus::void_;
  CHECK(resolve_lesson(lesson, f, now, default_grace).status == LessonStatus::void_);
  lesson.status = LessonStatus::needs_review;
  f.signals.clear();
  CHECK(resolve_lesson(lesson, f, now, default_grace).status == LessonStatus::needs_review);
}

TEST_CASE("a lesson's row depends on its facts and the time, never on the row before", "[core][rules]") {
  Lesson lesson;
  lesson.started_at = at("2026-11-25T09:00:00Z");
  auto f = started("2026-11-25T09:00:00Z");
  f.teacher_segments.push_back(teacher("2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z"));
  f.teacher_segments.push_back(teacher("2026-11-25T10:05:00Z", ""));
  auto now = at("2026-11-25T11:00:00Z");
  for (auto status : {LessonStatus::active, LessonStatus::ended, LessonStatus::final}) {
    lesson.status = status;
    // A rejoin within grace whose leave has not arrived: the teacher is in, whatever the row said.
    CHECK(resolve_lesson(lesson, f, now, default_grace).status == LessonStatus::active);
  }
  f.teacher_segments[1].leave_time = at("2026-11-25T10:20:00Z");
  for (auto status : {LessonStatus::active, LessonStatus::ended, LessonStatus::final}) {
    lesson.status = status;
    auto moved = resolve_lesson(lesson, f, now, default_grace);
    CHECK(moved.status == LessonStatus::final);
    CHECK(moved.ended_at == at("2026-11-25T10:20:00Z"));
    CHECK(resolve_lesson(lesson, f, at("2026-11-25T10:25:00Z"), default_grace).status == LessonStatus::ended);
  }
}

TEST_CASE("a final lesson stays final whatever grace another process believes", "[core][rules]") {
  // reconcile --grace 5m finalised the lesson; serve --grace 1h (or any longer grace) reads it now.
  auto f = started("2026-11-25T09:00:00Z");
  f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T10:00:00Z"));
  auto now = at("2026-11-25T10:06:00Z");
  Lesson lesson;
  lesson.started_at = f.start;
  lesson.status = LessonStatus::ended;
  auto finalised = resolve_lesson(lesson, f, now, 5min);
  REQUIRE(finalised.status == LessonStatus::final);
  lesson.status = finalised.status;
  lesson.ended_at = finalised.ended_at;
  lesson.end_source = finalised.end_source;
  CHECK(resolve_lesson(lesson, f, now, 1h).status == LessonStatus::final);
  CHECK(resolve_lesson(lesson, f, now, 1h).ended_at == at("2026-11-25T10:00:00Z"));
  SECTION("a checkout pressed after it would be a later press: it moves nothing") {
    f.signals.push_back(signal(EndSource::leave_url, "2026-11-25T10:06:00Z"));
    auto again = resolve_lesson(lesson, f, now, 1h);
    CHECK(again.status == LessonStatus::final);
    CHECK(again.ended_at == at("2026-11-25T10:00:00Z"));
  }
  SECTION("an end Zoom moves later counts its grace again: real minutes, as a rejoin's leave") {
    f.teacher_segments.push_back(teacher("2026-11-25T08:59:00Z", "2026-11-25T10:04:00Z"));
    auto moved = resolve_lesson(lesson, f, now, 5min);
    CHECK(moved.status == LessonStatus::ended);
    CHECK(moved.ended_at == at("2026-11-25T10:04:00Z"));
    CHECK(moved.end_source == EndSource::webhook);
  }
  SECTION("is_settled: the rule itself") {
    ResolvedEnd same{at("2026-11-25T10:00:00Z"), EndSource::leave_url, false};
    ResolvedEnd earlier{at("2026-11-25T09:50:00Z"), EndSource::manual, false};
    ResolvedEnd later{at("2026-11-25T10:03:00Z"), EndSource::webhook, false};
    CHECK(is_settled(lesson, same, now, 1h));
    CHECK(is_settled(lesson, earlier, now, 1h));
    CHECK_FALSE(is_settled(lesson, later, now, 1h));
    CHECK(is_settled(lesson, ResolvedEnd{later.at, EndSource::webhook, true}, now, 1h));  // meeting over
    lesson.status = LessonStatus::ended;
    CHECK_FALSE(is_settled(lesson, same, now, 1h));
    CHECK(is_settled(lesson, same, now, 5min));
  }
}

TEST_CASE("segments are read the same whatever Zoom lost or garbled", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.teacher_segments.push_back(teacher("2026-11-25T08:58:00Z", "2026-11-25T09:30:00Z"));
  SECTION("a leave whose join was lost is a moment, not a stay since the start") {
    f.teacher_segments.push_back(teacher("", "2026-11-25T11:00:00Z"));
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T09:30:00Z"));
    f.teacher_segments.back().join_time = at("2026-11-25T09:35:00Z");  // its join arrives: a rejoin
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T11:00:00Z"));
  }
  SECTION("a leave before its join moves the join back to it") {
    f.teacher_segments.push_back(teacher("2026-11-25T12:00:00Z", "2026-11-25T09:35:00Z"));
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T09:35:00Z"));
  }
  SECTION("a segment that began after the next lesson started is not this lesson's") {
    f.next_start = at("2026-11-25T09:32:00Z");
    f.teacher_segments.push_back(teacher("2026-11-25T09:32:00Z", "2026-11-25T09:50:00Z"));
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T09:30:00Z"));
  }
  SECTION("two leaves in one second: a breakout move among them keeps the teacher in, in any order") {
    f.teacher_segments.push_back(teacher("2026-11-25T09:10:00Z", "2026-11-25T09:30:00Z",
                                         "left the meeting. Reason : join breakout room"));
    CHECK_FALSE(resolve_end(f, default_grace));
    std::swap(f.teacher_segments[0], f.teacher_segments[1]);
    CHECK_FALSE(resolve_end(f, default_grace));
  }
  SECTION("a meeting end before the teacher's rejoin belongs to an earlier instance") {
    f.teacher_segments.push_back(teacher("2026-11-25T09:35:00Z", ""));
    f.meeting_ends.push_back(at("2026-11-25T09:32:00Z"));
    CHECK_FALSE(resolve_end(f, default_grace));
    f.meeting_ends.push_back(at("2026-11-25T10:30:00Z"));
    CHECK(resolve_end(f, default_grace)->at == at("2026-11-25T10:30:00Z"));
  }
}

TEST_CASE("a teacher who leaves in the second the student clicks ends a zero-minute lesson", "[core][rules]") {
  auto f = started("2026-11-25T09:00:00Z");
  f.teacher_segments.push_back(teacher("2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z"));
  auto end = resolve_end(f, default_grace);
  REQUIRE(end);
  CHECK(end->at == at("2026-11-25T09:00:00Z"));
  f.teacher_segments[0].leave_time = at("2026-11-25T08:59:59Z");
  CHECK_FALSE(resolve_end(f, default_grace));
}

TEST_CASE("only an ended or final lesson with both ends pays, and it pays its duration", "[core][rules]") {
  LessonState s;
  s.started_at = at("2026-11-25T09:00:00Z");
  s.ended_at = at("2026-11-25T09:50:00Z");
  for (auto status : {LessonStatus::ended, LessonStatus::final}) {
    s.status = status;
    CHECK(paid_seconds(s) == 3000);
  }
  for (auto status : {LessonStatus::created, LessonStatus::active, LessonStatus::needs_review, LessonStatus::void_,
                      LessonStatus::expired}) {
    s.status = status;
    CHECK_FALSE(paid_seconds(s).has_value());
  }
  s.status = LessonStatus::final;
  s.ended_at.reset();
  CHECK_FALSE(paid_seconds(s).has_value());
}

TEST_CASE("a staff start stands over the first real click, the latest correction winning", "[core][rules]") {
  auto click = std::optional(at("2026-11-25T09:05:00Z"));
  CHECK(resolve_start(click, {}) == click);
  CHECK(resolve_start(std::nullopt, {}) == std::nullopt);
  StartSignal first{1, at("2026-11-25T09:00:00Z"), at("2026-11-25T12:00:00Z"), true, "app", "alice"};
  StartSignal second{2, at("2026-11-25T09:02:00Z"), at("2026-11-25T12:05:00Z"), true, "recording", "bob"};
  CHECK(resolve_start(click, {second, first}) == at("2026-11-25T09:02:00Z"));
  CHECK(resolve_start(std::nullopt, {first}) == at("2026-11-25T09:00:00Z"));
}
