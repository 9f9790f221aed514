#include <catch2/catch.hpp>

#include "core/rules/lesson_rules.hpp"

using namespace zt;
using namespace std::chrono_literals;

namespace {

TimePoint at(const char* text) { return *parse_utc(text); }

Segment connection(const char* join, const char* leave, const std::string& name = "Student", const std::string& email = "") {
  Segment s;
  s.source = "webhook";
  s.name = name;
  s.email = email;
  if (*join) s.join_time = at(join);
  if (*leave) s.leave_time = at(leave);
  return s;
}

Segment teacher(const char* join, const char* leave) {
  auto s = connection(join, leave, "Teacher");
  s.participant_id = s.host_id = "host";
  s.is_host = true;
  return s;
}

}  // namespace

TEST_CASE("the lesson's student is found by e-mail or tag, else the one who joined in the window", "[core][presence]") {
  auto window = at("2026-11-25T08:45:00Z");
  std::vector<Segment> others{connection("2026-11-25T08:00:00Z", "2026-11-25T09:05:00Z", "Earlier student"),
                              connection("2026-11-25T09:01:00Z", "", "iPhone"),
                              connection("2026-11-25T09:02:00Z", "", "Bob [zt8]")};
  SECTION("nobody identified: those who joined inside the window, not tagged for another lesson") {
    auto found = student_segments(others, 7, "", window);
    CHECK_FALSE(found.identified);
    REQUIRE(found.segments.size() == 1);
    CHECK(found.segments[0].name == "iPhone");
  }
  SECTION("by tag") {
    auto found = student_segments(others, 8, "", window);
    CHECK(found.identified);
    REQUIRE(found.segments.size() == 1);
    CHECK(found.segments[0].name == "Bob [zt8]");
  }
  SECTION("by e-mail, whatever its case") {
    others.push_back(connection("2026-11-25T09:03:00Z", "", "Hana's iPad", "hana@example.org"));
    auto found = student_segments(others, 7, "Hana@Example.ORG", window);
    CHECK(found.identified);
    REQUIRE(found.segments.size() == 1);
    CHECK(found.segments[0].name == "Hana's iPad");
  }
}

TEST_CASE("a start from Zoom is the first moment both were in the meeting", "[core][presence]") {
  std::vector<Segment> t{teacher("2026-11-25T08:58:00Z", "2026-11-25T09:10:00Z"),
                         teacher("2026-11-25T09:20:00Z", "")};
  auto from = at("2026-11-25T08:45:00Z"), until = at("2026-11-25T15:00:00Z");
  CHECK(zoom_start(t, {connection("2026-11-25T09:05:00Z", "")}, from, until) == at("2026-11-25T09:05:00Z"));
  // The student came while the teacher was away: the lesson starts when the teacher is back.
  CHECK(zoom_start(t, {connection("2026-11-25T09:12:00Z", "")}, from, until) == at("2026-11-25T09:20:00Z"));
  CHECK_FALSE(zoom_start(t, {connection("2026-11-25T09:11:00Z", "2026-11-25T09:15:00Z")}, from, until));
  CHECK_FALSE(zoom_start(t, {}, from, until));
  CHECK_FALSE(zoom_start({}, {connection("2026-11-25T09:05:00Z", "")}, from, until));
  // Nothing before the window opens.
  CHECK(zoom_start(t, {connection("2026-11-25T08:00:00Z", "")}, at("2026-11-25T09:00:00Z"), until) ==
        at("2026-11-25T09:00:00Z"));
}

TEST_CASE("presence is measured within start..end, unions rejoins and splits nothing twice", "[core][presence]") {
  LessonFacts f;
  f.scheduled_at = at("2026-11-25T09:00:00Z");
  f.teacher_segments = {teacher("2026-11-25T09:20:00Z", "2026-11-25T09:40:00Z"),
                        teacher("2026-11-25T09:35:00Z", "2026-11-25T10:00:00Z"),  // a second device, overlapping
                        teacher("", "2026-11-25T10:30:00Z")};                      // a lone leave: a moment
  f.student_segments = {connection("2026-11-25T08:59:00Z", "2026-11-25T09:50:00Z"),
                        connection("2026-11-25T09:55:00Z", "")};
  f.student_identified = true;
  auto p = measure_presence(f, at("2026-11-25T09:00:00Z"), at("2026-11-25T10:00:00Z"));
  CHECK(p.kind == "identified");
  CHECK(p.teacher_present_s == 40 * 60);
  CHECK(p.together_s == 35 * 60);
  CHECK(p.teacher_late_s == 20 * 60);

  SECTION("a teacher early by five minutes is late by minus five") {
    f.teacher_segments = {teacher("2026-11-25T08:55:00Z", "2026-11-25T10:00:00Z")};
    CHECK(measure_presence(f, at("2026-11-25T09:00:00Z"), at("2026-11-25T10:00:00Z")).teacher_late_s == -300);
  }
  SECTION("the student never seen while Zoom saw the teacher: together is zero, not unknown") {
    f.student_segments.clear();
    f.student_identified = false;
    auto q = measure_presence(f, at("2026-11-25T09:00:00Z"), at("2026-11-25T10:00:00Z"));
    CHECK(q.kind == "unidentified");
    CHECK(q.together_s == 0);
    CHECK(q.teacher_present_s == 40 * 60);
  }
  SECTION("the teacher never in the meeting while the student was: teacher and together are zero") {
    f.teacher_segments.clear();
    auto q = measure_presence(f, at("2026-11-25T09:00:00Z"), at("2026-11-25T10:00:00Z"));
    CHECK(q.teacher_present_s == 0);
    CHECK(q.together_s == 0);
    CHECK_FALSE(q.teacher_late_s);
  }
  SECTION("nobody seen in the window (a connection that ended as it opened is not seen): no presence") {
    f.teacher_segments = {teacher("2026-11-25T08:00:00Z", "2026-11-25T08:45:00Z")};
    f.student_segments.clear();
    CHECK(measure_presence(f, at("2026-11-25T09:00:00Z"), at("2026-11-25T10:00:00Z")) == Presence{});
  }
  SECTION("unscheduled: no lateness") {
    f.scheduled_at.reset();
    CHECK_FALSE(measure_presence(f, at("2026-11-25T09:00:00Z"), at("2026-11-25T10:00:00Z")).teacher_late_s);
  }
}

