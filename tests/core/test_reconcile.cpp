#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"
#include "core/services/reconcile.hpp"
#include "support/harness.hpp"
#include "support/service_on_disk.hpp"
#include "support/clicks.hpp"

using namespace zt;
using namespace std::chrono_literals;

namespace {

struct Fixture : test::ServiceOnDisk {

  Lesson create(const std::string& url = "https://zoom.us/j/86431910364", std::optional<TimePoint> expires = {}) {
    NewLesson n;
    n.teacher = "t1";
    n.student = "s1";
    n.zoom_url = url;
    n.teacher_name = "Abebe T";
    n.expires_at = expires;
    return service.create_lessons({n}).front().lesson;
  }
  void click(const Lesson& l) { service.record_click(l.track_token, zt::test::person_click()); }
  ReconcileResult run(bool dry_run = false, ZoomApi* api = nullptr) {
    ReconcileOptions o;
    o.dry_run = dry_run;
    o.zoom_api = api;
    return reconcile(service, o);
  }
  int64_t audit_rows() {
    SQLite::Database db(store.path());
    return db.execAndGet("SELECT COUNT(*) FROM audit").getInt64();
  }
};

// Zoom's records for one meeting, in memory: enough for the rules; the HTTP client is tested
// end to end against a fake Zoom server.
class ScriptedZoom final : public ZoomApi {
 public:
  std::vector<ZoomMeetingInstance> instances;
  ZoomPastMeeting meeting{"inst-1", "HOST1"};
  std::vector<ZoomParticipant> records;
  std::optional<ZoomFailure> failure;
  int calls = 0;

  std::vector<ZoomMeetingInstance> past_instances(const std::string&) override {
    ++calls;
    if (failure) throw ZoomApiError(*failure, "scripted failure");
    return instances;
  }
  ZoomPastMeeting past_meeting(const std::string&) override { return meeting; }
  std::vector<ZoomParticipant> participants(const std::string&) override { return records; }
};

}  // namespace

TEST_CASE("reconcile finalises, flags stale lessons for review and expires unclicked links", "[core][reconcile]") {
  Fixture f;
  auto ended = f.create("https://zoom.us/j/111111111");
  auto stale = f.create("https://zoom.us/j/222222222");
  auto unclicked = f.create("https://zoom.us/j/333333333", f.clock.now() + 1h);
  auto fresh = f.create("https://zoom.us/j/444444444");
  f.click(ended);
  f.click(stale);
  f.clock.advance(50min);
  f.service.record_leave(ended.leave_token);
  f.clock.advance(3h);
  f.click(fresh);
  f.clock.advance(11min);  // stale started 4h01m ago; ended left 3h11m ago; fresh started 11 min ago

  auto result = f.run();
  REQUIRE(result.changes.size() == 3);
  CHECK(describe(result.changes[0]) == "lesson " + std::to_string(ended.id) +
                                           ": ended -> final (grace period over); end 2026-11-25T09:50:00Z from leave_url");
  CHECK(result.changes[1].to == LessonStatus::needs_review);
  CHECK(result.changes[1].reason == "no end signal 4h after the start");
  CHECK_FALSE(result.changes[1].ended_at);  // never invents an end
  CHECK(result.changes[2].to == LessonStatus::expired);
  CHECK(f.service.get(ended.id).status == LessonStatus::final);
  CHECK(f.service.get(stale.id).status == LessonStatus::needs_review);
  CHECK(f.service.get(unclicked.id).status == LessonStatus::expired);
  CHECK(f.service.get(fresh.id).status == LessonStatus::active);
  auto audit = f.service.detail(stale.id).audit;
  CHECK(audit.back().source == "reconcile");
  CHECK(audit.back().reason == "no end signal 4h after the start");

  auto audited = f.audit_rows();
  CHECK(f.run().changes.empty());  // idempotent
  CHECK(f.audit_rows() == audited);
}

