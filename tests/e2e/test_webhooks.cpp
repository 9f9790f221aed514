#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "core/util/time.hpp"
#include "core/services/webhook.hpp"
#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;
using zt::TimePoint;
using namespace std::chrono_literals;

namespace {

const std::string secret = "e2e-webhook-secret-0123";
const std::string meeting = "86431910364";
const Env with_secret{{"ZOOMTRACK_WEBHOOK_SECRET", secret}};

std::string unix_now(std::chrono::seconds shift = 0s) {
  return std::to_string(zt::SystemClock().now().time_since_epoch().count() + shift.count());
}

httplib::Result post(const ServeProcess& serve, const std::string& body, const std::string& key = secret,
                     const std::string& ts = unix_now(), const std::string& path = "/webhooks/zoom") {
  auto client = serve.client();
  return client.Post(path.c_str(), {{"x-zm-request-timestamp", ts}, {"x-zm-signature", zt::zoom_signature(key, ts, body)}},
                     body, "application/json");
}

json create_link(const std::string& db, const std::string& id = meeting, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                                "--zoom-url", "https://zoom.us/j/" + id + "?pwd=Secret123", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_zoomtrack(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// The student's click; returns the lesson's start.
TimePoint click(const ServeProcess& serve, const std::string& db, const json& link) {
  auto res = serve.client().Get(("/t/" + link["track_token"].get<std::string>()).c_str(), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
  REQUIRE(res);
  REQUIRE(res->status == 302);
  return *zt::parse_utc(show_lesson(db, link["id"]).at("started_at").get<std::string>());
}

std::string event(const std::string& name, TimePoint at, bool host, const std::string& connection = "",
                  const std::string& reason = "", const std::string& id = meeting) {
  zt::ZoomEventSpec spec;
  spec.event = name;
  spec.meeting_id = id;
  spec.at = at;
  spec.host = host;
  spec.connection_id = connection;
  spec.leave_reason = reason;
  return zt::build_zoom_event(spec);
}

json events(const std::string& db, const std::string& status = "") {
  std::vector<std::string> args{"--db", db, "events", "list", "--json"};
  if (!status.empty()) args.insert(args.end(), {"--status", status});
  auto r = run_zoomtrack(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

RunResult send(const ServeProcess& serve, const std::string& db, std::vector<std::string> args,
               const Env& env = with_secret) {
  std::vector<std::string> all{"--db", db, "webhook", "send"};
  all.insert(all.end(), args.begin(), args.end());
  all.insert(all.end(), {"--to", serve.base_url() + "/webhooks/zoom"});
  return run_zoomtrack(all, env);
}

std::string iso(TimePoint t) { return zt::format_utc(t); }

struct HeldLesson {
  int64_t id;
  TimePoint start;
};

// A lesson whose student clicked `minutes_ago` minutes before now, written into the database as
// serve wrote it then: the webhooks that serve receives afterwards report what happened since,
// as Zoom delivers them, after the fact.
HeldLesson clicked_ago(const std::string& db, int minutes_ago, const std::string& id = meeting) {
  PastLessons past(db);
  auto start = minutes_from_now(-minutes_ago);
  auto lesson = past.held({"t.abebe", "s.hana", "https://zoom.us/j/" + id + "?pwd=Secret123", "", ""}, start);
  return {lesson, *zt::parse_utc(start)};
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

TEST_CASE("url_validation is answered with Zoom's published vector on both paths", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, {{"ZOOMTRACK_WEBHOOK_SECRET", "4fv1RkqGQUq5sWbEz6hA5A"}});
  auto body = fixture("zoom/url_validation.signed.json");
  for (const char* path : {"/webhooks/zoom", "/api/zoom/webhook"}) {
    INFO(path);
    auto res = post(serve, body, "4fv1RkqGQUq5sWbEz6hA5A", unix_now(), path);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    CHECK(json::parse(res->body) == json{{"plainToken", "xys8n8PGS7mAU0m5-YJjRA"},
                                         {"encryptedToken", "2fffc6a967dde4f68024025a5bd991c5ae1e5313b4e6365be4883e3e81d479b3"}});
  }
  CHECK(events(db).empty());  // a handshake, not an event
}

TEST_CASE("deliveries that do not verify are refused and nothing is stored", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  auto body = event("meeting.ended", zt::SystemClock().now(), true);
  auto client = serve.client();

  SECTION("401 for a wrong secret, a stale or future timestamp, an altered byte or missing headers") {
    auto altered = body;
    altered[altered.find("meeting.ended") + 2] = 'E';
    auto ts = unix_now();
    std::vector<httplib::Headers> cases{
        {{"x-zm-request-timestamp", ts}, {"x-zm-signature", zt::zoom_signature("wrong-secret", ts, body)}},
        {{"x-zm-request-timestamp", unix_now(-3h)}, {"x-zm-signature", zt::zoom_signature(secret, unix_now(-3h), body)}},
        {{"x-zm-request-timestamp", unix_now(10min)}, {"x-zm-signature", zt::zoom_signature(secret, unix_now(10min), body)}},
        {{"x-zm-request-timestamp", ts}, {"x-zm-signature", zt::zoom_signature(secret, ts, body)}},  // sent altered
        {{"x-zm-request-timestamp", ts}},
        {{"x-zm-request-timestamp", "soon"}, {"x-zm-signature", zt::zoom_signature(secret, "soon", body)}},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
      INFO("case " << i);
      auto res = client.Post("/webhooks/zoom", cases[i], i == 3 ? altered : body, "application/json");
      REQUIRE(res);
      CHECK(res->status == 401);
    }
    auto metrics = client.Get("/metrics");
    CHECK(metrics->body.find("zoomtrack_webhook_events_total{outcome=\"rejected\"} 6") != std::string::npos);
  }
  SECTION("400 for a signed body that is not JSON") {
    auto res = post(serve, "this is not json {");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find("not JSON") != std::string::npos);
  }
  SECTION("413 for a body over 1 MiB, just past the limit and far past it") {
    for (size_t size : {size_t(1024 * 1024 + 1), size_t(2 * 1024 * 1024)}) {
      INFO(size);
      auto big = "{\"event\":\"meeting.ended\",\"pad\":\"" + std::string(size - 34, 'x') + "\"}";
      REQUIRE(big.size() == size);
      auto res = post(serve, big);
      REQUIRE(res);
      CHECK(res->status == 413);
    }
  }
  CHECK(events(db).empty());
}

TEST_CASE("a body of exactly 1 MiB is still accepted", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  auto at_limit = "{\"event\":\"x\",\"pad\":\"" + std::string(1024 * 1024 - 22, 'x') + "\"}";
  REQUIRE(at_limit.size() == 1024 * 1024);
  CHECK(post(serve, at_limit)->status == 200);
  auto stored = events(db);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0]["outcome"] == "ignored");
}

TEST_CASE("without a secret the webhook route answers 503 and accepts nothing", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db);
  auto res = post(serve, event("meeting.ended", zt::SystemClock().now(), true), "");
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(res->body.find("webhook secret not configured") != std::string::npos);
  CHECK(serve.log().find("no webhook secret") != std::string::npos);
  CHECK(events(db).empty());
}

TEST_CASE("the real meeting's payloads, signed as sent, drive a lesson", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  auto link = create_link(db);
  int64_t id = link["id"];
  auto start = click(serve, db, link);
  const std::vector<std::string> files{"real-1-meeting.started.json", "real-2-participant_joined.host.json",
                                       "real-3-meeting.ended.json", "real-4-participant_left.host.json"};

  SECTION("times moved to this lesson: ended at the host's leave, final by meeting.ended") {
    for (const auto& file : files) {
      // The pretty-printed bytes with raw UTF-8 ("Šimonek") are what gets signed and sent.
      auto body = fixture("zoom/" + file);
      replace_all(body, "2022-03-23T12:33:26Z", iso(start + 60s));
      replace_all(body, "2022-03-23T12:33:39Z", iso(start + 73s));
      auto res = post(serve, body);
      REQUIRE(res);
      CHECK(res->status == 200);
    }
    auto lesson = show_lesson(db, id);
    CHECK(lesson["status"] == "final");
    CHECK(lesson["end_source"] == "webhook");
    CHECK(lesson["ended_at"] == iso(start + 73s));
    CHECK(lesson["duration_s"] == 73);
    CHECK(lesson["events"].size() == 3);
    REQUIRE(lesson["segments"].size() == 1);
    CHECK(lesson["segments"][0]["name"] == "Jan Šimonek");
    CHECK(lesson["segments"][0]["is_host"] == true);
    std::vector<std::string> outcomes;
    for (const auto& e : events(db)) outcomes.push_back(e["outcome"]);
    CHECK(outcomes == std::vector<std::string>{"ignored", "applied", "applied", "applied"});
  }
  SECTION("posted raw, their 2022 times touch no lesson but are kept") {
    for (const auto& file : files) CHECK(post(serve, fixture("zoom/" + file))->status == 200);
    auto lesson = show_lesson(db, id);
    CHECK(lesson["status"] == "active");
    CHECK(lesson["ended_at"].is_null());
    auto stored = events(db);
    REQUIRE(stored.size() == 4);
    CHECK(stored[1]["outcome"] == "applied");
    CHECK(stored[1]["meeting_id"] == meeting);
    CHECK(stored[1]["lesson_id"].is_null());
  }
}

TEST_CASE("a delivery repeated five times is applied once", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto lesson_held = clicked_ago(db, 60);
  ServeProcess serve(db, with_secret);
  auto start = lesson_held.start;
  write_file(dir.file("left.json"), event("meeting.participant_left", start + 40min, true, "100"));
  for (int i = 0; i < 5; ++i) {
    auto r = send(serve, db, {"--body-file", dir.file("left.json")});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(i == 0 ? "\"applied\"" : "\"duplicate\"") != std::string::npos);
  }
  CHECK(events(db, "applied").size() == 1);
  CHECK(events(db, "duplicate").size() == 4);
  auto lesson = show_lesson(db, lesson_held.id);
  CHECK(lesson["duration_s"] == 2400);
  CHECK(lesson["segments"].size() == 1);
}

TEST_CASE("shuffled deliveries of the same meeting give identical lessons", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  // Each meeting ended nine minutes ago; its deliveries arrive now, in three different orders.
  std::vector<HeldLesson> held;
  for (int order = 0; order < 3; ++order) held.push_back(clicked_ago(db, 70, std::to_string(86431910370 + order)));
  ServeProcess serve(db, with_secret);
  std::mt19937 random(7);
  std::vector<json> rows;
  for (int order = 0; order < 3; ++order) {
    auto id = std::to_string(86431910370 + order);
    auto s = held[order].start;
    std::vector<std::string> bodies{
        event("meeting.participant_joined", s - 2min, true, "100", "", id),
        event("meeting.participant_joined", s + 30s, false, "200", "", id),
        event("meeting.participant_left", s + 30min, true, "100", "got disconnected from the meeting. Reason : Client Close.", id),
        event("meeting.participant_joined", s + 33min, true, "101", "", id),
        event("meeting.participant_left", s + 58min, false, "200", "", id),
        event("meeting.participant_left", s + 61min, true, "101", "", id),
        event("meeting.ended", s + 61min + 5s, true, "", "", id)};
    if (order == 1) std::reverse(bodies.begin(), bodies.end());
    if (order == 2) std::shuffle(bodies.begin(), bodies.end(), random);
    for (const auto& body : bodies) {
      auto res = post(serve, body);
      REQUIRE(res);
      REQUIRE(res->status == 200);
      CHECK(res->body.find("\"error\"") == std::string::npos);
    }
    auto lesson = show_lesson(db, held[order].id);
    auto end = *zt::parse_utc(lesson["ended_at"].get<std::string>());
    rows.push_back({{"status", lesson["status"]}, {"end_source", lesson["end_source"]},
                    {"duration_s", lesson["duration_s"]}, {"end_after_start", (end - s).count()}});
  }
  CHECK(rows[0] == json{{"status", "final"}, {"end_source", "webhook"}, {"duration_s", 61 * 60}, {"end_after_start", 61 * 60}});
  CHECK(rows[1] == rows[0]);
  CHECK(rows[2] == rows[0]);
}

TEST_CASE("webhook send walks a lesson: guests, breakout moves and a rejoin within grace", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  // The lesson's last leave was a minute ago; the host's drop-out at s + 45 min (six minutes ago)
  // is still within the ten-minute grace period when it arrives, so the rejoin continues the lesson.
  auto held = clicked_ago(db, 51);
  ServeProcess serve(db, with_secret);
  int64_t id = held.id;
  auto s = held.start;
  auto sent = [&](std::vector<std::string> args) {
    auto r = send(serve, db, args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("HTTP 200\n") == 0);
    return r.out;
  };
  sent({"meeting.started", "--meeting", meeting, "--at", iso(s - 1min)});
  sent({"meeting.participant_joined", "--meeting", meeting, "--host", "--at", iso(s - 1min), "--connection-id", "1"});
  sent({"meeting.participant_joined", "--meeting", meeting, "--at", iso(s + 10s), "--participant-name", "Hana"});
  CHECK(sent({"meeting.participant_left", "--meeting", meeting, "--at", iso(s + 20min), "--participant-name", "Hana"})
            .find("ignored") != std::string::npos);
  CHECK(show_lesson(db, id)["status"] == "active");  // the student leaving ends nothing

  sent({"meeting.participant_left", "--meeting", meeting, "--host", "--at", iso(s + 25min), "--connection-id", "1",
        "--leave-reason", "left the meeting. Reason : join breakout room"});
  sent({"meeting.participant_joined", "--meeting", meeting, "--host", "--at", iso(s + 25min), "--connection-id", "2"});
  CHECK(show_lesson(db, id)["status"] == "active");  // the host moved into a breakout room

  sent({"meeting.participant_left", "--meeting", meeting, "--host", "--at", iso(s + 45min), "--connection-id", "2"});
  CHECK(show_lesson(db, id)["ended_at"] == iso(s + 45min));
  CHECK(show_lesson(db, id)["status"] == "ended");
  sent({"meeting.participant_joined", "--meeting", meeting, "--host", "--at", iso(s + 48min), "--connection-id", "3"});
  CHECK(show_lesson(db, id)["status"] == "active");  // back within the grace period: the same lesson
  sent({"meeting.participant_left", "--meeting", meeting, "--host", "--at", iso(s + 50min), "--connection-id", "3"});

  auto lesson = show_lesson(db, id);
  CHECK(lesson["status"] == "ended");
  CHECK(lesson["end_source"] == "webhook");
  CHECK(lesson["duration_s"] == 50 * 60);
  CHECK(lesson["segments"].size() == 4);
  CHECK(lesson["events"].size() == 8);  // meeting.started concerns no lesson
  auto text = run_zoomtrack({"--db", db, "sessions", "show", std::to_string(id)});
  CHECK(text.out.find("join breakout room") != std::string::npos);
  CHECK(text.out.find("meeting.participant_left applied") != std::string::npos);
}

TEST_CASE("an unknown meeting is stored as unmatched and answered 200", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  create_link(db);
  auto r = send(serve, db, {"meeting.participant_joined", "--meeting", "99999999999", "--host"});
  CHECK(r.exit_code == 3);  // Zoom got its 200; the operator is told nothing matched
  CHECK(r.out.find("HTTP 200") == 0);
  CHECK(r.out.find("unmatched") != std::string::npos);
  CHECK(r.err.find("matched no lesson: no lesson uses meeting 99999999999") != std::string::npos);
  auto stored = events(db, "unmatched");
  REQUIRE(stored.size() == 1);
  CHECK(stored[0]["meeting_id"] == "99999999999");
  CHECK(stored[0]["lesson_id"].is_null());
}

TEST_CASE("back-to-back lessons on one meeting end by handover and are never paid twice", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  // Two lessons an hour apart on the teacher's one meeting, the second ending fifteen minutes ago.
  auto first = clicked_ago(db, 120);
  ServeProcess serve(db, with_secret);
  auto s1 = first.start;
  REQUIRE(post(serve, event("meeting.participant_joined", s1 - 1min, true, "100"))->status == 200);
  auto second = clicked_ago(db, 60);
  auto s2 = second.start;
  REQUIRE(post(serve, event("meeting.participant_left", s2 + 45min, true, "100"))->status == 200);
  REQUIRE(post(serve, event("meeting.ended", s2 + 45min, true))->status == 200);
  auto a = show_lesson(db, first.id);
  auto b = show_lesson(db, second.id);
  CHECK(a["end_source"] == "handover");
  CHECK(a["ended_at"] == b["started_at"]);
  CHECK(b["end_source"] == "webhook");
  CHECK(b["status"] == "final");
  CHECK(a["duration_s"].get<int64_t>() + b["duration_s"].get<int64_t>() == (s2 + 45min - s1).count());
  CHECK(b["events"].size() == 2);
}

TEST_CASE("a webhook end outranks the checkout link, which stays on record", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  auto link = create_link(db);
  int64_t id = link["id"];
  auto s = click(serve, db, link);
  REQUIRE(serve.client().Post("/leave/" + link["leave_token"].get<std::string>(), "", "application/x-www-form-urlencoded")->status == 303);
  CHECK(show_lesson(db, id)["end_source"] == "leave_url");
  auto r = send(serve, db, {"meeting.participant_left", "--meeting", meeting, "--host", "--at", iso(s + 30s)});
  CHECK(r.exit_code == 0);
  auto lesson = show_lesson(db, id);
  CHECK(lesson["end_source"] == "webhook");
  CHECK(lesson["ended_at"] == iso(s + 30s));
  REQUIRE(lesson["end_signals"].size() == 1);
  CHECK(lesson["end_signals"][0]["source"] == "leave_url");
  CHECK(lesson["events"].size() == 1);
  auto report = run_zoomtrack({"--db", db, "report", "--csv"});
  CHECK(report.out.find(",webhook,ended,30,") != std::string::npos);
}

TEST_CASE("Amharic, Arabic, Korean and emoji, raw and escaped, verify and apply", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  // The teacher is not signed in to Zoom: only the display name identifies them.
  const std::string name = "አበበ مرحبا 안녕하세요 🚒🚒";
  auto link = create_link(db, meeting, {"--teacher-name", name});
  auto s = click(serve, db, link);
  std::string body = R"({"event":"meeting.participant_left","event_ts":1,"payload":{"account_id":"a","object":{)"
                     R"("id":"86431910364","uuid":"ሰላም/+==","host_id":"h","topic":"ሰላም — مرحبا — 안녕하세요 🚒 \uD83D\uDE92",)"
                     R"("type":2,"start_time":"2026-01-01T00:00:00Z","timezone":"","duration":60,"participant":{)"
                     R"("user_id":"777","user_name":"አበበ مرحبا 안녕하세요 🚒\uD83D\uDE92","id":"","participant_uuid":"p",)"
                     R"("leave_time":")" + iso(s + 5min) + R"(","leave_reason":"left the meeting. Reason : left the meeting","email":""}}}})";
  auto res = post(serve, body);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.find("applied") != std::string::npos);
  auto lesson = show_lesson(db, link["id"]);
  CHECK(lesson["ended_at"] == iso(s + 5min));
  REQUIRE(lesson["segments"].size() == 1);
  CHECK(lesson["segments"][0]["name"] == name);
  CHECK(lesson["segments"][0]["is_host"] == true);
  CHECK(lesson["segments"][0]["meeting_uuid"] == "ሰላም/+==");
}

