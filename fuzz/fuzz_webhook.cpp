// libFuzzer target: a webhook body from parse to apply, against a temporary SQLite database.
// The input is one or more bodies separated by "\n@@\n" (at most 8); each is signed here, so
// the signature check passes and the fuzzer reaches the parser, the store and the lesson rules.
// Every input starts from the same small database (copied from a template), so a finding
// reproduces from its input alone.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/util/error.hpp"
#include "core/services/lesson_service.hpp"
#include "core/services/webhook.hpp"

namespace {

namespace fs = std::filesystem;
const std::string secret = "fuzz-secret";

struct Paths {
  fs::path dir;
  fs::path template_db;
  fs::path work_db;
};

zt::TimePoint at(const char* text) { return *zt::parse_utc(text); }

// Lessons on the fixtures' meetings, clicked around the fixtures' times (2022-03-23).
void build_template(const fs::path& path) {
  zt::Store store(path.string());
  zt::FixedClock clock(at("2022-03-23T11:00:00Z"));
  zt::LessonService service(store, clock, zt::ServiceOptions{});
  std::vector<zt::NewLesson> rows;
  for (const char* meeting : {"86431910364", "86431910364", "1234567890", "55555555555"}) {
    zt::NewLesson n;
    n.teacher = "t";
    n.teacher_name = "Jan Šimonek";
    n.teacher_zoom_email = "teacher@example.com";
    n.student = "s";
    n.zoom_url = std::string("https://zoom.us/j/") + meeting;
    rows.push_back(n);
  }
  std::vector<zt::Lesson> lessons;
  for (auto& created : service.create_lessons(rows, {.allow_duplicate = true})) lessons.push_back(created.lesson);
  const char* clicks[] = {"2022-03-23T12:00:00Z", "2022-03-23T12:40:00Z", "2022-03-23T12:05:00Z",
                          "2022-03-23T12:10:00Z"};
  for (size_t i = 0; i < lessons.size(); ++i) {
    clock.set(at(clicks[i]));
    service.record_click(lessons[i].track_token, {false, false, "Mozilla/5.0", "203.0.113.5"});
  }
}

const Paths& paths() {
  static const Paths p = [] {
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    Paths made{base / ("zoomtrack-fuzz-" + std::to_string(::getpid())), {}, {}};
    fs::create_directories(made.dir);
    made.template_db = made.dir / "template.db";
    made.work_db = made.dir / "work.db";
    build_template(made.template_db);
    std::atexit([] { std::error_code ignored; fs::remove_all(paths().dir, ignored); });
    return made;
  }();
  return p;
}

void fresh_database() {
  const auto& p = paths();
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(p.work_db.string() + suffix, ignored);
  fs::copy_file(p.template_db, p.work_db);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fresh_database();
  zt::Store store(paths().work_db.string());
  zt::FixedClock clock(at("2022-03-23T13:00:00Z"));
  zt::LessonService service(store, clock, zt::ServiceOptions{});
  zt::WebhookIngest ingest(service, zt::WebhookOptions{secret, std::chrono::seconds{7200}});
  auto timestamp = std::to_string(clock.now().time_since_epoch().count());

  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int n = 0; n < 8 && !input.empty(); ++n) {
    auto cut = input.find("\n@@\n");
    auto body = input.substr(0, cut);
    input = cut == std::string_view::npos ? std::string_view() : input.substr(cut + 4);
    try {
      auto result = ingest.receive({body, timestamp, zt::zoom_signature(secret, timestamp, body)});
      if (result.event_id) ingest.apply_stored_event(*result.event_id);
    } catch (const zt::Error& e) {
      // Refusals (400, 409 for a duplicate re-apply, ...) are answers, not findings.
    }
    clock.advance(std::chrono::seconds{60});
  }
  return 0;
}
