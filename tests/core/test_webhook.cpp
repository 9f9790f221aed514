#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "core/services/click_spool.hpp"
#include "core/util/error.hpp"
#include "core/services/webhook.hpp"
#include "support/error_code.hpp"
#include "support/harness.hpp"
#include "support/service_on_disk.hpp"
#include "support/clicks.hpp"

using namespace zt;
using test::code_of;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string secret = "test-secret-ኢትዮጵያ";
const std::string meeting = "86431910364";

TimePoint at(const char* text) { return *parse_utc(text); }

struct Fixture : test::ServiceOnDisk {
  Fixture() : ServiceOnDisk("2026-11-25T08:50:00Z") {}
  WebhookIngest ingest{service, WebhookOptions{secret, 7200s}};

  Lesson create(const std::string& teacher_name = "", const std::string& id = meeting,
                const std::string& teacher_email = "") {
    NewLesson n;
    n.teacher = "t.abebe";
    n.teacher_name = teacher_name;
    n.teacher_zoom_email = teacher_email;
    n.student = "s.hana";
    n.zoom_url = "https://zoom.us/j/" + id + "?pwd=x";
    return service.create_lessons({n}, {.allow_duplicate = true}).front().lesson;
  }
  Lesson click(const Lesson& lesson, TimePoint when) {
    clock.set(when);
    return service.record_click(lesson.track_token, zt::test::person_click()).lesson;
  }
  WebhookResult post(const std::string& body) {
    auto ts = std::to_string(clock.now().time_since_epoch().count());
    return ingest.receive({body, ts, zoom_signature(secret, ts, body)});
  }
  WebhookResult send(const std::string& event, const char* when, bool host, const std::string& connection = "",
                     const std::string& reason = "", const std::string& id = meeting) {
    ZoomEventSpec spec;
    spec.event = event;
    spec.meeting_id = id;
    spec.at = at(when);
    spec.host = host;
    spec.connection_id = connection;
    spec.leave_reason = reason;
    return post(build_zoom_event(spec));
  }
  // Delivered two seconds after it happened: the clock moves there first.
  WebhookResult live(const std::string& event, const char* when, bool host, const std::string& connection = "",
                     const std::string& reason = "") {
    clock.set(at(when) + 2s);
    return send(event, when, host, connection, reason);
  }
  int64_t rows(const char* table) {
    SQLite::Database db(store.path());
    return db.execAndGet(std::string("SELECT COUNT(*) FROM ") + table).getInt64();
  }
};

// One meeting, as Zoom may deliver it: the teacher joins before the click, drops out and rejoins
// within the grace period, a student comes and goes, and the meeting ends.
std::vector<ZoomEventSpec> meeting_events() {
  auto spec = [](const char* event, const char* when, bool host, const char* connection) {
    ZoomEventSpec s;
    s.event = event;
    s.meeting_id = meeting;
    s.at = at(when);
    s.host = host;
    s.connection_id = connection;
    return s;
  };
  return {spec("meeting.started", "2026-11-25T08:58:00Z", true, ""),
          spec("meeting.participant_joined", "2026-11-25T08:58:00Z", true, "100"),
          spec("meeting.participant_joined", "2026-11-25T09:00:30Z", false, "200"),
          spec("meeting.participant_left", "2026-11-25T09:30:00Z", true, "100"),
          spec("meeting.participant_joined", "2026-11-25T09:33:00Z", true, "101"),
          spec("meeting.participant_left", "2026-11-25T09:58:00Z", false, "200"),
          spec("meeting.participant_left", "2026-11-25T10:01:00Z", true, "101"),
          spec("meeting.ended", "2026-11-25T10:01:05Z", true, "")};
}

// Zoom delivers after the fact: the first `before_click` events just after they happened and
// before the student's click at 09:00, every other one at 10:05, after the meeting ended.
LessonState run_meeting(const std::vector<ZoomEventSpec>& events, size_t before_click, int copies = 1) {
  Fixture f;
  auto lesson = f.create();
  f.clock.set(at("2026-11-25T08:58:10Z"));
  for (size_t i = 0; i < before_click; ++i) f.post(build_zoom_event(events[i]));
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  f.clock.set(at("2026-11-25T10:05:00Z"));
  for (int copy = 0; copy < copies; ++copy) {
    for (size_t i = before_click; i < events.size(); ++i) f.post(build_zoom_event(events[i]));
  }
  return state_of(f.service.get(lesson.id));
}

