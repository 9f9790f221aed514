#pragma once
// A student's browser opening a tracking link, for tests that drive LessonService without HTTP.
#include "core/services/lesson_service.hpp"

namespace zt::test {

// A current Chrome's navigation, with the Fetch Metadata it sends to an https link (the services under test build
// links on https://lessons.example.org).
inline ClickRequest person_click() {
  return {false, false,
          "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
          "203.0.113.5", RequestSignals{"navigate", "document", "", false}};
}

}  // namespace zt::test
