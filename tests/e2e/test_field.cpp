// What the field does to a lesson: many first clicks at once, a database that cannot write, a
// crash between two writes, impossible times. Real binary, real file, real HTTP.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <latch>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/util/time.hpp"
#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string meeting = "86431910364";
const std::string secret = "field-webhook-secret";

json create_link(const std::string& db, const std::string& base_url, int n = 0) {
  auto r = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t.abebe", "--student",
                          "s" + std::to_string(n), "--zoom-url",
                          "https://zoom.us/j/" + std::to_string(std::stoll(meeting) + n) + "?pwd=x",
                          "--base-url", base_url, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

int count_transitions_to(const json& lesson, const std::string& status) {
  int n = 0;
  for (const auto& a : lesson["audit"]) {
    if (a["action"] == "transition" && a["new_value"].get<std::string>().rfind(status, 0) == 0) ++n;
  }
  return n;
}

// Polls `ready` for up to `limit`: replay and restarts happen in their own time.
template <class F>
bool eventually(F ready, std::chrono::seconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return ready();
}

size_t lines_in(const std::string& path) {
  if (!std::filesystem::exists(path)) return 0;
  auto text = read_file(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("forty first clicks at once start the lesson once, with one transition", "[e2e][field]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db);
  auto link = create_link(db, serve.base_url());
  auto path = path_of(link["tracking_url"]);

  constexpr int clicks = 40;
  std::latch start(clicks);
  std::atomic<int> redirected{0};
  std::vector<std::thread> students;
  for (int i = 0; i < clicks; ++i) {
    students.emplace_back([&] {
      auto client = serve.client();
      start.arrive_and_wait();
      auto res = client.Get(path.c_str(), {{"User-Agent", "Mozilla/5.0 (Linux; Android 14) Chrome/120"}});
      if (res && res->status == 302) ++redirected;
    });
  }
  for (auto& t : students) t.join();
  CHECK(redirected == clicks);
  auto lesson = show_lesson(db, link["id"]);
  CHECK(lesson["status"] == "active");
  CHECK(lesson["clicks"].size() == clicks);
  CHECK(count_transitions_to(lesson, "active") == 1);
  // The log has one transition line too.
  serve.stop();
  auto log = serve.log();
  size_t lines = 0;
  for (size_t at = log.find("created -> active"); at != std::string::npos; at = log.find("created -> active", at + 1)) ++lines;
  CHECK(lines == 1);
}

TEST_CASE("kill -9 during first clicks never leaves a real click without its start", "[e2e][field][sqlite]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db);
  constexpr int lessons = 12;
  std::vector<std::string> paths;
  for (int i = 0; i < lessons; ++i) paths.push_back(path_of(create_link(db, serve.base_url(), i)["tracking_url"]));

  std::atomic<bool> stop{false};
  std::vector<std::thread> students;
  for (int i = 0; i < lessons; ++i) {
    students.emplace_back([&, i] {
      auto client = serve.client();
      client.set_read_timeout(2, 0);
      // Bounded: a few requests each until serve dies.
      for (int n = 0; n < 50 && !stop; ++n) client.Get(paths[static_cast<size_t>(i)].c_str(), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    });
  }
  std::this_thread::sleep_for(30ms);
  kill(serve.pid(), SIGKILL);
  stop = true;
  for (auto& t : students) t.join();

  SQLite::Database check(db, SQLite::OPEN_READONLY);
  SQLite::Statement q(check,
                      "SELECT COUNT(*) FROM lessons l WHERE EXISTS (SELECT 1 FROM clicks c WHERE "
                      "c.lesson_id = l.id AND c.kind = 'real') AND (l.started_at IS NULL OR l.status = 'created')");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt() == 0);
}

TEST_CASE("a click while the database cannot write still reaches Zoom and is stored once later", "[e2e][field][sqlite]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto spool = db + ".spool";
  ServeProcess serve(db, {{"ZOOMTRACK_BUSY_TIMEOUT", "1s"}});
  auto link = create_link(db, serve.base_url());
  auto http = serve.client();
  REQUIRE(http.Get("/healthz")->status == 200);

  {
    // Another writer holds the lock past serve's busy timeout: serve cannot write.
    SQLite::Database blocker(db, SQLite::OPEN_READWRITE);
    blocker.exec("BEGIN IMMEDIATE");
    auto click = http.Get(path_of(link["tracking_url"]).c_str(), {{"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"}});
    REQUIRE(click);
    CHECK(click->status == 302);
    CHECK(click->get_header_value("Location").rfind("https://zoom.us/j/", 0) == 0);
    CHECK(lines_in(spool) == 1);
    auto health = http.Get("/healthz");
    CHECK(health->status == 503);
    CHECK(health->body.find("degraded") != std::string::npos);
    CHECK(health->body.find("1 clicks spooled") != std::string::npos);
    CHECK(http.Get("/metrics")->body.find("zoomtrack_spooled_clicks 1") != std::string::npos);
    CHECK(serve.log().find("WARNING: click on lesson 1 spooled") != std::string::npos);
    blocker.exec("ROLLBACK");
  }

  CHECK(eventually([&] { return lines_in(spool) == 0; }));
  CHECK(http.Get("/healthz")->status == 200);
  auto lesson = show_lesson(db, link["id"]);
  CHECK(lesson["status"] == "active");
  CHECK(lesson["clicks"].size() == 1);
  CHECK(count_transitions_to(lesson, "active") == 1);
  // A second replay (reconcile after serve) finds nothing more to store.
  CHECK(run_zoomtrack({"--db", db, "reconcile"}).exit_code == 0);
  CHECK(show_lesson(db, link["id"])["clicks"].size() == 1);
}

TEST_CASE("reconcile replays a spool serve left behind, each click once", "[e2e][field]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto link = create_link(db, "http://127.0.0.1:9");
  auto token = link["track_token"].get<std::string>();
  // What serve wrote while the disk was full, including a line torn by a crash mid-append.
  auto line = [&](const std::string& id, const std::string& at) {
    return json{{"id", id}, {"token", token}, {"at", at}, {"ip", "203.0.113.9"},
                {"user_agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}, {"kind", "real"}, {"method", "GET"}}.dump() + "\n";
  };
  // Times relative to now: a click before its lesson existed, or in the future, is refused.
  auto now = std::chrono::system_clock::now();
  auto first = zt::format_utc(std::chrono::time_point_cast<std::chrono::seconds>(now + 1min));
  auto second = zt::format_utc(std::chrono::time_point_cast<std::chrono::seconds>(now + 3min));
  write_file(db + ".spool", line("a1", first) + line("a2", second) + "{\"id\":\"torn");
  auto r = run_zoomtrack({"--db", db, "reconcile", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["summary"]["replayed_clicks"] == 2);
  auto lesson = show_lesson(db, link["id"]);
  CHECK(lesson["started_at"] == first);
  CHECK(lesson["clicks"].size() == 2);
  CHECK(lines_in(db + ".spool") == 0);

  // Replaying the same clicks again (a crash after the commit, before the spool was emptied).
  write_file(db + ".spool", line("a1", first));
  REQUIRE(run_zoomtrack({"--db", db, "reconcile"}).exit_code == 0);
  CHECK(show_lesson(db, link["id"])["clicks"].size() == 2);
}

TEST_CASE("impossible times never pay", "[e2e][field]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  Env env{{"ZOOMTRACK_WEBHOOK_SECRET", secret}};

  SECTION("a leave in year 9999 is stored as an error and ends nothing") {
    ServeProcess serve(db, env);
    auto link = create_link(db, serve.base_url());
    REQUIRE(serve.client().Get(path_of(link["tracking_url"]).c_str(), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}})->status == 302);
    auto sent = run_zoomtrack({"--db", db, "webhook", "send", "meeting.participant_left", "--meeting", meeting,
                               "--host", "--at", "9999-12-31T23:59:59Z", "--to", serve.base_url() + "/webhooks/zoom"},
                              env);
    INFO(sent.out << sent.err);
    CHECK(sent.out.find("\"status\":\"error\"") != std::string::npos);
    CHECK(sent.exit_code == 1);  // Zoom got its 200; the operator is told it was refused, and why
    CHECK(sent.err.find("was stored as an error:") != std::string::npos);
    CHECK(sent.err.find("in the future") != std::string::npos);
    auto events = run_zoomtrack({"--db", db, "events", "list", "--status", "error", "--json"});
    CHECK(events.out.find("in the future") != std::string::npos);
    CHECK(run_zoomtrack({"--db", db, "reconcile"}).exit_code == 0);
    auto lesson = show_lesson(db, link["id"]);
    CHECK(lesson["status"] == "active");
    CHECK(lesson["ended_at"].is_null());
  }

  SECTION("staff cannot end a lesson in the future") {
    ServeProcess serve(db, env);
    auto link = create_link(db, serve.base_url());
    REQUIRE(serve.client().Get(path_of(link["tracking_url"]).c_str(), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}})->status == 302);
    auto r = run_zoomtrack({"--db", db, "sessions", "end", std::to_string(link["id"].get<int64_t>()), "--at",
                            "2300-01-01T00:00:00Z", "--reason", "typo"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("in the future") != std::string::npos);
    CHECK(show_lesson(db, link["id"])["status"] == "active");
  }

  SECTION("a lesson longer than --max-lesson goes to needs_review with the reason") {
    ServeProcess serve(db, env, {"--max-lesson", "1s"});
    auto link = create_link(db, serve.base_url());
    REQUIRE(serve.client().Get(path_of(link["tracking_url"]).c_str(), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}})->status == 302);
    std::this_thread::sleep_for(2100ms);
    auto sent = run_zoomtrack({"--db", db, "webhook", "send", "meeting.participant_left", "--meeting", meeting,
                               "--host", "--to", serve.base_url() + "/webhooks/zoom"},
                              env);
    INFO(sent.out << sent.err);
    REQUIRE(sent.exit_code == 0);
    auto lesson = show_lesson(db, link["id"]);
    CHECK(lesson["status"] == "needs_review");
    CHECK(lesson.dump().find("longer than the 1s maximum") != std::string::npos);
    auto report = run_zoomtrack({"--db", db, "report", "--by", "teacher", "--csv"});
    CHECK(report.out.find("t.abebe,1,0,0,1") != std::string::npos);
  }
}
