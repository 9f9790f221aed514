#include <catch2/catch.hpp>

#include "core/services/lesson_service.hpp"
#include "support/harness.hpp"
#include "support/clicks.hpp"

using namespace zt;
using namespace std::chrono_literals;

TEST_CASE("the transition hook hears every audited transition with its cause", "[core][service]") {
  test::TempDir dir;
  Store store{dir.file("zt.db")};
  FixedClock clock{*parse_utc("2026-11-25T09:00:00Z")};
  LessonService service{store, clock, ServiceOptions{"https://lessons.example.org", 600s, std::chrono::days{7}}};
  std::vector<std::string> heard;
  service.set_transition_hook([&](const Lesson& before, const LessonState& after, const Cause& cause) {
    heard.push_back(std::to_string(before.id) + " " + to_string(before.status) + " -> " + to_string(after.status) +
                    " (" + cause.source + ": " + cause.reason + ")");
  });
  NewLesson n;
  n.teacher = "t1";
  n.student = "s1";
  n.zoom_url = "https://zoom.us/j/86431910364";
  auto lesson = service.create_lessons({n}).front().lesson;
  auto person = zt::test::person_click();

  service.record_click(lesson.track_token, person);
  service.record_click(lesson.track_token, person);  // no transition: nothing to hear
  service.void_lesson(lesson.id, "student cancelled", "tester");

  auto id = std::to_string(lesson.id);
  REQUIRE(heard.size() == 2);
  CHECK(heard[0] == id + " created -> active (click: student opened the tracking link)");
  CHECK(heard[1] == id + " active -> void (manual: student cancelled)");
}
