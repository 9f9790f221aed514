#pragma once
// Lessons held at chosen past times, written by the core LessonService with a FixedClock into a
// database file that the real binary then reads.
#include <string>

#include "core/services/lesson_service.hpp"
#include "support/harness.hpp"

namespace zt::test {

struct PastLesson {
  std::string teacher = "t1";
  std::string student = "s1";
  std::string zoom_url = "https://zoom.us/j/86431910364";
  std::string teacher_name;
  std::string teacher_zoom_email;
  std::string student_zoom_email = {};
  std::optional<Seconds> length = {};
};

// A teacher's lesson with a student on a meeting of its own, numbered from 1000000000.
inline PastLesson lesson_on_meeting(const std::string& teacher, const std::string& student, int meeting) {
  return PastLesson{teacher, student, "https://zoom.us/j/" + std::to_string(1000000000 + meeting), "", ""};
}

class PastLessons {
 public:
  explicit PastLessons(const std::string& db);
  // Created an hour before `start` (scheduled at `scheduled_at`, if given); the student clicks
  // at `start`; the teacher's checkout (if any) at `end`. Returns the lesson's id.
  int64_t held(const PastLesson& what, const std::string& start, const std::string& end = "",
               const std::string& scheduled_at = "");
  // A started lesson moved to needs_review, as reconcile would.
  int64_t needing_review(const PastLesson& what, const std::string& start);
  Lesson get(int64_t id) { return service.get(id); }

  Store store;
  FixedClock clock{TimePoint{}};
  LessonService service;
};

// Now plus/minus whole minutes, formatted for the functions above.
std::string minutes_from_now(int minutes);

}  // namespace zt::test