TEST_CASE("webhook send says what went wrong with its exit code", "[e2e][webhook][cli]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  std::vector<std::string> ok{"meeting.started", "--meeting", meeting};

  auto wrong = send(serve, db, ok, {{"ZOOMTRACK_WEBHOOK_SECRET", "not-the-secret"}});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out.find("HTTP 401") == 0);
  CHECK(wrong.err.find("zoomtrack: error:") == 0);
  CHECK(wrong.err.find("not-the-secret") == std::string::npos);

  auto unreachable = run_zoomtrack({"--db", db, "webhook", "send", "meeting.started", "--meeting", meeting, "--to",
                                    "http://127.0.0.1:1/webhooks/zoom"}, with_secret);
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.find("cannot reach") != std::string::npos);

  CHECK(send(serve, db, {"meeting.deleted", "--meeting", meeting}).exit_code == 2);
  CHECK(send(serve, db, {"meeting.started"}).exit_code == 2);
  CHECK(send(serve, db, {"meeting.started", "--meeting", "12ab"}).exit_code == 2);
  CHECK(send(serve, db, {"meeting.started", "--meeting", meeting, "--at", "yesterday"}).exit_code == 2);
  auto no_secret = send(serve, db, ok, {});
  CHECK(no_secret.exit_code == 2);
  CHECK(no_secret.err.find("ZOOMTRACK_WEBHOOK_SECRET") != std::string::npos);

  write_file(dir.file("secret"), secret + "\n");
  auto from_file = send(serve, db, {"meeting.started", "--meeting", meeting, "--webhook-secret-file", dir.file("secret")}, {});
  CHECK(from_file.exit_code == 0);

  // Without --to it posts to the listen setting.
  auto by_listen = run_zoomtrack({"--db", db, "webhook", "send", "meeting.ended", "--meeting", meeting},
                                 {{"ZOOMTRACK_WEBHOOK_SECRET", secret}, {"ZOOMTRACK_LISTEN", "0.0.0.0:" + std::to_string(serve.port())}});
  INFO(by_listen.err);
  CHECK(by_listen.exit_code == 3);  // delivered, but no lesson uses that meeting
  CHECK(by_listen.out.find("HTTP 200\n{") == 0);
  CHECK(events(db).size() == 2);
}