// Every delivery stored before the click: the student's click at 09:00 could not be written and
// waited in the click spool, replayed at 10:05 after the whole meeting had been delivered.
LessonState run_meeting_click_spooled(const std::vector<ZoomEventSpec>& events) {
  Fixture f;
  auto lesson = f.create();
  f.clock.set(at("2026-11-25T09:00:00Z"));
  ClickSpool(spool_path_for(f.store))
      .append({"spooled-1", lesson.track_token, Click{0, f.clock.now(), "203.0.113.5", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "real", "GET"}});
  f.clock.set(at("2026-11-25T10:05:00Z"));
  for (const auto& event : events) f.post(build_zoom_event(event));
  CHECK(f.service.get(lesson.id).status == LessonStatus::created);
  CHECK(f.service.replay_spool().stored == 1);
  return state_of(f.service.get(lesson.id));
}

}  // namespace

TEST_CASE("the signature vector from a real delivery verifies over its exact bytes", "[core][webhook]") {
  auto body = test::fixture("zoom/url_validation.signed.json");
  const HmacSha256 key("4fv1RkqGQUq5sWbEz6hA5A");
  const std::string signature = "v0=93a1a675965ceb9c5a50c5dfb31f20e50f763be37a54ef74cd2d16a1a8e5c0d6";
  TimePoint sent{1720705455s};
  CHECK(zoom_signature(key, "1720705455", body) == signature);
  CHECK_NOTHROW(verify_zoom_signature(key, "1720705455", signature, body, sent + 3s));

  SECTION("one byte changed after signing") {
    auto altered = body;
    altered[altered.size() / 2] ^= 0x01;
    CHECK(code_of([&] { verify_zoom_signature(key, "1720705455", signature, altered, sent); }) ==
          ErrorCode::unauthorized);
    CHECK(code_of([&] { verify_zoom_signature(key, "1720705455", signature, body + "\n", sent); }) ==
          ErrorCode::unauthorized);
  }
  SECTION("another secret, timestamp or signature") {
    CHECK_THROWS_AS(verify_zoom_signature(HmacSha256("wrong"), "1720705455", signature, body, sent), Error);
    CHECK_THROWS_AS(verify_zoom_signature(key, "1720705456", signature, body, sent), Error);
    CHECK_THROWS_AS(verify_zoom_signature(key, "1720705455", "", body, sent), Error);
    CHECK_THROWS_AS(verify_zoom_signature(key, "", signature, body, sent), Error);
    CHECK_THROWS_AS(verify_zoom_signature(key, "1720705455", signature.substr(3), body, sent), Error);
  }
  SECTION("the timestamp window: five minutes ahead, max age behind") {
    CHECK_NOTHROW(verify_zoom_signature(key, "1720705455", signature, body, sent - 300s));
    CHECK_THROWS_WITH(verify_zoom_signature(key, "1720705455", signature, body, sent - 301s),
                      Catch::Contains("future"));
    CHECK_NOTHROW(verify_zoom_signature(key, "1720705455", signature, body, sent + 7200s));
    CHECK_THROWS_WITH(verify_zoom_signature(key, "1720705455", signature, body, sent + 7201s),
                      Catch::Contains("too old"));
    CHECK_NOTHROW(verify_zoom_signature(key, "1720705455", signature, body, sent + 9000s, 3h));
  }
}

TEST_CASE("url_validation answers match Zoom's published vectors", "[core][webhook]") {
  CHECK(url_validation_answer(zt::HmacSha256("4fv1RkqGQUq5sWbEz6hA5A"), "xys8n8PGS7mAU0m5-YJjRA")["encryptedToken"] ==
        "2fffc6a967dde4f68024025a5bd991c5ae1e5313b4e6365be4883e3e81d479b3");
  auto answer = url_validation_answer(zt::HmacSha256("secretValueTest"), "qgg8vlvZRS6UYooatFL8Aw");
  CHECK(answer["plainToken"] == "qgg8vlvZRS6UYooatFL8Aw");
  CHECK(answer["encryptedToken"] == "70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff");
}

