#include <catch2/catch.hpp>

#include "http/pages.hpp"

using namespace zt::http;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("the ended page counts minutes in words, singular for one", "[http][pages]") {
  CHECK(minutes_text(0) == "0 minutes");
  CHECK(minutes_text(1) == "1 minute");
  CHECK(minutes_text(45) == "45 minutes");
  auto page = ended_page({"Hana <Tesfaye>", "2026-11-25 12:45 +03:00", 1, ""});
  CHECK(has(page, "<h1>Lesson ended at 12:45 — 1 min</h1>"));
  CHECK(has(page, "Lesson with Hana &lt;Tesfaye&gt; recorded: 1 minute, ended at 2026-11-25 12:45 +03:00."));
  CHECK(!has(page, "<form"));
  CHECK(!has(page, "class=\"note\""));
  CHECK(has(ended_page({"x", "2026-11-25 09:45 UTC", 45, "It <was> final"}), "It &lt;was&gt; final"));
}

TEST_CASE("the checkout page escapes what it shows and has one button that posts", "[http][pages]") {
  auto page = checkout_page({"<b>Hana</b>", "\"Abebe\" & Co", "2026-11-25 12:00 +03:00", "It's <late>"});
  CHECK(has(page, "&lt;b&gt;Hana&lt;/b&gt;"));
  CHECK(has(page, "&quot;Abebe&quot; &amp; Co"));
  CHECK(has(page, "2026-11-25 12:00 +03:00"));
  CHECK(has(page, "It&#39;s &lt;late&gt;"));
  CHECK(!has(page, "<b>Hana"));
  CHECK(has(page, "<form method=\"post\">"));
  CHECK(page.find("<button") == page.rfind("<button"));
  CHECK(has(page, ">End the lesson now</button>"));
  CHECK(has(page, "width=device-width"));
}

TEST_CASE("the checkout link's preview page offers no action", "[http][pages]") {
  auto page = preview_page("");
  CHECK(has(page, "og:title\" content=\"Lesson link\""));
  CHECK(!has(page, "href="));
  CHECK(!has(page, "<form"));
}
