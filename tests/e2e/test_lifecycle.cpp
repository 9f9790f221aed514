#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

const std::string zoom_url = "https://zoom.us/j/86431910364?pwd=Secret123";

json create_link(const std::string& db, const std::string& base_url, const std::string& url = zoom_url) {
  auto r = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                          "--zoom-url", url, "--base-url", base_url, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("a lesson goes from link to paid minutes through the real binary", "[e2e]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  ServeProcess serve(db);
  auto http = serve.client();

  // Created while serve is running: the CLI and the server share the file.
  auto link = create_link(db, serve.base_url());
  int64_t id = link["id"];
  CHECK(link["status"] == "created");
  CHECK(link["tracking_url"] == serve.base_url() + "/t/" + link["track_token"].get<std::string>());
  auto track = path_of(link["tracking_url"]);

  SECTION("the whole walk") {
    auto preview = http.Get(track, {{"User-Agent", "TelegramBot (like TwitterBot)"}});
    REQUIRE(preview);
    CHECK(preview->status == 200);
    CHECK(preview->body.find("og:title\" content=\"Lesson link\"") != std::string::npos);
    CHECK(preview->body.find("Join the lesson") != std::string::npos);
    CHECK(preview->body.find("zoom.us") == std::string::npos);
    CHECK(preview->body.find("Secret123") == std::string::npos);
    CHECK(show_lesson(db, id)["status"] == "created");

    auto click = http.Get(track, {{"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"}});
    REQUIRE(click);
    CHECK(click->status == 302);
    // The Zoom URL as given, with the student named and the lesson tagged for Zoom (zoom_name_tag).
    // Sent URL-encoded (%20%5Bzt1%5D); cpp-httplib 0.11's client decodes header values.
    CHECK(click->get_header_value("Location") == zoom_url + "&uname=s.hana [zt" + std::to_string(id) + "]");
    auto active = show_lesson(db, id);
    CHECK(active["status"] == "active");
    auto started = active["started_at"];

    auto again = http.Get(track, {{"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"}});
    CHECK(again->status == 302);
    CHECK(show_lesson(db, id)["started_at"] == started);

    auto leave = http.Post(path_of(link["checkout_url"]), "", "application/x-www-form-urlencoded");
    REQUIRE(leave);
    CHECK(leave->status == 303);
    CHECK(leave->get_header_value("Location") == path_of(link["checkout_url"]));
    auto ended = show_lesson(db, id);
    CHECK(ended["status"] == "ended");
    CHECK(ended["end_source"] == "leave_url");
    CHECK(ended["clicks"].size() == 3);

    auto report = run_zoomtrack({"--db", db, "report", "--csv"});
    REQUIRE(report.exit_code == 0);
    CHECK(report.out.find("id,teacher,student,date,start_local,end_local,start_utc,end_utc,end_source,status,duration_s,minutes,scheduled_local,late_s,kind,"
                          "paid_s,pay_basis,pay_note,start_source,teacher_present_s,together_s,teacher_late_s,length_s\r\n") == 0);
    auto duration = std::to_string(ended["duration_s"].get<int64_t>());
    CHECK(report.out.find(",leave_url,ended," + duration + ",") != std::string::npos);
  }

  SECTION("HEAD and the seed's track alias") {
    auto head = http.Head(track, {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    CHECK(head->status == 200);
    CHECK(show_lesson(db, id)["status"] == "created");
    auto alias = http.Get("/api/zoom/track?token=" + link["track_token"].get<std::string>(),
                          {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    CHECK(alias->status == 302);
    CHECK(show_lesson(db, id)["status"] == "active");
  }

  SECTION("the preview page's link always counts as a click") {
    auto open = http.Get(track + "?open=1", {{"User-Agent", "TelegramBot (like TwitterBot)"}});
    CHECK(open->status == 302);
    CHECK(show_lesson(db, id)["status"] == "active");
  }

  SECTION("wrong, garbled and overlong tokens are 404 and write nothing") {
    for (const std::string& path : {std::string("/t/AAAAAAAAAAAAAAAAAAAAAA"), std::string("/t/%00%ff"),
                                    std::string("/t/") + std::string(5000, 'a'), std::string("/t/"),
                                    std::string("/leave/nope"), std::string("/api/zoom/track"),
                                    std::string("/t/x/y")}) {
      INFO(path.substr(0, 40));
      auto res = http.Get(path, {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
      REQUIRE(res);
      CHECK(res->status == 404);
    }
    CHECK(show_lesson(db, id)["clicks"].empty());
  }

  SECTION("the seed's guessable teacher-left path is gone") {
    auto res = http.Get("/api/zoom/teacher-left?session=1");
    CHECK(res->status == 410);
    CHECK(res->body.find("guess") != std::string::npos);
    CHECK(show_lesson(db, id)["status"] == "created");
  }

  SECTION("checkout before the student clicked is refused and counts nothing") {
    auto page = http.Get(path_of(link["checkout_url"]), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    CHECK(page->status == 200);
    CHECK(page->body.find("The student has not opened the lesson link yet") != std::string::npos);
    CHECK(page->body.find("Ask the student to open their lesson link") != std::string::npos);
    CHECK(page->body.find("<dd>your student</dd>") != std::string::npos);  // no name given: never the id
    CHECK(page->body.find("s.hana") == std::string::npos);
    auto res = http.Post(path_of(link["checkout_url"]), "", "application/x-www-form-urlencoded");
    CHECK(res->status == 409);
    // The page speaks to the teacher with a next step, never with the service's own words.
    CHECK(res->body.find("The student has not opened the lesson link yet") != std::string::npos);
    CHECK(res->body.find("Ask the student to open their lesson link") != std::string::npos);
    auto unknown = http.Post(("/leave/" + std::string(43, 'A')).c_str(), "", "application/x-www-form-urlencoded");
    CHECK(unknown->status == 404);
    CHECK(unknown->body.find("unknown checkout link") == std::string::npos);
    CHECK(unknown->body.find("checkout link from your lesson message") != std::string::npos);
    CHECK(show_lesson(db, id)["end_signals"].empty());
  }

  SECTION("a void lesson's link answers 410") {
    REQUIRE(run_zoomtrack({"--db", db, "sessions", "void", std::to_string(id), "--reason", "cancelled"}).exit_code == 0);
    auto res = http.Get(track, {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
    CHECK(res->status == 410);
    CHECK(res->body.find("zoom.us") == std::string::npos);
  }

  CHECK(http.Get("/healthz")->body == "ok\n");
  CHECK(serve.stop() == 0);
}

TEST_CASE("link create rejects what is not a Zoom join URL and stores nothing", "[e2e][cli]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  for (const char* bad : {"http://zoom.us/j/123", "https://zoom.us.evil.example/j/123", "https://zoom.us/my/room",
                          "not a url"}) {
    INFO(bad);
    auto r = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t", "--student", "s", "--zoom-url", bad});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("zoomtrack: error:") == 0);
    CHECK(r.out.empty());
  }
  auto missing = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t", "--zoom-url", zoom_url});
  CHECK(missing.exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(db));  // refused before the database was opened
}

TEST_CASE("link create --from-csv creates all rows or none", "[e2e][cli]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  write_file(dir.file("ok.csv"),
             "teacher,student,zoom_url,student_name\n"
             "t1,s1,https://zoom.us/j/111111111,\"Hana, A.\"\n"
             "t2,s2,https://zoom.us/j/222222222?pwd=x,Lulit\n");
  auto ok = run_zoomtrack({"--db", db, "link", "create", "--from-csv", dir.file("ok.csv"), "--json"});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(std::count(ok.out.begin(), ok.out.end(), '\n') == 2);
  write_file(dir.file("bad.csv"),
             "teacher,student,zoom_url\n"
             "t3,s3,https://zoom.us/j/333333333\n"
             "t4,s4,https://evil.example/j/1\n");
  auto bad = run_zoomtrack({"--db", db, "link", "create", "--from-csv", dir.file("bad.csv")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("row 2") != std::string::npos);
  CHECK(json::parse(run_zoomtrack({"--db", db, "sessions", "list", "--json"}).out).size() == 2);
}

TEST_CASE("exit codes follow the contract", "[e2e][cli]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  CHECK(run_zoomtrack({"--db", db, "sessions", "show", "42"}).exit_code == 1);  // no database there
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  CHECK(run_zoomtrack({"--db", db, "sessions", "show", "42"}).exit_code == 3);
  CHECK(run_zoomtrack({"--db", db, "no-such-command"}).exit_code == 2);
  CHECK(run_zoomtrack({"--db", db, "report", "--by", "week"}).exit_code == 2);
  CHECK(run_zoomtrack({"--db", db, "sessions", "list", "--json", "--csv"}).exit_code == 2);
  auto version = run_zoomtrack({"--version"});
  CHECK(version.exit_code == 0);
  CHECK_FALSE(version.out.empty());
}

TEST_CASE("verbose mode says on stderr which database and settings are used, secrets masked", "[e2e][cli][sqlite]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  auto r = run_zoomtrack({"-v", "--db", db, "sessions", "list", "--json"},
                         {{"ZOOMTRACK_WEBHOOK_SECRET", "very-secret-token"}});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out).empty());  // stdout stays data only
  CHECK(r.err.find("db = " + db + " (flag)") != std::string::npos);
  CHECK(r.err.find("webhook_secret = set (from ZOOMTRACK_WEBHOOK_SECRET)\n") != std::string::npos);
  CHECK(r.err.find("very-secret-token") == std::string::npos);
  CHECK(r.err.find("very") == std::string::npos);
  auto quiet = run_zoomtrack({"--db", db, "sessions", "list", "--json"});
  CHECK(quiet.err.empty());
}
