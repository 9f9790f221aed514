#include <fmt/format.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/fake_zoom.hpp"
#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

// Three lessons Zoom knows about, held in the last few hours (times are relative to the real
// clock, which the binary uses).
struct ZoomWorld {
  // One "now" for the whole setup, so that durations come out exact.
  std::string now = zt::test::minutes_from_now(0);
  std::string minutes_from_now(int m) const { return zt::format_utc(*zt::parse_utc(now) + std::chrono::minutes(m)); }
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  FakeZoom zoom;
  int64_t by_host_id = 0, unknown_meeting = 0, by_email = 0;

  ZoomWorld() {
    PastLessons past(db);
    by_host_id = past.held({"t.abebe", "s.hana", "https://zoom.us/j/86431910364", "", ""}, minutes_from_now(-180));
    unknown_meeting = past.needing_review({"t.bekele", "s.lulit", "https://zoom.us/j/2222222222", "", ""},
                                          minutes_from_now(-300));
    by_email = past.held({"t.chala", "s.meron", "https://zoom.us/j/3333333333", "", "chala@example.org"},
                         minutes_from_now(-50), minutes_from_now(-5));
    zoom.add_instance({"86431910364", "older==", "HOSTA", minutes_from_now(-1440), {}});
    zoom.add_instance({"86431910364", "/AbC+dEf//g==", "HOSTA", minutes_from_now(-182),
                       {{"HOSTA", "Abebe", "", minutes_from_now(-182), minutes_from_now(-130)},
                        {"", "Hana", "", minutes_from_now(-180), minutes_from_now(-121)},
                        {"HOSTA", "Abebe", "", minutes_from_now(-128), minutes_from_now(-120)}}});
    zoom.add_instance({"3333333333", "ccc==", "HOSTC", minutes_from_now(-52),
                       {{"", "Meron", "", minutes_from_now(-50), minutes_from_now(-4)},
                        {"", "Chala (phone)", "chala@example.org", minutes_from_now(-52), minutes_from_now(-4)}}});
    zoom.fail_meeting("2222222222");
  }
  RunResult reconcile(std::vector<std::string> extra = {}, Env env = {}) {
    std::vector<std::string> args{"--db", db, "reconcile", "--zoom-api"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto all = zoom.env();
    for (auto& [k, v] : env) all[k] = v;
    return run_zoomtrack(args, all);
  }
};

}  // namespace

