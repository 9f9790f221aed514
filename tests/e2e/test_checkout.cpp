// The teacher's checkout link: opening it (GET, HEAD, a chat's preview fetcher, a mail scanner)
// shows a page and ends nothing; only the page's button, a POST, ends the lesson.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;

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

}  // namespace

TEST_CASE("opening the checkout link ends nothing, and its button's POST ends the lesson", "[e2e][checkout]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  ServeProcess serve(db);
  auto link = create_link(db, serve.base_url(),
                          {"--teacher-name", "Abebe & Co", "--student-name", "Hana <Tesfaye>", "--scheduled-at",
                           "2026-11-25T09:00:00Z", "--expires-at", "2999-01-01T00:00:00Z"});  // past any test clock
  int64_t id = link["id"];
  auto http = serve.client();
  auto checkout = path_of(link["checkout_url"]);
  REQUIRE(http.Get(path_of(link["tracking_url"]), {{"User-Agent", "Mozilla/5.0 (iPhone)"}})->status == 302);
  auto active = show_lesson(db, id);
  REQUIRE(active["status"] == "active");

  SECTION("HEAD, a chat's preview fetcher and a browser each leave the lesson active") {
    auto head = http.Head(checkout, {{"User-Agent", "Mozilla/5.0"}});
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
    CHECK(has(page->body, "2026-11-25 09:00 UTC"));
    CHECK(!has(page->body, "zoom.us"));

    auto after = show_lesson(db, id);
    CHECK(after["status"] == "active");
    CHECK(after["end_signals"].empty());
    CHECK(after["audit"] == active["audit"]);

    auto ended = http.Post(checkout, "", form);
    REQUIRE(ended);
    CHECK(ended->status == 200);
    CHECK(has(ended->body, "Lesson ended — 0 min"));
    CHECK(has(ended->body, "Lesson with Hana &lt;Tesfaye&gt; recorded: 0 minutes."));
    CHECK(ended->get_header_value("Cache-Control") == "no-store");
    auto lesson = show_lesson(db, id);
    CHECK(lesson["status"] == "ended");
    CHECK(lesson["end_source"] == "leave_url");
  }

  SECTION("a second POST shows the same result") {
    auto first = http.Post(checkout, "", form);
    auto second = http.Post(checkout, "", form);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status == 200);
    CHECK(second->status == 200);
    CHECK(first->body == second->body);
    auto lesson = show_lesson(db, id);
    CHECK(lesson["status"] == "ended");
    CHECK(lesson["end_source"] == "leave_url");
    // Opened again afterwards, the page says so and still offers the button (a teacher who went on
    // teaching within the grace period ends the lesson again).
    auto page = http.Get(checkout, {{"User-Agent", "Mozilla/5.0"}});
    CHECK(has(page->body, "Already ended: 0 minutes."));
  }

  SECTION("an unknown checkout token is 404 for every method and writes nothing") {
    for (const std::string& token : {std::string("AAAAAAAAAAAAAAAAAAAAAA"), std::string("nope")}) {
      CHECK(http.Get("/leave/" + token, {{"User-Agent", "Mozilla/5.0"}})->status == 404);
      CHECK(http.Head("/leave/" + token)->status == 404);
      CHECK(http.Post("/leave/" + token, "", form)->status == 404);
    }
    CHECK(show_lesson(db, id)["audit"] == active["audit"]);
  }

  SECTION("a void lesson's checkout link answers 410 and ends nothing") {
    REQUIRE(run_zoomtrack({"--db", db, "sessions", "void", std::to_string(id), "--reason", "cancelled"}).exit_code == 0);
    CHECK(http.Get(checkout, {{"User-Agent", "Mozilla/5.0"}})->status == 410);
    CHECK(http.Post(checkout, "", form)->status == 410);
    CHECK(show_lesson(db, id)["end_signals"].empty());
  }
  CHECK(serve.stop() == 0);
}