TEST_CASE("refused deliveries store nothing", "[core][webhook]") {
  Fixture f;
  auto body = build_zoom_event({"meeting.ended", meeting, f.clock.now(), true, "", "", "", "", "", ""});
  auto ts = std::to_string(f.clock.now().time_since_epoch().count());
  CHECK(code_of([&] { f.ingest.receive({body, ts, zoom_signature("other", ts, body)}); }) == ErrorCode::unauthorized);
  CHECK(code_of([&] { f.post("{not json"); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.post("[1,2]"); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.post(std::string(max_webhook_body + 1, ' ')); }) == ErrorCode::too_large);
  auto deep = std::string(200000, '[') + std::string(200000, ']');
  CHECK(code_of([&] { f.post(R"({"event":"endpoint.url_validation","payload":{"plainToken":"a","x":)" + deep + "}}"); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.post(R"({"event":"meeting.participant_left","payload":)" + deep + "}"); }) ==
        ErrorCode::invalid_argument);
  WebhookIngest unconfigured(f.service, WebhookOptions{"", 7200s});
  CHECK(code_of([&] { unconfigured.receive({body, ts, zoom_signature("", ts, body)}); }) == ErrorCode::unavailable);
  CHECK(f.rows("webhook_events") == 0);
}

TEST_CASE("the real meeting's deliveries end its lesson at the host's leave", "[core][webhook]") {
  Fixture f;
  f.clock.set(at("2022-03-23T12:30:00Z"));
  auto lesson = f.create();
  f.click(lesson, at("2022-03-23T12:33:00Z"));
  f.clock.set(at("2022-03-23T12:34:00Z"));
  std::vector<std::string> outcomes;
  // In the order Zoom delivered them: meeting.ended before the host's participant_left.
  for (const char* file : {"real-1-meeting.started.json", "real-2-participant_joined.host.json",
                           "real-3-meeting.ended.json", "real-4-participant_left.host.json"}) {
    outcomes.push_back(f.post(test::fixture(std::string("zoom/") + file)).outcome);
  }
  CHECK(outcomes == std::vector<std::string>{"ignored", "applied", "applied", "applied"});
  auto ended = f.service.get(lesson.id);
  CHECK(ended.status == LessonStatus::final);
  CHECK(ended.end_source == EndSource::webhook);
  CHECK(ended.ended_at == at("2022-03-23T12:33:39Z"));
  auto detail = f.service.detail(lesson.id);
  CHECK(detail.events.size() == 3);  // meeting.started concerns no lesson window
  REQUIRE(detail.segments.size() == 1);
  CHECK(detail.segments[0].is_host);
  CHECK(detail.segments[0].name == "Jan Šimonek");
}

TEST_CASE("the lesson comes out the same whatever the order, copies or click time", "[core][webhook]") {
  auto events = meeting_events();
  auto expected = run_meeting(events, 0);
  CHECK(expected.status == LessonStatus::final);
  CHECK(expected.started_at == at("2026-11-25T09:00:00Z"));
  CHECK(expected.ended_at == at("2026-11-25T10:01:00Z"));
  CHECK(expected.end_source == EndSource::webhook);

  SECTION("shuffled") {
    std::mt19937 random(20261125);
    for (int round = 0; round < 12; ++round) {
      auto shuffled = events;
      std::shuffle(shuffled.begin(), shuffled.end(), random);
      CHECK(run_meeting(shuffled, 0) == expected);
    }
  }
  SECTION("every delivery three times") { CHECK(run_meeting(events, 0, 3) == expected); }
  SECTION("the host joined before the student's click") { CHECK(run_meeting(events, 2) == expected); }
  SECTION("everything arrived before the click, which waited in the spool") {
    CHECK(run_meeting_click_spooled(events) == expected);
    std::mt19937 random(20261126);
    auto shuffled = events;
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    CHECK(run_meeting_click_spooled(shuffled) == expected);
  }
}