TEST_CASE("a dry run plans exactly what a real run then does and writes nothing", "[core][reconcile]") {
  Fixture f;
  auto a = f.create("https://zoom.us/j/111111111");
  auto b = f.create("https://zoom.us/j/222222222");
  f.click(a);
  f.click(b);
  f.clock.advance(40min);
  f.service.record_leave(a.leave_token);
  f.clock.advance(5h);
  auto audited = f.audit_rows();
  auto plan = f.run(true);
  CHECK(plan.dry_run);
  CHECK(f.audit_rows() == audited);
  CHECK(f.service.get(a.id).status == LessonStatus::ended);
  auto done = f.run(false);
  REQUIRE(plan.changes.size() == done.changes.size());
  for (size_t i = 0; i < plan.changes.size(); ++i) CHECK(describe(plan.changes[i]) == describe(done.changes[i]));
  nlohmann::json j = done;
  CHECK(j["dry_run"] == false);
  CHECK(j["summary"]["changes"] == 2);
  CHECK(j["summary"]["final"] == 1);
  CHECK(j["summary"]["needs_review"] == 1);
  CHECK(j["changes"][1]["ended_at"].is_null());
  CHECK(j["changes"][0]["end_source"] == "leave_url");
}

TEST_CASE("Zoom's participant records give a lesson with no end a zoom_api end", "[core][reconcile]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson);
  f.clock.advance(5h);
  ScriptedZoom zoom;
  zoom.instances = {{"inst-0", *parse_utc("2026-11-24T09:00:00Z")}, {"inst-1", *parse_utc("2026-11-25T08:58:00Z")}};
  zoom.records = {
      {"HOST1", "u1", "Abebe T", "", parse_utc("2026-11-25T08:58:00Z"), parse_utc("2026-11-25T09:30:00Z")},
      {"HOST1", "u2", "Abebe T", "", parse_utc("2026-11-25T09:33:00Z"), parse_utc("2026-11-25T09:55:00Z")},
      {"", "u3", "Hana", "", parse_utc("2026-11-25T09:00:00Z"), parse_utc("2026-11-25T10:05:00Z")},
  };
  auto plan = f.run(true, &zoom);
  REQUIRE(plan.changes.size() == 1);
  CHECK(plan.changes[0].end_source == EndSource::zoom_api);
  CHECK(f.service.detail(lesson.id).segments.empty());  // the dry run stored nothing

  auto result = f.run(false, &zoom);
  REQUIRE(result.changes.size() == 1);
  CHECK(result.changes[0].from == LessonStatus::active);
  CHECK(result.changes[0].to == LessonStatus::final);
  CHECK(format_utc(result.changes[0].ended_at) == "2026-11-25T09:55:00Z");  // the rejoin continued it
  CHECK(result.changes[0].reason == "end from Zoom's participant records");
  auto detail = f.service.detail(lesson.id);
  CHECK(detail.segments.size() == 3);
  CHECK(detail.audit.back().source == "zoom_api");

  zoom.calls = 0;
  CHECK(f.run(false, &zoom).changes.empty());
  CHECK(zoom.calls == 0);  // a zoom_api end is trusted: not asked again
}

TEST_CASE("a meeting Zoom does not know is reported and the lesson left for review", "[core][reconcile]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson);
  f.clock.advance(5h);
  ScriptedZoom zoom;
  zoom.failure = ZoomFailure::not_found;
  auto result = f.run(false, &zoom);
  REQUIRE(result.problems.size() == 1);
  CHECK(result.problems[0].lesson_id == lesson.id);
  CHECK_FALSE(result.zoom_api_stopped);
  REQUIRE(result.changes.size() == 1);
  CHECK(result.changes[0].to == LessonStatus::needs_review);

  SECTION("a network failure stops asking Zoom but not the rest of reconcile") {
    auto other = f.create("https://zoom.us/j/555555555");
    f.click(other);
    zoom.failure = ZoomFailure::network;
    zoom.calls = 0;
    auto stopped = f.run(false, &zoom);
    CHECK(stopped.zoom_api_stopped);
    CHECK(zoom.calls == 1);
    CHECK(f.service.get(other.id).status == LessonStatus::active);
  }
}

