#pragma once
// A LessonService over a real SQLite file in a temp dir, with a fixed clock: the base of the
// core tests' fixtures.
#include <chrono>

#include "core/services/lesson_service.hpp"
#include "support/harness.hpp"

namespace zt::test {

struct ServiceOnDisk {
  explicit ServiceOnDisk(const char* now = "2026-11-25T09:00:00Z") : clock(*parse_utc(now)) {}

  TempDir dir;
  Store store{dir.file("zt.db")};
  FixedClock clock;
  LessonService service{store, clock,
                        ServiceOptions{"https://lessons.example.org", std::chrono::seconds{600}, std::chrono::days{7}}};
};

}  // namespace zt::test
