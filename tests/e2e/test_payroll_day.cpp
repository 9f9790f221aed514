// A day of lessons from every kind of signal, settled by reconcile and paid by report.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/util/time.hpp"
#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const std::string secret = "day-secret";

struct Day {
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  Env env{{"ZOOMTRACK_WEBHOOK_SECRET", secret}};
  ServeProcess serve{db, env};
  std::string now = zt::format_utc(zt::SystemClock().now());

  std::string later(int minutes) const {
    return zt::format_utc(*zt::parse_utc(now) + std::chrono::minutes(minutes));
  }
  json link(const std::string& teacher, const std::string& meeting, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--db", db, "link", "create", "--teacher", teacher, "--student", "s." + teacher,
                                  "--zoom-url", "https://zoom.us/j/" + meeting, "--base-url", serve.base_url(),
                                  "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_zoomtrack(args, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
  void get(const std::string& url) {
    auto res = serve.client().Get(url.substr(url.find('/', 8)), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    REQUIRE(res);
  }
  void post(const std::string& url) {
    auto res = serve.client().Post(url.substr(url.find('/', 8)), "", "application/x-www-form-urlencoded");
    REQUIRE(res);
  }
  RunResult send(const std::vector<std::string>& args) {
    std::vector<std::string> all{"--db", db, "webhook", "send"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--to", serve.base_url() + "/webhooks/zoom"});
    return run_zoomtrack(all, env);
  }
  json show(int64_t id) {
    return json::parse(run_zoomtrack({"--db", db, "sessions", "show", std::to_string(id), "--json"}).out);
  }
};

}  // namespace

TEST_CASE("a day of lessons from webhooks, checkouts and silence is settled and paid", "[e2e][payroll]") {
  Day day;
  // Zoom reports the teacher leaving, twenty minutes ago, a meeting no lesson uses yet: stored,
  // unmatched.
  auto early = day.send({"meeting.participant_left", "--meeting", "5550001111", "--host", "--at", day.later(-20)});
  REQUIRE(early.exit_code == 3);  // stored, but an operator's test tool says it matched nothing
  CHECK(early.out.find("unmatched") != std::string::npos);

  // Then the lesson on that meeting reaches the database: its student clicked an hour ago.
  int64_t by_webhook = 0;
  {
    zt::test::PastLesson lesson{"t.webhook", "s.t.webhook", "https://zoom.us/j/5550001111", "", ""};
    by_webhook = PastLessons(day.db).held(lesson, day.later(-60));
  }
  auto by_checkout = day.link("t.checkout", "5550002222");
  auto silent = day.link("t.silent", "5550003333");
  // At least a second away: the clock reads whole seconds, so "now + 1s" could be a millisecond
  // away, and already past by the time link create (another process) checks it.
  auto expiry = zt::SystemClock().now() + std::chrono::seconds(2);
  auto unclicked = day.link("t.unclicked", "5550004444", {"--expires-at", zt::format_utc(expiry)});
  day.get(by_checkout["tracking_url"]);
  day.get(silent["tracking_url"]);
  day.post(by_checkout["checkout_url"]);
  // The unclicked link's expiry must be in the past for reconcile.
  std::this_thread::sleep_until(expiry + std::chrono::milliseconds(100));

  auto dry = run_zoomtrack({"--db", day.db, "reconcile", "--stale-after", "0s", "--dry-run", "--json"}, day.env);
  REQUIRE(dry.exit_code == 0);
  CHECK(json::parse(dry.out)["retried_events"].size() == 1);
  CHECK(day.show(by_webhook)["status"] == "active");

  auto run = run_zoomtrack({"--db", day.db, "reconcile", "--stale-after", "0s", "--json"}, day.env);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto result = json::parse(run.out);
  REQUIRE(result["retried_events"].size() == 1);
  CHECK(result["retried_events"][0]["from"] == "unmatched");
  CHECK(result["retried_events"][0]["to"] == "applied");
  CHECK(result["retried_events"][0]["lesson_id"] == by_webhook);

  auto webhook_lesson = day.show(by_webhook);
  CHECK(webhook_lesson["end_source"] == "webhook");
  CHECK(webhook_lesson["ended_at"] == day.later(-20));
  CHECK(webhook_lesson["status"] == "final");
  CHECK(day.show(by_checkout["id"])["end_source"] == "leave_url");
  CHECK(day.show(silent["id"])["status"] == "needs_review");
  CHECK(day.show(unclicked["id"])["status"] == "expired");

  auto report = run_zoomtrack({"--db", day.db, "report", "--by", "teacher", "--json"}, day.env);
  REQUIRE(report.exit_code == 0);
  auto rows = json::parse(report.out);
  REQUIRE(rows.size() == 3);  // the expired lesson never started, so it is not payroll
  std::map<std::string, json> by_teacher;
  for (auto& row : rows) by_teacher[row["teacher"]] = row;
  CHECK(by_teacher["t.webhook"]["minutes"] == 40);
  CHECK(by_teacher["t.checkout"]["lessons"] == 1);
  CHECK(by_teacher["t.silent"]["minutes"] == 0);
  CHECK(by_teacher["t.silent"]["needs_review"] == 1);

  auto again = run_zoomtrack({"--db", day.db, "reconcile", "--stale-after", "0s"}, day.env);
  CHECK(again.exit_code == 0);
  CHECK(again.out == "nothing to change\n");
}
