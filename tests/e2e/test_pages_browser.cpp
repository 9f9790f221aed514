// The pages people see, rendered by a real browser (Debian's headless Chromium). The browser is
// never sent to Zoom: tracking URLs are opened only as Telegram's link previewer or when they
// answer 410, every host but 127.0.0.1 resolves to nothing, and real clicks are made with httplib.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const std::string phone_browser =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Mobile Safari/537.36";

const std::string zoom_url = "https://zoom.us/j/86431910364?pwd=Secret123";
const std::string telegram = "TelegramBot (like TwitterBot)";
// Headless Chromium announces itself as HeadlessChrome, which the click filter rightly takes for
// a preview fetcher; the teacher's page is seen as a phone's browser sees it.
const std::string phone = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "Chrome/120.0.0.0 Mobile Safari/537.36";

struct Chromium {
  TempDir profile;

  RunResult run(const std::vector<std::string>& extra, const std::string& url,
                const std::string& user_agent = "") {
    std::vector<std::string> argv{"timeout", "60", "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                  "--no-first-run", "--disable-background-networking",
                                  "--disable-component-update", "--disable-sync", "--disable-quic",
                                  "--user-data-dir=" + profile.file("profile"),
                                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"};
    // Headless Chromium's own User-Agent says HeadlessChrome, which is (rightly) a fetcher: pages
    // for people are loaded as a phone's browser would.
    argv.push_back("--user-agent=" + (user_agent.empty() ? phone_browser : user_agent));
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url);
    // The browser runs on the real clock: libfaketime hangs Chromium, and what it renders comes
    // from serve, which has the test's clock.
    auto r = run_program(argv, {{"HOME", profile.path().string()}, {"LD_PRELOAD", ""}}, "", 90);
    INFO("chromium is in scripts/install-deps --test; stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }

  std::string dom(const std::string& url, const std::string& user_agent = "") {
    return run({"--dump-dom"}, url, user_agent).out;
  }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every page: a language, a title, a viewport for phones, one heading.
void check_page_basics(const std::string& dom, const std::string& title) {
  INFO(dom);
  CHECK(has(dom, "<html lang=\"en\">"));
  CHECK(has(dom, "<title>" + title + "</title>"));
  CHECK(has(dom, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
  CHECK(has(dom, "<main>"));
  CHECK(has(dom, "<h1>" + title + "</h1>"));
  CHECK(!has(dom, "zoom.us"));
  CHECK(!has(dom, "Secret123"));
}

uint32_t big_endian(const std::string& bytes, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

json create_link(const std::string& db, const std::string& base_url) {
  auto r = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                          "--student-name", "Hana <Tesfaye>", "--zoom-url", zoom_url, "--base-url", base_url,
                          "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("the pages people see render in a phone-sized browser", "[e2e][browser]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  ServeProcess serve(db);
  auto link = create_link(db, serve.base_url());
  std::string tracking_url = link["tracking_url"];
  Chromium chromium;

  SECTION("the preview page a chat app sees: Open Graph tags and a join link, no Zoom URL") {
    auto dom = chromium.dom(tracking_url, telegram);
    check_page_basics(dom, "Lesson link");
    CHECK(has(dom, "<meta property=\"og:title\" content=\"Lesson link\">"));
    CHECK(has(dom, "<meta property=\"og:description\""));
    CHECK(has(dom, "href=\"/t/" + link["track_token"].get<std::string>() + "?open=1\">Join the lesson</a>"));

    auto png_path = dir.file("preview.png");
    chromium.run({"--screenshot=" + png_path, "--window-size=390,844"}, tracking_url, telegram);
    auto png = read_file(png_path);
    CHECK(png.size() > 2048);
    REQUIRE(png.size() > 24);
    CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    CHECK(png.substr(12, 4) == "IHDR");
    CHECK(big_endian(png, 16) == 390);
    CHECK(big_endian(png, 20) == 844);

    auto show = run_zoomtrack({"--db", db, "sessions", "show", std::to_string(link["id"].get<int64_t>()), "--json"});
    auto lesson = json::parse(show.out);
    CHECK(lesson["status"] == "created");  // previews never start a lesson
    for (const auto& click : lesson["clicks"]) CHECK(click["kind"] == "preview");
  }

  SECTION("the checkout page after a real click: one button; its POST ends the lesson") {
    auto click = serve.client().Get("/t/" + link["track_token"].get<std::string>(), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    REQUIRE(click);
    REQUIRE(click->status == 302);
    // Sent URL-encoded; cpp-httplib 0.11's client decodes header values.
    CHECK(click->get_header_value("Location") ==
          zoom_url + "&uname=Hana <Tesfaye> [zt" + std::to_string(link["id"].get<int64_t>()) + "]");
    std::string checkout_url = link["checkout_url"];
    auto dom = chromium.dom(checkout_url, phone);
    check_page_basics(dom, "End the lesson?");
    CHECK(has(dom, "Hana &lt;Tesfaye&gt;"));
    CHECK(has(dom, "<form method=\"post\"><button class=\"end\" type=\"submit\">End the lesson now</button></form>"));

    auto png_path = dir.file("checkout.png");
    chromium.run({"--screenshot=" + png_path, "--window-size=390,844"}, checkout_url, phone);
    auto png = read_file(png_path);
    CHECK(png.size() > 2048);
    REQUIRE(png.size() > 24);
    CHECK(big_endian(png, 16) == 390);

    auto id = std::to_string(link["id"].get<int64_t>());
    auto status = [&] {
      return json::parse(run_zoomtrack({"--db", db, "sessions", "show", id, "--json"}).out)["status"];
    };
    CHECK(status() == "active");  // the browser opened the page: nothing ended

    // Headless Chromium cannot tap; a page of our own submits the same form as the browser would.
    auto submitter = dir.file("submit.html");
    write_file(submitter, "<!doctype html><form method=\"post\" action=\"" + checkout_url +
                              "\"><button>End the lesson now</button></form><script>document.forms[0].submit()</script>");
    // The POST answers 303; the browser follows it to the checkout page, which shows the recorded end.
    auto ended = chromium.run({"--dump-dom", "--virtual-time-budget=10000"}, "file://" + submitter).out;
    CHECK(status() == "ended");
    auto ended_at = json::parse(run_zoomtrack({"--db", db, "sessions", "show", id, "--json"}).out)["ended_at"];
    check_page_basics(ended, "Lesson ended at " + ended_at.get<std::string>().substr(11, 5) + " — 0 min");
    CHECK(has(ended, "Lesson with Hana &lt;Tesfaye&gt; recorded: 0 minutes, ended at "));
    CHECK(!has(ended, "<form"));
  }

  SECTION("an unknown link shows a 404 page") {
    auto dom = chromium.dom(serve.base_url() + "/t/NoSuchTokenXXXXXXXXXXX", telegram);
    check_page_basics(dom, "Link not found");
    CHECK(has(dom, "This lesson link is not valid."));
  }

  SECTION("a void lesson's link shows a 410 page") {
    REQUIRE(run_zoomtrack({"--db", db, "sessions", "void", std::to_string(link["id"].get<int64_t>()), "--reason",
                           "student cancelled"}).exit_code == 0);
    REQUIRE(serve.client().Get("/t/" + link["track_token"].get<std::string>())->status == 410);
    auto dom = chromium.dom(tracking_url, telegram);
    check_page_basics(dom, "Link no longer valid");
    CHECK(has(dom, "expired or was cancelled"));
  }
}