TEST_CASE("a redelivery is stored as a duplicate and applied once", "[core][webhook]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  auto body = build_zoom_event({"meeting.participant_left", meeting, at("2026-11-25T09:45:00Z"), true,
                                "", "", "", "", "100", ""});
  f.clock.set(at("2026-11-25T09:45:03Z"));  // delivered just after the leave
  CHECK(f.post(body).outcome == "applied");
  for (int i = 0; i < 4; ++i) {
    f.clock.advance(5min);  // Zoom's retries may carry a fresh timestamp
    auto again = f.post(body);
    CHECK(again.status == 200);
    CHECK(again.outcome == "duplicate");
  }
  CHECK(f.store.list_webhook_events("applied", false).size() == 1);
  CHECK(f.store.list_webhook_events("duplicate", false).size() == 4);
  CHECK(f.rows("segments") == 1);
  auto audit = f.service.detail(lesson.id).audit;
  CHECK(std::count_if(audit.begin(), audit.end(), [](auto& a) { return a.source == "webhook"; }) == 1);
}

TEST_CASE("an unknown meeting is unmatched, writes no segment and can be applied later", "[core][webhook]") {
  Fixture f;
  f.clock.set(at("2026-11-25T09:10:00Z"));
  auto result = f.send("meeting.participant_joined", "2026-11-25T09:05:00Z", true, "100");
  CHECK(result.status == 200);
  CHECK(result.outcome == "unmatched");
  CHECK(f.rows("segments") == 0);
  CHECK(f.send("meeting.ended", "2026-11-25T09:06:00Z", true).outcome == "unmatched");
  CHECK(f.rows("meeting_ends") == 0);

  auto lesson = f.create();
  f.click(lesson, at("2026-11-25T09:04:00Z"));
  CHECK(f.ingest.apply_stored_event(*result.event_id).outcome == "applied");
  CHECK(f.rows("segments") == 1);
  auto events = f.store.list_webhook_events("applied", false);
  REQUIRE(events.size() == 1);
  CHECK(events[0].lesson_id == lesson.id);
  CHECK(code_of([&] { f.ingest.apply_stored_event(999); }) == ErrorCode::not_found);
}

TEST_CASE("student comings and goings never end a lesson", "[core][webhook]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  f.clock.set(at("2026-11-25T09:50:00Z"));
  CHECK(f.send("meeting.participant_joined", "2026-11-25T09:00:10Z", false, "200").outcome == "ignored");
  auto left = f.send("meeting.participant_left", "2026-11-25T09:40:00Z", false, "200");
  CHECK(left.outcome == "ignored");
  CHECK(left.lesson_id == lesson.id);
  CHECK(f.service.get(lesson.id).status == LessonStatus::active);
  CHECK(f.service.detail(lesson.id).segments.size() == 1);  // kept for the record
}

TEST_CASE("a student's delivery after the grace period makes an ended lesson final", "[core][webhook]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  f.live("meeting.participant_left", "2026-11-25T09:40:00Z", true);
  CHECK(f.service.get(lesson.id).status == LessonStatus::ended);
  // Within the grace period a student's leave changes nothing the lesson reads...
  f.live("meeting.participant_left", "2026-11-25T09:45:00Z", false, "200");
  CHECK(f.service.get(lesson.id).status == LessonStatus::ended);
  // ...after it, time alone has made the end final, and any delivery near the lesson says so.
  auto late = f.live("meeting.participant_joined", "2026-11-25T09:51:00Z", false, "201");
  CHECK(late.outcome == "ignored");
  auto settled = f.service.get(lesson.id);
  CHECK(settled.status == LessonStatus::final);
  CHECK(settled.ended_at == at("2026-11-25T09:40:00Z"));
}

TEST_CASE("a leave that names no one ends the lesson when its join named the teacher", "[core][webhook]") {
  Fixture f;
  auto lesson = f.create("", meeting, "Abebe@school.example");
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  ZoomEventSpec join{"meeting.participant_joined", meeting, at("2026-11-25T09:01:00Z"), false, "", "", "Abebe",
                     "abebe@school.example", "400", ""};
  f.clock.set(at("2026-11-25T09:01:02Z"));
  CHECK(f.post(build_zoom_event(join)).outcome == "applied");
  // Zoom's leave for the same connection carries no email: the stored connection still does.
  ZoomEventSpec leave{"meeting.participant_left", meeting, at("2026-11-25T09:40:00Z"), false, "", "", "Guest",
                      "", "400", ""};
  f.clock.set(at("2026-11-25T09:40:02Z"));
  CHECK(f.post(build_zoom_event(leave)).outcome == "applied");
  auto ended = f.service.get(lesson.id);
  CHECK(ended.status == LessonStatus::ended);
  CHECK(ended.ended_at == at("2026-11-25T09:40:00Z"));
}

