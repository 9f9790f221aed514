// One synthetic school day (issue 22): four teachers, each on a personal meeting ID with five
// back-to-back booked lessons, twenty in all, with the field cases among them, paid under each
// pay basis. The figures are the ones README's "What gets paid" talks about.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>

#include "core/services/reconcile.hpp"
#include "core/services/report.hpp"
#include "core/services/webhook.hpp"
#include "support/harness.hpp"
#include "support/clicks.hpp"

using namespace zt;
using namespace std::chrono_literals;

namespace {

const std::string secret = "school-day-secret";
TimePoint at(const std::string& hh_mm) { return *parse_utc("2026-11-25T" + hh_mm + ":00Z"); }

struct SchoolDay {
  test::TempDir dir;
  Store store{dir.file("zt.db")};
  FixedClock clock{at("08:00")};
  LessonService service{store, clock, options()};
  WebhookIngest ingest{service, WebhookOptions{secret, 7200s}};
  std::map<std::string, Lesson> lessons;  // "T1 09:00" -> lesson
  // Everything that happens, applied in time order.
  std::multimap<TimePoint, std::function<void()>> timeline;
  int connections = 0;

  static ServiceOptions options() {
    ServiceOptions o{"https://lessons.example.org", default_grace, std::chrono::days{7}};
    o.pay_policy.no_show_after = 15min;
    return o;
  }

  static std::string meeting(int teacher) { return std::to_string(8640000000 + teacher); }

  SchoolDay() {
    std::vector<NewLesson> rows;
    std::vector<std::string> keys;
    for (int t = 1; t <= 4; ++t) {
      for (int h = 9; h <= 13; ++h) {
        NewLesson n;
        n.teacher = fmt::format("T{}", t);
        n.student = fmt::format("S{}{}", t, h);
        n.zoom_url = "https://zoom.us/j/" + meeting(t);
        n.scheduled_at = at(fmt::format("{:02}:00", h));
        n.length = 45min;
        rows.push_back(n);
        keys.push_back(fmt::format("T{} {:02}:00", t, h));
      }
    }
    auto created = service.create_lessons(rows);
    for (size_t i = 0; i < keys.size(); ++i) lessons[keys[i]] = created[i].lesson;
  }

  void connection(int teacher, bool host, const std::string& name, const std::string& join, const std::string& leave) {
    auto id = std::to_string(++connections);
    for (auto [event, when] : {std::pair{"meeting.participant_joined", join}, std::pair{"meeting.participant_left", leave}}) {
      ZoomEventSpec spec;
      spec.event = event;
      spec.meeting_id = meeting(teacher);
      spec.at = at(when);
      spec.host = host;
      spec.participant_name = name;
      spec.connection_id = id;
      timeline.emplace(spec.at, [this, spec] {
        auto body = build_zoom_event(spec);
        auto ts = std::to_string(clock.now().time_since_epoch().count());
        ingest.receive({body, ts, zoom_signature(secret, ts, body)});
      });
    }
  }
  void teacher_in(int teacher, const std::string& join, const std::string& leave) {
    connection(teacher, true, "Teacher", join, leave);
  }
  void student_in(int teacher, const std::string& lesson, const std::string& join, const std::string& leave,
                  bool tagged = true) {
    auto name = tagged ? "Student " + zoom_name_tag(lessons.at(fmt::format("T{} {}", teacher, lesson)).id) : "iPhone";
    connection(teacher, false, name, join, leave);
  }
  void click(int teacher, const std::string& lesson, const std::string& when) {
    auto token = lessons.at(fmt::format("T{} {}", teacher, lesson)).track_token;
    timeline.emplace(at(when), [this, token] { service.record_click(token, zt::test::person_click()); });
  }
  void checkout(int teacher, const std::string& lesson, const std::string& when) {
    auto token = lessons.at(fmt::format("T{} {}", teacher, lesson)).leave_token;
    timeline.emplace(at(when), [this, token] { service.record_leave(token); });
  }
  // An ordinary lesson: the teacher a little early, the student's click on time and in Zoom from a
  // minute later, both leaving at :45.
  void ordinary(int teacher, int hour) {
    auto h = [&](int minute) { return fmt::format("{:02}:{:02}", hour + (minute < 0 ? -1 : 0), (minute + 60) % 60); };
    teacher_in(teacher, h(-2), h(45));
    click(teacher, h(0), h(0));
    student_in(teacher, h(0), h(1), h(45));
  }

  void run() {
    for (auto& [when, happen] : timeline) {
      clock.set(when);
      happen();
    }
    clock.set(at("18:00"));
    reconcile(service, ReconcileOptions{});
  }