TEST_CASE("meeting uuids that begin with a slash or hold a double slash are encoded twice", "[core][zoom_api]") {
  CHECK(zoom_meeting_path_segment("86431910364") == "86431910364");
  CHECK(zoom_meeting_path_segment("4444AAAiAAAAAiAiAiiAii==") == "4444AAAiAAAAAiAiAiiAii%3D%3D");
  CHECK(zoom_meeting_path_segment("aB+c/d==") == "aB%2Bc%2Fd%3D%3D");
  CHECK(zoom_meeting_path_segment("/ajXp112QmuoKj4854875==") == "%252FajXp112QmuoKj4854875%253D%253D");
  CHECK(zoom_meeting_path_segment("ab//cd") == "ab%252F%252Fcd");
}

TEST_CASE("the instance a lesson was held in is the latest one started by shortly after its start", "[core][zoom_api]") {
  auto at = [](const char* t) { return *parse_utc(t); };
  std::vector<ZoomMeetingInstance> instances{{"mon", at("2026-11-23T09:00:00Z")},
                                             {"tue", at("2026-11-24T09:00:00Z")},
                                             {"tue-late", at("2026-11-24T11:00:00Z")}};
  CHECK(instance_for_lesson(instances, at("2026-11-24T09:05:00Z"))->uuid == "tue");
  CHECK(instance_for_lesson(instances, at("2026-11-24T08:50:00Z"))->uuid == "tue");  // teacher started late
  CHECK(instance_for_lesson(instances, at("2026-11-24T10:00:00Z"))->uuid == "tue");  // two lessons, one instance
  CHECK(instance_for_lesson(instances, at("2026-11-22T09:00:00Z"))->uuid == "mon");
  CHECK_FALSE(instance_for_lesson({}, at("2026-11-24T09:00:00Z")));
}

TEST_CASE("a manual end over a webhook end needs force and is audited either way", "[core][corrections]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson);
  Segment host{"webhook", "uuid-1", "conn-1", "HOST1", "HOST1", "", "Abebe T",
               parse_utc("2026-11-25T08:59:00Z"), {}, "", false};
  Segment left = host;
  left.leave_time = parse_utc("2026-11-25T09:45:00Z");
  f.clock.advance(50min);
  f.store.write([&] {
    f.store.record_segment(lesson.meeting_id, host);
    f.store.record_segment(lesson.meeting_id, left);
    f.service.refresh(f.service.get(lesson.id), {"webhook", "teacher left"});
  });
  REQUIRE(f.service.get(lesson.id).end_source == EndSource::webhook);
  try {
    f.service.end_manually(lesson.id, *parse_utc("2026-11-25T09:40:00Z"), "phoned", "alice", false);
    FAIL("a manual end overrode a webhook end without --force");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::conflict);
    CHECK(e.hint().find("--force") != std::string::npos);
  }
  CHECK(f.service.get(lesson.id).ended_at == parse_utc("2026-11-25T09:45:00Z"));
  auto forced = f.service.end_manually(lesson.id, *parse_utc("2026-11-25T09:40:00Z"), "phoned", "alice", true);
  CHECK(forced.end_source == EndSource::manual);
  CHECK(forced.duration_s() == 40 * 60);
  auto audit = f.service.detail(lesson.id).audit;
  auto manual = std::find_if(audit.begin(), audit.end(), [](auto& a) { return a.action == "end"; });
  REQUIRE(manual != audit.end());
  CHECK(manual->who == "alice");
  CHECK(manual->old_value == "2026-11-25T09:45:00Z");
  CHECK(manual->new_value == "2026-11-25T09:40:00Z");
  CHECK(manual->reason == "phoned");
}