TEST_CASE("a teacher known only by display name ends the lesson", "[core][webhook]") {
  Fixture f;
  auto lesson = f.create("አበበ ከበደ");
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  ZoomEventSpec spec{"meeting.participant_left", meeting, at("2026-11-25T09:40:00Z"), false, "", "", "አበበ ከበደ",
                     "", "300", ""};
  f.clock.set(at("2026-11-25T09:40:02Z"));
  CHECK(f.post(build_zoom_event(spec)).outcome == "applied");
  CHECK(f.service.get(lesson.id).ended_at == at("2026-11-25T09:40:00Z"));
}

TEST_CASE("the host's rejoin within grace and breakout moves continue the lesson", "[core][webhook]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  f.clock.set(at("2026-11-25T09:25:00Z"));
  f.send("meeting.participant_joined", "2026-11-25T08:59:00Z", true, "100");
  f.send("meeting.participant_left", "2026-11-25T09:20:00Z", true, "100", "left the meeting. Reason : join breakout room");
  CHECK(f.service.get(lesson.id).status == LessonStatus::active);
  // From here each event is delivered two seconds after it happened, as Zoom does.
  f.live("meeting.participant_joined", "2026-11-25T09:40:00Z", true, "101");
  f.live("meeting.participant_left", "2026-11-25T09:50:00Z", true, "101", "got disconnected from the meeting. Reason : Client Close.");
  CHECK(f.service.get(lesson.id).ended_at == at("2026-11-25T09:50:00Z"));
  CHECK(f.service.get(lesson.id).status == LessonStatus::ended);
  f.live("meeting.participant_joined", "2026-11-25T09:55:00Z", true, "102");
  CHECK(f.service.get(lesson.id).status == LessonStatus::active);
  f.live("meeting.participant_left", "2026-11-25T10:05:00Z", true, "102");
  auto done = f.service.get(lesson.id);
  CHECK(done.ended_at == at("2026-11-25T10:05:00Z"));
  CHECK(done.end_source == EndSource::webhook);
}

TEST_CASE("back-to-back lessons on one meeting are never paid twice", "[core][webhook]") {
  Fixture f;
  auto first = f.create();
  auto second = f.create();
  f.clock.set(at("2026-11-25T08:59:00Z"));
  f.send("meeting.participant_joined", "2026-11-25T08:58:00Z", true, "100");
  f.click(first, at("2026-11-25T09:00:00Z"));
  f.click(second, at("2026-11-25T10:00:00Z"));
  f.clock.set(at("2026-11-25T11:00:30Z"));
  auto left = f.send("meeting.participant_left", "2026-11-25T11:00:00Z", true, "100");
  CHECK(left.lesson_id == second.id);
  f.send("meeting.ended", "2026-11-25T11:00:05Z", true);
  auto a = f.service.get(first.id);
  auto b = f.service.get(second.id);
  CHECK(a.end_source == EndSource::handover);
  CHECK(a.ended_at == b.started_at);
  CHECK(b.end_source == EndSource::webhook);
  CHECK(*a.duration_s() + *b.duration_s() == 2 * 3600);
}

TEST_CASE("a webhook end outranks the checkout URL and both stay on record", "[core][webhook]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  f.clock.set(at("2026-11-25T09:50:00Z"));
  CHECK(f.service.record_leave(lesson.leave_token).end_source == EndSource::leave_url);
  f.send("meeting.participant_left", "2026-11-25T09:48:00Z", true, "100");
  auto detail = f.service.detail(lesson.id);
  CHECK(detail.lesson.end_source == EndSource::webhook);
  CHECK(detail.lesson.ended_at == at("2026-11-25T09:48:00Z"));
  REQUIRE(detail.end_signals.size() == 1);
  CHECK(detail.end_signals[0].source == EndSource::leave_url);
  CHECK(detail.events.size() == 1);
}

