// On an https link, a current browser's navigation carries Fetch Metadata (Sec-Fetch-Mode: navigate,
// Sec-Fetch-Dest: document); a script that copies a browser's User-Agent, a mail scanner, a page that embeds the link
// in an image or a frame, and a prefetch do not look like one. Real binary, real file, real HTTP: serve listens on
// loopback as it does behind a TLS proxy, its links on an https address.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const std::string public_url = "https://lessons.example.org";
const std::string chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                           "Chrome/131.0.0.0 Safari/537.36";

json create_link(const std::string& db, const std::string& base_url, const std::string& student) {
  auto r = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t.abebe", "--student", student, "--zoom-url",
                          "https://zoom.us/j/86431910364?pwd=x", "--base-url", base_url, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

httplib::Headers navigation(const std::string& agent) {
  return {{"User-Agent", agent}, {"Sec-Fetch-Mode", "navigate"}, {"Sec-Fetch-Dest", "document"},
          {"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-User", "?1"}};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("on an https link, a browser's string without a navigation's Fetch Metadata gets the preview page",
          "[e2e][clicks]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  ServeProcess serve(db, {}, {"--base-url", public_url});
  auto http = serve.client();  // on loopback, whatever address the links name
  auto link = create_link(db, public_url, "s.hana");
  int64_t id = link["id"];
  auto track = path_of(link["tracking_url"]);

  // A script with Chrome's string, the same in an image or a frame of another page, and Chrome's own prefetch.
  auto embedded = navigation(chrome);
  embedded.erase("Sec-Fetch-Dest");
  embedded.emplace("Sec-Fetch-Dest", "iframe");
  auto as_image = navigation(chrome);
  as_image.erase("Sec-Fetch-Mode");
  as_image.emplace("Sec-Fetch-Mode", "no-cors");
  auto prefetch = navigation(chrome);
  prefetch.emplace("Sec-Purpose", "prefetch");
  for (const auto& headers : {httplib::Headers{{"User-Agent", chrome}}, embedded, as_image, prefetch}) {
    auto res = http.Get(track, headers);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(has(res->body, "og:title\" content=\"Lesson link\""));
    CHECK(!has(res->body, "zoom.us"));
  }
  auto still = show_lesson(db, id);
  CHECK(still["status"] == "created");
  CHECK(still["clicks"].size() == 4);
  for (const auto& click : still["clicks"]) CHECK(click["kind"] == "preview");

  // The checkout link as well: its page and button only for a browser's navigation.
  auto checkout = path_of(link["checkout_url"]);
  auto scanned = http.Get(checkout, {{"User-Agent", chrome}});
  REQUIRE(scanned);
  CHECK(!has(scanned->body, "<form"));
  auto opened = http.Get(checkout, navigation(chrome));
  REQUIRE(opened);
  CHECK(has(opened->body, "End the lesson now"));

  // The browser's navigation starts the lesson; so does the preview page's "Join the lesson", whatever it carries.
  auto res = http.Get(track, navigation(chrome));
  REQUIRE(res);
  CHECK(res->status == 302);
  CHECK(show_lesson(db, id)["status"] == "active");
  auto joined = create_link(db, public_url, "s.dawit");
  auto join = http.Get(path_of(joined["tracking_url"]) + "?open=1", {{"User-Agent", chrome}});
  REQUIRE(join);
  CHECK(join->status == 302);

  // A browser too old to send Fetch Metadata is judged by its User-Agent alone.
  auto old = create_link(db, public_url, "s.mekdes");
  auto old_browser = http.Get(path_of(old["tracking_url"]),
                              {{"User-Agent", "Mozilla/5.0 (Windows NT 6.1; rv:52.0) Gecko/20100101 Firefox/52.0"}});
  REQUIRE(old_browser);
  CHECK(old_browser->status == 302);
}

TEST_CASE("on an http link browsers send no Fetch Metadata, and none is asked for, but a prefetch is still a preview",
          "[e2e][clicks]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  ServeProcess serve(db);
  auto http = serve.client();
  auto link = create_link(db, serve.base_url(), "s.hana");
  auto track = path_of(link["tracking_url"]);
  auto prefetched = http.Get(track, {{"User-Agent", chrome}, {"Purpose", "prefetch"}});
  REQUIRE(prefetched);
  CHECK(prefetched->status == 200);
  auto res = http.Get(track, {{"User-Agent", chrome}});
  REQUIRE(res);
  CHECK(res->status == 302);
  CHECK(show_lesson(db, link["id"])["status"] == "active");
}
