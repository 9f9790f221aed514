#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "core/rules/click_filter.hpp"
#include "core/util/crypto.hpp"
#include "core/util/error.hpp"
#include "core/util/time.hpp"
#include "core/util/time_zone.hpp"
#include "core/rules/zoom_url.hpp"

using namespace zt;

TEST_CASE("Zoom join URLs are accepted only from Zoom's hosts over https", "[core][url]") {
  CHECK(parse_zoom_join_url("https://zoom.us/j/86431910364?pwd=abc").meeting_id == "86431910364");
  CHECK(parse_zoom_join_url("https://us02web.zoom.us/j/123456789").meeting_id == "123456789");
  CHECK(parse_zoom_join_url("https://school.zoomgov.com/w/1234567890?pwd=x").meeting_id == "1234567890");
  CHECK(parse_zoom_join_url("https://ZOOM.US/j/123456").meeting_id == "123456");
  // Found by fuzz_zoom_url: a mixed-case scheme was stored as given.
  CHECK(parse_zoom_join_url("httPs://Us02Web.ZOOM.us/j/123456?pwd=AbC").url == "https://us02web.zoom.us/j/123456?pwd=AbC");
  for (const char* bad : {"http://zoom.us/j/123", "https://zoom.us.evil.com/j/123", "https://evilzoom.us/j/123",
                          "https://zoom.us/s/123", "https://zoom.us/j/12a3", "https://zoom.us/j/",
                          "https://zoom.us", "zoom.us/j/123", "https://zoom.us/j/123 x", "",
                          "https://user@zoom.us/j/123", "https://zoom.us:8443/j/123", "https://zoom.us/j/123#x",
                          "javascript:alert(1)"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_zoom_join_url(bad), Error);
  }
}

TEST_CASE("the teacher URL carries an encoded leave_url", "[core][url]") {
  CHECK(with_query_param("https://zoom.us/j/1?pwd=a", "leave_url", "https://x.org/leave/t") ==
        "https://zoom.us/j/1?pwd=a&leave_url=https%3A%2F%2Fx.org%2Fleave%2Ft");
  CHECK(with_query_param("https://zoom.us/j/1", "leave_url", "a b") == "https://zoom.us/j/1?leave_url=a%20b");
}

TEST_CASE("link-preview bots and HEAD requests are previews, people are real", "[core][clicks]") {
  CHECK(classify_click(false, "TelegramBot (like TwitterBot)", false) == ClickKind::preview);
  CHECK(classify_click(false, "WhatsApp/2.23.20.0", false) == ClickKind::preview);
  CHECK(classify_click(false, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", false) == ClickKind::preview);
  CHECK(classify_click(false, "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", false) == ClickKind::preview);
  CHECK(classify_click(false, "facebookexternalhit/1.1", false) == ClickKind::preview);
  CHECK(classify_click(false, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 SkypeUriPreview Preview/0.5", false) == ClickKind::preview);
  CHECK(classify_click(false, "SomeCrawler/1.0", false) == ClickKind::preview);
  CHECK(classify_click(false, "", false) == ClickKind::preview);
  CHECK(classify_click(true, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", false) == ClickKind::preview);
  CHECK(classify_click(true, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", true) == ClickKind::preview);
  const char* phone = "Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
  CHECK(classify_click(false, phone, false) == ClickKind::real);
  CHECK(classify_click(false, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", false) == ClickKind::real);
  CHECK(classify_click(false, "TelegramBot (like TwitterBot)", true) == ClickKind::real);
}

TEST_CASE("tokens carry 128 bits of randomness as base64url without padding", "[core][crypto]") {
  auto a = random_token();
  auto b = random_token();
  CHECK(a.size() == 22);
  CHECK(a != b);
  CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
}

TEST_CASE("HMAC-SHA256 matches Zoom's url_validation vectors", "[core][crypto]") {
  CHECK(hmac_sha256_hex("4fv1RkqGQUq5sWbEz6hA5A", "xys8n8PGS7mAU0m5-YJjRA") ==
        "2fffc6a967dde4f68024025a5bd991c5ae1e5313b4e6365be4883e3e81d479b3");
  CHECK(hmac_sha256_hex("secretValueTest", "qgg8vlvZRS6UYooatFL8Aw") ==
        "70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff");
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK(base64_encode("id:secret") == "aWQ6c2VjcmV0");
}

TEST_CASE("a key set up once signs as the one-shot HMAC does, in parts and from many threads", "[core][crypto]") {
  const zt::HmacSha256 key("secretValueTest");
  CHECK(key.hex({"qgg8vlvZRS6UYooatFL8Aw"}) == "70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff");
  CHECK(key.hex({"qgg8v", "", "lvZRS6UYo", "oatFL8Aw"}) == key.hex({"qgg8vlvZRS6UYooatFL8Aw"}));
  CHECK(key.hex({"qgg8vlvZRS6UYooatFL8Aw"}) == key.hex({"qgg8vlvZRS6UYooatFL8Aw"}));  // signing leaves the key as it was
  // RFC 4231 has no empty key; this is HMAC-SHA256("", "") as every implementation gives it.
  CHECK(zt::HmacSha256("").hex({}) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2

  std::vector<std::string> signed_by(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < signed_by.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) signed_by[t] = key.hex({"message ", std::to_string(i)});
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& last : signed_by) CHECK(last == hmac_sha256_hex("secretValueTest", "message 199"));
}

TEST_CASE("times parse as ISO 8601 and format as UTC", "[core][time]") {
  CHECK(format_utc(parse_time_arg("2026-11-25T12:00:00+03:00")) == "2026-11-25T09:00:00Z");
  CHECK(format_utc(parse_time_arg("2026-11-25T09:00:00Z")) == "2026-11-25T09:00:00Z");
  CHECK(format_utc(parse_time_arg("2026-11-25")) == "2026-11-25T00:00:00Z");
  CHECK(format_utc(parse_time_arg("2026-11-25", "Africa/Addis_Ababa")) == "2026-11-24T21:00:00Z");
  CHECK(format_utc(*parse_utc("2022-03-23T12:33:26.123Z")) == "2022-03-23T12:33:26Z");
  for (const char* bad : {"2026-13-01", "2026-11-25T25:00:00Z", "yesterday", "2026-11-25T09:00:00", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_time_arg(bad), Error);
  }
  CHECK_THROWS_AS(parse_time_arg("2026-11-25", "Mars/Olympus"), Error);
}

TEST_CASE("durations are whole numbers with a unit", "[core][time]") {
  CHECK(parse_duration("90s").count() == 90);
  CHECK(parse_duration("10m").count() == 600);
  CHECK(parse_duration("4h").count() == 14400);
  CHECK(parse_duration("2d").count() == 172800);
  for (const char* bad : {"", "10", "m", "-5m", "1.5h", "10 m", "10w"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_duration(bad), Error);
  }
  CHECK(format_duration(std::chrono::seconds(600)) == "10m");
}

TEST_CASE("local times carry the zone's offset, across a DST change", "[core][time]") {
  // 2026-03-08 is the spring-forward day in New York.
  auto before = to_local(*parse_utc("2026-03-08T06:30:00Z"), "America/New_York");
  auto after = to_local(*parse_utc("2026-03-08T07:30:00Z"), "America/New_York");
  CHECK(before.iso == "2026-03-08T01:30:00-05:00");
  CHECK(after.iso == "2026-03-08T03:30:00-04:00");
  CHECK(to_local(*parse_utc("2026-11-25T22:00:00Z"), "Africa/Addis_Ababa").date == "2026-11-26");
}