TEST_CASE("events list shows stored events and filters by outcome", "[e2e][webhook][cli]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto held = clicked_ago(db, 30);
  ServeProcess serve(db, with_secret);
  auto s = held.start;
  REQUIRE(post(serve, event("meeting.participant_left", s + 10min, true, "1"))->status == 200);
  REQUIRE(post(serve, event("meeting.participant_left", s + 10min, true, "1", "", "11111111111"))->status == 200);

  auto table = run_zoomtrack({"--db", db, "events", "list"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("id  received_at") == 0);
  CHECK(table.out.find("meeting.participant_left  86431910364  applied") != std::string::npos);
  CHECK(table.out.find("unmatched") != std::string::npos);

  auto all = events(db);
  REQUIRE(all.size() == 2);
  for (const char* key : {"id", "received_at", "event", "meeting_id", "outcome", "lesson_id", "detail"}) {
    CHECK(all[0].contains(key));
  }
  CHECK(all[0]["lesson_id"] == held.id);
  auto applied = events(db, "applied");
  REQUIRE(applied.size() == 1);
  CHECK(applied[0]["meeting_id"] == meeting);
  CHECK(events(db, "error").empty());
  // unmatched, received and error are read through their own index; the query must still find them.
  auto unmatched = events(db, "unmatched");
  REQUIRE(unmatched.size() == 1);
  CHECK(unmatched[0]["meeting_id"] == "11111111111");
  auto bad = run_zoomtrack({"--db", db, "events", "list", "--status", "bogus"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("bogus not in {received,applied,unmatched,ignored,duplicate,error}") != std::string::npos);
}

TEST_CASE("a leave dated ten minutes ahead of serve's clock is stored as an error and ends nothing", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto held = clicked_ago(db, 30);
  ServeProcess serve(db, with_secret);
  auto ahead = zt::SystemClock().now() + 10min;
  auto res = post(serve, event("meeting.participant_left", ahead, true, "1"));
  REQUIRE(res);
  CHECK(res->status == 200);  // stored and answered, so that Zoom does not retry it
  CHECK(json::parse(res->body)["status"] == "error");
  auto stored = events(db, "error");
  REQUIRE(stored.size() == 1);
  CHECK(stored[0]["event"] == "meeting.participant_left");
  CHECK(stored[0]["detail"].get<std::string>().find("leave_time " + iso(ahead) + " is in the future") !=
        std::string::npos);
  CHECK(events(db, "applied").empty());
  auto lesson = show_lesson(db, held.id);
  CHECK(lesson["status"] == "active");
  CHECK(lesson["ended_at"].is_null());
  CHECK(lesson["segments"].empty());

  // The same leave dated a minute ago, as Zoom would send it, ends the lesson.
  auto before = zt::SystemClock().now() - 1min;
  REQUIRE(post(serve, event("meeting.participant_left", before, true, "1"))->status == 200);
  lesson = show_lesson(db, held.id);
  CHECK(lesson["ended_at"] == iso(before));
  CHECK(lesson["end_source"] == "webhook");
}

TEST_CASE("a signed body nested 200,000 deep is refused with 400 and serve stays up", "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, with_secret);
  auto link = create_link(db);
  click(serve, db, link);
  // 200,000 levels (~400 KB, under the 1 MiB limit) crashed serve: nlohmann copies and destroys
  // nested values recursively. Refused while parsing, nothing is stored but a counter.
  auto deep = std::string(200000, '[') + std::string(200000, ']');
  std::vector<std::string> bodies{
      R"({"event":"endpoint.url_validation","payload":{"plainToken":"abc","x":)" + deep + "}}",
      R"({"event":"meeting.participant_left","payload":{"object":{"id":")" + meeting + R"(","x":)" + deep + "}}}",
      std::string(200000, '['),  // unterminated: the partial value must not be deep either
      R"({"event":"meeting.ended","payload":")" + std::string(100, '[') + R"("})",  // brackets in a string are text
  };
  for (size_t i = 0; i < 3; ++i) {
    INFO("body " << i);
    auto res = post(serve, bodies[i]);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.size() < 200);
  }
  CHECK(post(serve, bodies[0])->body.find("nests deeper than 64 levels") != std::string::npos);
  CHECK(events(db).empty());
  CHECK(show_lesson(db, link["id"]).at("status") == "active");
  auto metrics = serve.client().Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("zoomtrack_webhook_events_total{outcome=\"invalid\"} 4") != std::string::npos);
  // Still alive, and a shallow body with brackets inside a string is an ordinary event.
  auto res = post(serve, bodies[3]);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(events(db).size() == 1);
}