  // Paid minutes per lesson ("T1 09:00" -> minutes; -1 for a lesson not in the report).
  std::map<std::string, int64_t> paid(PayBasis basis) {
    ReportRequest request;
    request.policy = service.options().pay_policy;
    request.policy.basis = basis;
    auto report = build_report(store, request);
    auto& columns = report.table.columns;
    auto col = [&](const char* name) { return std::find(columns.begin(), columns.end(), name) - columns.begin(); };
    std::map<int64_t, int64_t> by_id;
    for (const auto& row : report.table.rows) {
      by_id[std::stoll(row[static_cast<size_t>(col("id"))])] =
          row[static_cast<size_t>(col("minutes"))].empty() ? -1 : std::stoll(row[static_cast<size_t>(col("minutes"))]);
    }
    std::map<std::string, int64_t> out;
    for (const auto& [key, lesson] : lessons) out[key] = by_id.count(lesson.id) ? by_id[lesson.id] : -1;
    return out;
  }
};

}  // namespace

TEST_CASE("a school day of twenty lessons with the field cases, paid under each basis", "[core][pay][day]") {
  SchoolDay day;
  // T1: both students join from a saved Zoom link (no click): one recognised by the tag, one not.
  day.teacher_in(1, "08:58", "09:48");
  day.student_in(1, "09:00", "09:03", "09:48");
  day.teacher_in(1, "09:59", "10:47");
  day.student_in(1, "10:00", "10:02", "10:47", false);
  // T2: 20 minutes late to a student who clicked on time and waited in Zoom; then 10 minutes late.
  day.click(2, "09:00", "09:00");
  day.student_in(2, "09:00", "09:00", "10:00");
  day.teacher_in(2, "09:20", "10:00");
  day.click(2, "10:00", "10:00");
  day.student_in(2, "10:00", "10:00", "10:45");
  day.teacher_in(2, "10:10", "10:45");
  // T3: the 09:00 student never comes (the teacher waits 31 minutes); the 10:00 one neither, but
  // the teacher gives up after 10 minutes, under no_show_after.
  day.teacher_in(3, "08:59", "09:30");
  day.teacher_in(3, "10:00", "10:10");
  // T4: a click ten minutes early; a student who leaves after 20 minutes; at 13:00, the day's
  // last, an accidental click with a checkout 3 minutes later and nobody in Zoom.
  day.click(4, "09:00", "08:50");
  day.student_in(4, "09:00", "08:50", "09:45");
  day.teacher_in(4, "09:00", "09:45");
  day.click(4, "10:00", "10:00");
  day.student_in(4, "10:00", "10:00", "10:20");
  day.teacher_in(4, "09:58", "10:44");
  day.click(4, "13:00", "13:00");
  day.checkout(4, "13:00", "13:03");
  for (int t = 1; t <= 4; ++t) {
    for (int h = 11; h <= 13; ++h) {
      if (t != 4 || h != 13) day.ordinary(t, h);
    }
  }
  day.run();

  CHECK(day.service.get(day.lessons["T1 09:00"].id).start_source == StartSource::zoom);
  CHECK(day.service.get(day.lessons["T1 10:00"].id).presence.kind == "unidentified");
  CHECK(day.service.get(day.lessons["T3 09:00"].id).status == LessonStatus::no_show);
  CHECK(day.service.get(day.lessons["T3 10:00"].id).status == LessonStatus::created);

  auto click = day.paid(PayBasis::click), teacher = day.paid(PayBasis::teacher),
       together = day.paid(PayBasis::together);
  std::string table = "lesson    click teacher together\n";
  int64_t sums[3] = {0, 0, 0};
  for (const auto& [key, lesson] : day.lessons) {
    table += fmt::format("{}  {:>5} {:>7} {:>8}\n", key, click[key], teacher[key], together[key]);
    int i = 0;
    for (auto* basis : {&click, &teacher, &together}) sums[i++] += std::max<int64_t>(0, (*basis)[key]);
  }
  table += fmt::format("TOTAL     {:>5} {:>7} {:>8}\n", sums[0], sums[1], sums[2]);
  INFO(table);
  CHECK(table ==
        "lesson    click teacher together\n"
        "T1 09:00     45      45       45\n"
        "T1 10:00     45      45       45\n"
        "T1 11:00     45      45       44\n"
        "T1 12:00     45      45       44\n"
        "T1 13:00     45      45       44\n"
        "T2 09:00     60      40       40\n"
        "T2 10:00     45      35       35\n"
        "T2 11:00     45      45       44\n"
        "T2 12:00     45      45       44\n"
        "T2 13:00     45      45       44\n"
        "T3 09:00     15      15       15\n"
        "T3 10:00     -1      -1       -1\n"
        "T3 11:00     45      45       44\n"
        "T3 12:00     45      45       44\n"
        "T3 13:00     45      45       44\n"
        "T4 09:00     55      45       45\n"
        "T4 10:00     44      44       20\n"
        "T4 11:00     45      45       44\n"
        "T4 12:00     45      45       44\n"
        "T4 13:00      3       3        3\n"
        "TOTAL       807     767      732\n");
  if (std::getenv("ZOOMTRACK_PRINT_SCHOOL_DAY")) WARN(table);
}