TEST_CASE("event variants: numeric meeting ids, unused types and broken payloads", "[core][webhook]") {
  Fixture f;
  auto lesson = f.create();
  f.click(lesson, at("2026-11-25T09:00:00Z"));
  f.clock.set(at("2026-11-25T10:00:00Z"));
  auto numeric = f.post(R"({"event":"meeting.ended","event_ts":1795600800000,"payload":{"object":{"id":86431910364,)"
                        R"("uuid":"abc/def+ghi==","end_time":"2026-11-25T09:55:00Z"}}})");
  CHECK(numeric.outcome == "applied");
  CHECK(f.service.get(lesson.id).ended_at == at("2026-11-25T09:55:00Z"));
  CHECK(f.post(R"({"event":"recording.completed","payload":{"object":{"id":"86431910364"}}})").outcome == "ignored");
  auto broken = f.post(R"({"event":"meeting.participant_left","payload":{"object":{"id":"86431910364","uuid":"u"}}})");
  CHECK(broken.status == 200);
  CHECK(broken.outcome == "error");
  auto stored = f.store.list_webhook_events("error", false);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].detail.find("participant") != std::string::npos);
  CHECK(f.post(R"({"event":"meeting.ended","payload":{"object":{"id":"86 43","uuid":"u"}}})").outcome == "error");
}

TEST_CASE("webhook send builds the fixtures' shape, with the host or a guest", "[core][webhook]") {
  ZoomEventSpec spec{"meeting.participant_left", meeting, at("2026-11-25T09:00:00Z"), true, "", "안녕하세요 🚒", "",
                     "", "", ""};
  auto host = json::parse(build_zoom_event(spec));
  CHECK(host["event"] == "meeting.participant_left");
  CHECK(host["event_ts"] == 1795597200000);
  const auto& object = host["payload"]["object"];
  CHECK(object["id"] == meeting);
  CHECK(object["topic"] == "안녕하세요 🚒");
  CHECK(object["participant"]["id"] == object["host_id"]);
  CHECK(object["participant"]["leave_time"] == "2026-11-25T09:00:00Z");
  CHECK_FALSE(object["participant"]["leave_reason"].get<std::string>().empty());
  spec.host = false;
  auto guest = json::parse(build_zoom_event(spec));
  CHECK(guest["payload"]["object"]["participant"]["id"] == "");
  CHECK(guest["payload"]["object"]["participant"]["user_id"] != object["participant"]["user_id"]);
  CHECK(guest["payload"]["object"]["uuid"] == object["uuid"]);
  spec.event = "meeting.ended";
  auto end = json::parse(build_zoom_event(spec));
  CHECK(end["payload"]["object"]["end_time"] == "2026-11-25T09:00:00Z");
  CHECK_FALSE(end["payload"]["object"].contains("participant"));
  spec.event = "meeting.deleted";
  CHECK_THROWS_AS(build_zoom_event(spec), Error);
  spec.event = "meeting.ended";
  spec.meeting_id = "12ab";
  CHECK_THROWS_AS(build_zoom_event(spec), Error);
}

TEST_CASE("a stored body nested too deep is marked error on re-apply, not followed", "[core][webhook]") {
  Fixture f;
  // Stored by a build that did not bound depth: re-applying it must not crash either.
  WebhookEventRecord record;
  record.delivery_key = "deep";
  record.received_at = f.clock.now();
  record.event = "meeting.participant_left";
  record.meeting_id = meeting;
  record.outcome = "error";
  record.body = R"({"event":"meeting.participant_left","payload":)" + std::string(200000, '[') +
                std::string(200000, ']') + "}";
  f.store.write([&] { f.store.insert_webhook_event(record); });
  auto result = f.ingest.apply_stored_event(record.id);
  CHECK(result.outcome == "error");
  auto events = f.store.list_webhook_events("error", false);
  REQUIRE(events.size() == 1);
  CHECK(events[0].detail == "stored body nests deeper than 64 levels");
}