TEST_CASE("the earliest trustworthy start wins, and a staff start stands", "[core][presence]") {
  auto click = at("2026-11-25T09:05:00Z"), zoom = at("2026-11-25T09:01:00Z");
  auto earlier = resolve_start(click, {}, zoom);
  CHECK(earlier.at == zoom);
  CHECK(earlier.source == StartSource::zoom);
  CHECK(resolve_start(click, {}, at("2026-11-25T09:06:00Z")).source == StartSource::click);
  CHECK(resolve_start(std::nullopt, {}, std::nullopt).at == std::nullopt);
  StartSignal staff;
  staff.id = 1;
  staff.at = at("2026-11-25T09:30:00Z");
  auto manual = resolve_start(click, {staff}, zoom);
  CHECK(manual.at == staff.at);
  CHECK(manual.source == StartSource::manual);
}

TEST_CASE("a lesson's pay facts come from its row, and one sentence says why it pays what it pays", "[core][presence][pay]") {
  Lesson l;
  l.id = 7;
  l.status = LessonStatus::final;
  l.started_at = at("2026-11-25T09:00:00Z");
  l.ended_at = at("2026-11-25T10:00:00Z");
  l.end_source = EndSource::webhook;
  l.start_source = StartSource::click;
  l.presence = {"identified", 2400, 2400, 1200};
  PayPolicy together;
  together.basis = PayBasis::together;
  CHECK(explain_pay(l, together) ==
        "paid 40 min: teacher and student together in the meeting 40 min of 09:00–10:00; the student clicked at "
        "09:00, the teacher joined 20 min late");
  CHECK(explain_pay(l, PayPolicy{}) ==
        "paid 60 min: click to the webhook end, 09:00–10:00; the student clicked at 09:00, the teacher joined 20 min late");
  l.status = LessonStatus::needs_review;
  CHECK(explain_pay(l, together) == "not paid: the lesson is needs_review");
  l.status = LessonStatus::no_show;
  l.started_at.reset();
  l.ended_at.reset();
  l.presence = {"", 1800, std::nullopt, std::nullopt};
  PayPolicy no_show;
  no_show.no_show_after = 15min;
  CHECK(explain_pay(l, no_show) == "no-show: paid 15 min for the teacher's wait of 30 min for a student who never came");
}

TEST_CASE("the audit trail writes a start from Zoom and the presence, and nothing for older lessons", "[core][presence]") {
  LessonState s;
  s.status = LessonStatus::final;
  s.started_at = at("2026-11-25T09:00:00Z");
  s.ended_at = at("2026-11-25T10:00:00Z");
  s.end_source = EndSource::webhook;
  s.start_source = StartSource::click;
  CHECK(describe(s) == "final start=2026-11-25T09:00:00Z end=2026-11-25T10:00:00Z (webhook)");
  s.start_source = StartSource::zoom;
  s.presence = {"unidentified", 3600, std::nullopt, -60};
  CHECK(describe(s) == "final start=2026-11-25T09:00:00Z end=2026-11-25T10:00:00Z (webhook) start_source=zoom "
                       "presence=unidentified teacher_s=3600 together_s=- teacher_late_s=-60");
}

TEST_CASE("the tracking redirect names the student with the lesson's tag, URL-encoded", "[core][presence]") {
  Lesson l;
  l.id = 42;
  l.student = "s.hana";
  l.zoom_url = "https://zoom.us/j/86431910364?pwd=abc";
  CHECK(l.student_join_url(true) == "https://zoom.us/j/86431910364?pwd=abc&uname=s.hana%20%5Bzt42%5D");
  l.student_name = "Hana <T>";
  CHECK(l.student_join_url(true) == "https://zoom.us/j/86431910364?pwd=abc&uname=Hana%20%3CT%3E%20%5Bzt42%5D");
  CHECK(l.student_join_url(false) == l.zoom_url);
  Segment named;
  named.name = "Hana <T> [zt42]";
  CHECK(is_lesson_student(named, 42, ""));
  CHECK_FALSE(is_lesson_student(named, 4, ""));
}
