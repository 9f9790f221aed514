// Cost of the hash-chained audit trail per appended row, and whether it grows with the trail:
// rows appended through Store::insert_audit (inside one write, so that no fsync is counted) at
// several trail lengths, and audit_hash alone.
//   audit_bench [--rows N]   (N rows per measurement, default 20000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <string>

#include "core/rules/pay_period.hpp"
#include "core/store/store.hpp"

namespace {

double us_per(std::chrono::steady_clock::duration d, int n) {
  return std::chrono::duration<double, std::micro>(d).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  int rows = 20000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--rows") == 0) rows = std::atoi(argv[i + 1]);
  }
  auto dir = std::filesystem::temp_directory_path() / ("zoomtrack-audit-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    zt::Store store((dir / "bench.db").string());
    zt::Lesson lesson;
    lesson.teacher = "t.bench";
    lesson.student = "s.bench";
    lesson.zoom_url = "https://zoom.us/j/86431910364";
    lesson.meeting_id = "86431910364";
    lesson.track_token = "track";
    lesson.leave_token = "leave";
    lesson.base_url = "http://127.0.0.1:8080";
    lesson.created_at = zt::TimePoint{};
    auto id = store.insert_lesson(lesson);
    zt::AuditEntry entry{0, zt::TimePoint{}, "zoomtrack", "click", "transition", "created",
                         "active start=2026-11-25T09:00:00Z", "student opened the tracking link"};

    zt::AuditRow row{1, id, std::nullopt, "2026-11-25T09:00:00Z", "zoomtrack", "click", "transition", "created",
                     "active start=2026-11-25T09:00:00Z", "student opened the tracking link", ""};
    std::string previous(64, '0');
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rows; ++i) previous = zt::audit_hash(previous, row);
    std::printf("audit_hash alone: %.2f us per row\n", us_per(std::chrono::steady_clock::now() - start, rows));

    // Baseline: a row of about the same size into a table with no chain (end_signals), in the
    // same rounds, so that machine noise hits both alike.
    zt::EndSignal signal{0, zt::EndSource::leave_url, zt::TimePoint{}, zt::TimePoint{}, false,
                         "teacher pressed \"End the lesson now\" on the checkout page"};
    long long trail = 0;
    for (int round = 0; round < 5; ++round) {
      start = std::chrono::steady_clock::now();
      store.write([&] {
        for (int i = 0; i < rows; ++i) store.insert_end_signal(id, signal);
      });
      auto plain = us_per(std::chrono::steady_clock::now() - start, rows);
      start = std::chrono::steady_clock::now();
      store.write([&] {
        for (int i = 0; i < rows; ++i) store.insert_audit(id, entry);
      });
      std::printf("trail of %7lld rows: chained audit row %.2f us, plain row %.2f us (no fsync counted)\n", trail,
                  us_per(std::chrono::steady_clock::now() - start, rows), plain);
      trail += rows;
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
