// The teacher's checkout link: opening it (GET, HEAD, a chat's preview fetcher, a mail scanner)
// shows a page and ends nothing; only the page's button, a POST, ends the lesson.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string zoom_url = "https://zoom.us/j/86431910364?pwd=Secret123";
const std::string form = "application/x-www-form-urlencoded";

json create_link(const std::string& db, const std::string& base_url, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                                "--zoom-url", zoom_url, "--base-url", base_url, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_zoomtrack(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const httplib::Headers browser{{"User-Agent", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
                                              "Chrome/120.0 Mobile Safari/537.36"}};

// The checkout page's heading once the lesson has its end: "Lesson ended at 10:45 — 0 min" (serve's
// time zone is UTC here).
std::string ended_heading(const json& lesson) {
  return "Lesson ended at " + lesson["ended_at"].get<std::string>().substr(11, 5) + " — 0 min";
}

}  // namespace

TEST_CASE("opening the checkout link ends nothing, and its button's POST ends the lesson", "[e2e][checkout]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  ServeProcess serve(db, {}, {"--grace", "1h"});
  auto scheduled = minutes_from_now(24 * 60);  // "YYYY-MM-DDTHH:MM:SSZ"
  auto link = create_link(db, serve.base_url(),
                          {"--teacher-name", "Abebe & Co", "--student-name", "Hana <Tesfaye>", "--scheduled-at",
                           scheduled});
  int64_t id = link["id"];
  auto http = serve.client();
  auto checkout = path_of(link["checkout_url"]);
  REQUIRE(http.Get(path_of(link["tracking_url"]), {{"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"}})->status == 302);
  auto active = show_lesson(db, id);
  REQUIRE(active["status"] == "active");

  SECTION("HEAD, a chat's preview fetcher and a browser each leave the lesson active") {
    auto head = http.Head(checkout, {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    REQUIRE(head);
    CHECK(head->status == 200);

    auto preview = http.Get(checkout, {{"User-Agent", "TelegramBot (like TwitterBot)"}});
    REQUIRE(preview);
    CHECK(preview->status == 200);
    CHECK(has(preview->body, "og:title\" content=\"Lesson link\""));
    CHECK(!has(preview->body, "<form"));
    CHECK(!has(preview->body, "href=\"/"));  // no action of any kind

    auto page = http.Get(checkout, {{"User-Agent", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like "
                                                   "Gecko) Chrome/120.0 Mobile Safari/537.36"}});
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Cache-Control") == "no-store");
    CHECK(page->get_header_value("Referrer-Policy") == "no-referrer");
    CHECK(has(page->body, "<form method=\"post\"><button class=\"end\" type=\"submit\">End the lesson now</button></form>"));
    CHECK(has(page->body, "Hana &lt;Tesfaye&gt;"));
    CHECK(has(page->body, "Abebe &amp; Co"));
    CHECK(has(page->body, scheduled.substr(0, 10) + " " + scheduled.substr(11, 5) + " UTC"));
    CHECK(!has(page->body, "zoom.us"));

    auto after = show_lesson(db, id);
    CHECK(after["status"] == "active");
    CHECK(after["end_signals"].empty());
    CHECK(after["audit"] == active["audit"]);

    // A fetcher whose User-Agent looks like a browser with a monitoring agent appended, and a
    // scripting runtime: neither ends anything.
    for (const char* agent : {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                                     "Chrome/120.0.0.0 Safari/537.36 UptimeMonitor/2.1",
                                     "python-requests/2.31.0", "Mozilla/5.0 (compatible; LinkChecker)"}) {
      auto fetched = http.Get(checkout, {{"User-Agent", agent}});
      REQUIRE(fetched);
      CHECK(fetched->status == 200);
      CHECK(!has(fetched->body, "<form"));
    }
    CHECK(show_lesson(db, id)["end_signals"].empty());

    // The button: Post/Redirect/Get.
    auto ended = http.Post(checkout, "", form);
    REQUIRE(ended);
    CHECK(ended->status == 303);
    CHECK(ended->get_header_value("Location") == checkout);
    CHECK(ended->get_header_value("Cache-Control") == "no-store");
    auto lesson = show_lesson(db, id);
    CHECK(lesson["status"] == "ended");
    CHECK(lesson["end_source"] == "leave_url");
    // The page the browser lands on shows the recorded end, and no button to press again.
    auto landed = http.Get(checkout, browser);
    REQUIRE(landed);
    CHECK(landed->status == 200);
    CHECK(has(landed->body, ended_heading(lesson)));
    CHECK(has(landed->body, "Lesson with Hana &lt;Tesfaye&gt; recorded: 0 minutes, ended at "));
    CHECK(has(landed->body, "Only the first press counts."));
    CHECK(!has(landed->body, "<form"));
  }

  SECTION("a reload that re-sends the form, or a second press, moves nothing") {
    auto first = http.Post(checkout, "", form);
    REQUIRE(first);
    CHECK(first->status == 303);
    auto ended = show_lesson(db, id);
    std::this_thread::sleep_for(1100ms);  // a second press in a later second would be a later end
    auto second = http.Post(checkout, "", form);
    REQUIRE(second);
    CHECK(second->status == 303);
    CHECK(second->get_header_value("Location") == checkout);
    auto lesson = show_lesson(db, id);
    CHECK(lesson["status"] == "ended");
    CHECK(lesson["end_source"] == "leave_url");
    CHECK(lesson["ended_at"] == ended["ended_at"]);
    CHECK(lesson["duration_s"] == ended["duration_s"]);
    CHECK(lesson["end_signals"].size() == 2);  // both presses on record; the first is the end
    CHECK(has(http.Get(checkout, browser)->body, ended_heading(ended)));
  }

  SECTION("a press after the lesson is final changes nothing, whatever grace serve was given") {
    // serve above runs with --grace 1h; reconcile finalises with --grace 0s. Before the rule in
    // lesson_rules (is_settled), serve's longer grace turned the final lesson back into ended.
    REQUIRE(http.Post(checkout, "", form)->status == 303);
    auto reconciled = run_zoomtrack({"--db", db, "reconcile", "--grace", "0s"});
    INFO(reconciled.err);
    REQUIRE(reconciled.exit_code == 0);
    auto final_ = show_lesson(db, id);
    REQUIRE(final_["status"] == "final");
    std::this_thread::sleep_for(1100ms);
    auto late = http.Post(checkout, "", form);
    REQUIRE(late);
    CHECK(late->status == 303);
    CHECK(late->get_header_value("Location") == checkout);
    auto lesson = show_lesson(db, id);
    CHECK(lesson["status"] == "final");
    CHECK(lesson["ended_at"] == final_["ended_at"]);
    CHECK(lesson["end_signals"].size() == 1);
    CHECK(lesson["audit"] == final_["audit"]);
    auto page = http.Get(checkout, browser);
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(has(page->body, ended_heading(final_)));
    CHECK(has(page->body, "This lesson is closed: its minutes are final and pressing again changes nothing."));
    CHECK(!has(page->body, "<form"));
  }

  SECTION("a press after a final staff end changes nothing, though the checkout outranks staff") {
    auto at = show_lesson(db, id)["started_at"].get<std::string>();
    auto ended = run_zoomtrack({"--db", db, "sessions", "end", std::to_string(id), "--at", at, "--reason", "phoned"});
    INFO(ended.err);
    REQUIRE(ended.exit_code == 0);
    REQUIRE(run_zoomtrack({"--db", db, "reconcile", "--grace", "0s"}).exit_code == 0);
    auto final_ = show_lesson(db, id);
    REQUIRE(final_["status"] == "final");
    REQUIRE(final_["end_source"] == "manual");
    CHECK(http.Post(checkout, "", form)->status == 303);
    auto lesson = show_lesson(db, id);
    CHECK(lesson["status"] == "final");
    CHECK(lesson["end_source"] == "manual");
    CHECK(lesson["ended_at"] == final_["ended_at"]);
    CHECK(lesson["audit"] == final_["audit"]);
  }

  SECTION("an unknown checkout token is 404 for every method and writes nothing") {
    for (const std::string& token : {std::string("AAAAAAAAAAAAAAAAAAAAAA"), std::string("nope")}) {
      auto got = http.Get("/leave/" + token, {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
      CHECK(got->status == 404);
      CHECK(has(got->body, "This checkout link is not valid."));
      CHECK(http.Head("/leave/" + token)->status == 404);
      auto posted = http.Post("/leave/" + token, "", form);
      CHECK(posted->status == 404);
      CHECK(has(posted->body, "This checkout link is not valid."));
      CHECK(posted->get_header_value("Location").empty());
    }
    CHECK(show_lesson(db, id)["audit"] == active["audit"]);
  }

  SECTION("a void lesson's checkout link answers 410 and ends nothing") {
    REQUIRE(run_zoomtrack({"--db", db, "sessions", "void", std::to_string(id), "--reason", "cancelled"}).exit_code == 0);
    CHECK(http.Get(checkout, {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}})->status == 410);
    CHECK(http.Post(checkout, "", form)->status == 410);
    CHECK(show_lesson(db, id)["end_signals"].empty());
  }
  CHECK(serve.stop() == 0);
}
