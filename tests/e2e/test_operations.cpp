#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const std::string zoom_url = "https://zoom.us/j/86431910364?pwd=Secret123";

json create_link(const std::string& db, const std::string& base_url) {
  auto r = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                          "--zoom-url", zoom_url, "--base-url", base_url, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::string track_path(const json& link) { return "/t/" + link["track_token"].get<std::string>(); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The value of one sample line, e.g. `zoomtrack_clicks_total{kind="real"}`; -1 when absent.
double sample(const std::string& metrics, const std::string& series) {
  for (const auto& line : lines_of(metrics)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::string click_ip(const std::string& db, int64_t id) {
  auto r = run_zoomtrack({"--db", db, "sessions", "show", std::to_string(id), "--json"});
  REQUIRE(r.exit_code == 0);
  auto clicks = json::parse(r.out)["clicks"];
  REQUIRE(clicks.size() == 1);
  return clicks[0]["ip"];
}

}  // namespace

TEST_CASE("serve logs each request by route template, never a token, and each lesson transition", "[e2e][ops]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  ServeProcess serve(db);
  auto link = create_link(db, serve.base_url());
  auto http = serve.client();
  REQUIRE(http.Get(track_path(link), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}})->status == 302);
  REQUIRE(http.Get("/leave/" + link["leave_token"].get<std::string>())->status == 200);
  REQUIRE(http.Post("/leave/" + link["leave_token"].get<std::string>(), "", "application/x-www-form-urlencoded")->status == 303);
  REQUIRE(http.Get("/no/such/page")->status == 404);
  serve.stop();

  auto log = serve.log();
  INFO(log);
  CHECK(log.find(" GET /t/{token} 302 ") != std::string::npos);
  CHECK(log.find(" GET /leave/{token} 200 ") != std::string::npos);
  CHECK(log.find(" POST /leave/{token} 303 ") != std::string::npos);
  CHECK(log.find(" GET other 404 ") != std::string::npos);
  CHECK(log.find(link["track_token"].get<std::string>()) == std::string::npos);
  CHECK(log.find(link["leave_token"].get<std::string>()) == std::string::npos);
  CHECK(log.find("Secret123") == std::string::npos);
  auto id = std::to_string(link["id"].get<int64_t>());
  auto created = log.find("lesson " + id + " created -> active (click: student opened the tracking link)");
  auto ended = log.find("lesson " + id + " active -> ended (leave_url: teacher pressed \"End the lesson now\" on the checkout page)");
  CHECK(created != std::string::npos);
  CHECK(ended != std::string::npos);
  CHECK(created < ended);
}

TEST_CASE("with --log-format json every log line is a JSON object", "[e2e][ops]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  ServeProcess serve(db, {}, {"--log-format", "json"});
  auto link = create_link(db, serve.base_url());
  REQUIRE(serve.client().Get(track_path(link), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}})->status == 302);
  serve.stop();

  int requests = 0, transitions = 0;
  for (const auto& line : lines_of(serve.log())) {
    if (line.rfind("zoomtrack: ", 0) == 0) continue;  // startup and shutdown messages for people
    INFO(line);
    auto entry = json::parse(line);
    REQUIRE(entry.is_object());
    CHECK(entry.contains("ts"));
    if (entry.contains("route")) {
      ++requests;
      CHECK(entry["status"].is_number());
      CHECK(entry["ms"].is_number());
    }
    if (entry.value("event", "") == "transition") {
      ++transitions;
      CHECK(entry["lesson"] == link["id"]);
      CHECK(entry["from"] == "created");
      CHECK(entry["to"] == "active");
      CHECK(entry["source"] == "click");
    }
  }
  CHECK(requests >= 2);  // /healthz while starting, then the click
  CHECK(transitions == 1);
}

TEST_CASE("/metrics counts requests, latency, clicks and lessons in Prometheus text", "[e2e][ops]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  ServeProcess serve(db);
  auto link = create_link(db, serve.base_url());
  auto http = serve.client();
  REQUIRE(http.Get(track_path(link), {{"User-Agent", "TelegramBot (like TwitterBot)"}})->status == 200);
  REQUIRE(http.Get(track_path(link), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}})->status == 302);
  REQUIRE(http.Get("/t/unknownTokenXXXXXXXXXX")->status == 404);
  REQUIRE(http.Get("/no/such/page")->status == 404);

  auto res = http.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").find("text/plain") == 0);
  const auto& m = res->body;
  INFO(m);
  CHECK(sample(m, R"(zoomtrack_clicks_total{kind="preview"})") == 1);
  CHECK(sample(m, R"(zoomtrack_clicks_total{kind="real"})") == 1);
  CHECK(sample(m, R"(zoomtrack_http_requests_total{route="/t/{token}",status="200"})") == 1);
  CHECK(sample(m, R"(zoomtrack_http_requests_total{route="/t/{token}",status="302"})") == 1);
  CHECK(sample(m, R"(zoomtrack_http_requests_total{route="/t/{token}",status="404"})") == 1);
  // The unmatched path is counted once, under "other", and the unknown token not at all there.
  CHECK(sample(m, R"(zoomtrack_http_requests_total{route="other",status="404"})") == 1);
  CHECK(sample(m, R"(zoomtrack_http_request_duration_seconds_count{route="/t/{token}"})") == 3);
  CHECK(sample(m, R"(zoomtrack_http_request_duration_seconds_bucket{route="/t/{token}",le="+Inf"})") == 3);
  CHECK(sample(m, R"(zoomtrack_lessons{status="active"})") == 1);
  CHECK(m.find("# TYPE zoomtrack_http_requests_total counter\n") != std::string::npos);
  CHECK(m.find("# TYPE zoomtrack_http_request_duration_seconds histogram\n") != std::string::npos);
  CHECK(m.find("# TYPE zoomtrack_webhook_events_total counter\n") != std::string::npos);
  CHECK(m.find(link["track_token"].get<std::string>()) == std::string::npos);
  // Every sample line is `name{labels} number`.
  for (const auto& line : lines_of(m)) {
    if (line.empty() || line[0] == '#') continue;
    INFO(line);
    auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    CHECK_NOTHROW(std::stod(line.substr(space + 1)));
  }
}

TEST_CASE("X-Forwarded-For is believed only from the trusted proxy", "[e2e][ops]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  const httplib::Headers forwarded{{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}, {"X-Forwarded-For", "198.51.100.9, 203.0.113.7"}};

  SECTION("from 127.0.0.1 with --trusted-proxy 127.0.0.1 the click's address is the one nginx appended") {
    ServeProcess serve(db, {}, {"--trusted-proxy", "127.0.0.1"});
    auto link = create_link(db, serve.base_url());
    REQUIRE(serve.client().Get(track_path(link), forwarded)->status == 302);
    CHECK(click_ip(db, link["id"]) == "203.0.113.7");
  }
  SECTION("without --trusted-proxy the header is ignored") {
    ServeProcess serve(db);
    auto link = create_link(db, serve.base_url());
    REQUIRE(serve.client().Get(track_path(link), forwarded)->status == 302);
    CHECK(click_ip(db, link["id"]) == "127.0.0.1");
  }
  SECTION("a different trusted proxy does not make a direct client's header believed") {
    ServeProcess serve(db, {}, {"--trusted-proxy", "10.0.0.1"});
    auto link = create_link(db, serve.base_url());
    REQUIRE(serve.client().Get(track_path(link), forwarded)->status == 302);
    CHECK(click_ip(db, link["id"]) == "127.0.0.1");
  }
}