TEST_CASE("reconcile --zoom-api fills missing ends from a fake Zoom with one cached token", "[e2e][reconcile][zoom]") {
  ZoomWorld w;
  auto r = w.reconcile({"--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto out = json::parse(r.out);
  CHECK(out["dry_run"] == false);
  REQUIRE(out["changes"].size() == 2);

  auto a = out["changes"][0];
  CHECK(a["id"] == w.by_host_id);
  CHECK(a["from"] == "active");
  CHECK(a["to"] == "final");
  CHECK(a["end_source"] == "zoom_api");
  CHECK(a["ended_at"] == w.minutes_from_now(-120));
  CHECK(show_lesson(w.db, w.by_host_id)["duration_s"] == 3600);  // the rejoin continued the lesson

  auto c = out["changes"][1];
  CHECK(c["id"] == w.by_email);
  CHECK(c["from"] == "ended");
  CHECK(c["to"] == "ended");  // Zoom's leave upgrades the checkout; still within the grace period
  CHECK(c["end_source"] == "zoom_api");

  CHECK(show_lesson(w.db, w.unknown_meeting)["status"] == "needs_review");
  CHECK(out["summary"]["problems"].size() == 1);
  CHECK(out["summary"]["problems"][0]["id"] == w.unknown_meeting);
  CHECK(r.err.find("no past meeting 2222222222 (left for review)") != std::string::npos);

  CHECK(w.zoom.token_requests() == 1);  // one token for every lesson of the run
  CHECK(w.zoom.token_authorizations()[0] == "Basic Y2xpZW50LTE6czNjcmV0LTE=");  // client-1:s3cret-1
  for (const auto& auth : w.zoom.api_authorizations()) CHECK(auth == "Bearer tok-1");
  auto paths = w.zoom.api_paths();
  // The instance uuid starts with '/' and holds "//": encoded twice (httplib undid one encoding).
  CHECK(std::find(paths.begin(), paths.end(),
                  "/v2/past_meetings/%2FAbC%2BdEf%2F%2Fg%3D%3D/participants?page_size=300") != paths.end());
  CHECK(std::count_if(paths.begin(), paths.end(), [](auto& p) { return p.find("next_page_token=page-2") != std::string::npos; }) == 1);

  auto segments = show_lesson(w.db, w.by_host_id)["segments"];
  CHECK(segments.size() == 3);
  CHECK(segments[0]["source"] == "zoom_api");

  auto again = w.reconcile();
  CHECK(again.exit_code == 0);
  CHECK(again.out == "nothing to change\n");
}

TEST_CASE("reconcile --zoom-api --dry-run prints the plan and writes nothing", "[e2e][reconcile][zoom]") {
  ZoomWorld w;
  auto before = show_lesson(w.db, w.by_host_id);
  auto r = w.reconcile({"--dry-run"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("lesson " + std::to_string(w.by_host_id) + ": active -> final (end from Zoom's participant records); end ") == 0);
  CHECK(r.out.find("dry run: 2 change(s) planned (1 ended, 1 final); nothing written\n") != std::string::npos);
  auto after = show_lesson(w.db, w.by_host_id);
  CHECK(after["status"] == "active");
  CHECK(after["segments"].empty());
  CHECK(after["audit"].size() == before["audit"].size());
}

TEST_CASE("reconcile --zoom-api survives a revoked token and rate limits, and gives up when bounded", "[e2e][reconcile][zoom]") {
  ZoomWorld w;
  SECTION("401 once: one new token, then on") {
    w.zoom.unauthorized_once();
    auto r = w.reconcile();
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(w.zoom.token_requests() == 2);
    CHECK(show_lesson(w.db, w.by_host_id)["end_source"] == "zoom_api");
  }
  SECTION("429 with Retry-After: waits and retries") {
    w.zoom.rate_limit(2);
    auto r = w.reconcile();
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(show_lesson(w.db, w.by_host_id)["end_source"] == "zoom_api");
  }
  SECTION("429 past the bounded waits: that lesson is given up and left as it was") {
    w.zoom.rate_limit(4);  // the first lesson's first request: 1 try + 3 waits
    auto r = w.reconcile();
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("lesson " + std::to_string(w.by_host_id) + ": Zoom rate limit still exceeded") != std::string::npos);
    CHECK(show_lesson(w.db, w.by_host_id)["status"] == "active");
    CHECK(show_lesson(w.db, w.by_email)["end_source"] == "zoom_api");
  }
}

TEST_CASE("reconcile --zoom-api fails clearly and touches nothing when Zoom cannot be reached", "[e2e][reconcile][zoom]") {
  ZoomWorld w;
  auto down = "http://127.0.0.1:" + std::to_string(closed_port());
  auto r = w.reconcile({}, {{"ZOOMTRACK_ZOOM_API_BASE", down + "/v2"}, {"ZOOMTRACK_ZOOM_OAUTH_URL", down + "/oauth/token"}});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("zoomtrack: error: cannot reach Zoom at " + down) != std::string::npos);
  CHECK(show_lesson(w.db, w.by_host_id)["status"] == "active");
  CHECK(show_lesson(w.db, w.by_email)["end_source"] == "leave_url");

  auto no_credentials = run_zoomtrack({"--db", w.db, "reconcile", "--zoom-api"});
  CHECK(no_credentials.exit_code == 2);
  CHECK(no_credentials.err.find("ZOOM_CLIENT_SECRET") != std::string::npos);
}

TEST_CASE("reconcile without Zoom settles by time alone and says so", "[e2e][reconcile]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  PastLessons past(db);
  auto done = past.held({}, minutes_from_now(-90), minutes_from_now(-30));
  auto stale = past.held({"t2", "s2", "https://zoom.us/j/2222222222", "", ""}, minutes_from_now(-300));
  auto recent = past.held({"t3", "s3", "https://zoom.us/j/3333333333", "", ""}, minutes_from_now(-100));

  auto plan = run_zoomtrack({"--db", db, "reconcile", "--dry-run", "--json"});
  REQUIRE(plan.exit_code == 0);
  CHECK(json::parse(plan.out)["dry_run"] == true);
  CHECK(json::parse(plan.out)["changes"].size() == 2);
  CHECK(show_lesson(db, done)["status"] == "ended");

  SECTION("defaults: 10m grace, 4h stale") {
    auto r = run_zoomtrack({"--db", db, "reconcile"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "lesson " + std::to_string(done) + ": ended -> final (grace period over); end " +
                       show_lesson(db, done)["ended_at"].get<std::string>() + " from leave_url\n" + "lesson " +
                       std::to_string(stale) + ": active -> needs_review (no end signal 4h after the start)\n" +
                       "2 change(s): 1 final, 1 needs_review\n");
    CHECK(show_lesson(db, recent)["status"] == "active");
    auto again = run_zoomtrack({"--db", db, "reconcile"});
    CHECK(again.out == "nothing to change\n");
  }
  SECTION("--stale-after beats the environment, which beats the default; --quiet prints nothing") {
    auto r = run_zoomtrack({"--db", db, "reconcile", "--stale-after", "1h", "--quiet"}, {{"ZOOMTRACK_STALE_AFTER", "12h"}});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(show_lesson(db, recent)["status"] == "needs_review");
  }
  SECTION("ZOOMTRACK_GRACE holds finalising back") {
    auto r = run_zoomtrack({"--db", db, "reconcile", "--json"}, {{"ZOOMTRACK_GRACE", "2h"}, {"ZOOMTRACK_STALE_AFTER", "12h"}});
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["changes"].empty());
    CHECK(run_zoomtrack({"--db", db, "reconcile", "--grace", "10x"}).exit_code == 2);
  }
}

TEST_CASE("reconcile running every moment next to serve loses no click or checkout", "[e2e][reconcile][concurrency]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  ServeProcess serve(db);
  std::string rows = "teacher,student,zoom_url\n";
  constexpr int lessons = 12;
  for (int i = 0; i < lessons; ++i) rows += fmt::format("t{},s{},https://zoom.us/j/{}\n", i, i, 100000000 + i);
  write_file(dir.file("rows.csv"), rows);
  auto created = run_zoomtrack({"--db", db, "link", "create", "--from-csv", dir.file("rows.csv"), "--base-url",
                                serve.base_url(), "--json"});
  REQUIRE(created.exit_code == 0);
  std::vector<json> links;
  std::istringstream lines(created.out);
  for (std::string line; std::getline(lines, line);) links.push_back(json::parse(line));
  REQUIRE(links.size() == lessons);

  std::atomic<bool> done{false};
  std::vector<RunResult> runs;
  // --grace 0s: reconcile finalises each lesson as soon as it ends, so it writes while serve does.
  std::thread reconciler([&] {
    while (!done) runs.push_back(run_zoomtrack({"--db", db, "reconcile", "--grace", "0s"}));
  });
  auto http = serve.client();
  int clicked = 0, checked_out = 0;
  for (const auto& link : links) {
    auto click = http.Get(path_of(link["tracking_url"]), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    clicked += click && click->status == 302;
    auto leave = http.Post(path_of(link["checkout_url"]), "", "application/x-www-form-urlencoded");
    checked_out += leave && leave->status == 303;
  }
  while (runs.size() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  done = true;
  reconciler.join();

  CHECK(clicked == lessons);
  CHECK(checked_out == lessons);
  for (const auto& run : runs) {
    CHECK(run.exit_code == 0);
    CHECK(run.err.empty());
  }
  auto final_run = run_zoomtrack({"--db", db, "reconcile", "--grace", "0s"});
  CHECK(final_run.exit_code == 0);
  for (const auto& link : links) {
    auto lesson = show_lesson(db, link["id"]);
    CHECK(lesson["status"] == "final");
    CHECK(lesson["end_source"] == "leave_url");
    CHECK(lesson["clicks"].size() == 1);
    CHECK(lesson["end_signals"].size() == 1);
  }
  CHECK(serve.stop() == 0);
}