TEST_CASE("meeting.ended with no lesson near it is unmatched, ends nothing and stays quiet in reconcile",
          "[e2e][webhook]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto held = clicked_ago(db, 3 * 24 * 60);  // the meeting's only lesson started three days ago
  ServeProcess serve(db, with_secret);
  auto res = post(serve, event("meeting.ended", zt::SystemClock().now() - 1min, true));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["status"] == "unmatched");
  auto stored = events(db, "unmatched");
  REQUIRE(stored.size() == 1);
  CHECK(stored[0]["event"] == "meeting.ended");
  CHECK(stored[0]["lesson_id"].is_null());
  CHECK(stored[0]["detail"].get<std::string>().find("no lesson") != std::string::npos);
  CHECK(events(db, "applied").empty());
  // Three days on, an end is no lesson's end: the lesson is never paid by it.
  auto status = show_lesson(db, held.id)["status"];
  CHECK(status != "ended");
  CHECK(status != "final");
  auto r = run_zoomtrack({"--db", db, "reconcile", "--json"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  auto result = json::parse(r.out);
  CHECK(result.value("retried_events", json::array()).empty());
  CHECK(events(db, "unmatched").size() == 1);
}

TEST_CASE("a Zoom display name with terminal escapes is printed escaped by sessions show, exact in JSON",
          "[e2e][webhook][cli]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto held = clicked_ago(db, 30);
  ServeProcess serve(db, with_secret);
  const std::string name = "Eve\x1b[2J\x1b]0;pwned\x07";
  zt::ZoomEventSpec spec;
  spec.event = "meeting.participant_joined";
  spec.meeting_id = meeting;
  spec.at = held.start + 1min;
  spec.participant_name = name;
  auto res = post(serve, zt::build_zoom_event(spec));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto human = run_zoomtrack({"--db", db, "sessions", "show", std::to_string(held.id)});
  INFO(human.err);
  REQUIRE(human.exit_code == 0);
  CHECK(human.out.find('\x1b') == std::string::npos);
  CHECK(human.out.find('\x07') == std::string::npos);
  CHECK(human.out.find("Eve\\x1b[2J\\x1b]0;pwned\\x07") != std::string::npos);
  auto segments = show_lesson(db, held.id)["segments"];
  REQUIRE(segments.size() == 1);
  CHECK(segments[0]["name"] == name);
}
