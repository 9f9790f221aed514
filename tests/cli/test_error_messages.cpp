// Every mistake a clerk or a script makes gets exit code and one line saying what to do about it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;

TEST_CASE("bad input exits with its code and a hint that says what to do", "[cli][errors]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  const std::string zoom = "https://zoom.us/j/86431910364?pwd=abc";
  auto made = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t", "--student", "s", "--zoom-url", zoom, "--json"});
  REQUIRE(made.exit_code == 0);
  auto id = std::to_string(nlohmann::json::parse(made.out)["id"].get<int64_t>());
  REQUIRE(run_zoomtrack({"--db", db, "sessions", "void", id, "--reason", "cancelled"}).exit_code == 0);
  std::vector<std::string> lesson{"--db", db, "link", "create", "--teacher", "t", "--student", "s"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = lesson;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const std::string next_year = minutes_from_now(365 * 24 * 60).substr(0, 10);  // always ahead of the clock
  const std::string long_ago = minutes_from_now(-2 * 365 * 24 * 60);             // always behind it
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string problem, hint;
  };
  const std::vector<Case> cases{
      {{"--db", db, "link", "crate"}, 2, "'crate' is not a command of 'zoomtrack link'",
       "did you mean 'zoomtrack link create'?"},
      {{"--db", db, "sesions", "list"}, 2, "'sesions' is not a command of 'zoomtrack'",
       "did you mean 'zoomtrack sessions'?"},
      {{"--db", db, "link"}, 2, "a command is required here", "see 'zoomtrack link --help'"},
      {{"--db", db, "sessions", "show", "abc"}, 2, "lesson id 'abc' is not a decimal number",
       "type digits only"},
      {{"--db", db, "sessions", "void", id}, 2, "--reason is required", "see 'zoomtrack sessions void --help'"},
      {{"--db", db, "sessions", "void", id, "--reason", "again"}, 4, "lesson " + id + " is already void",
       "zoomtrack sessions show " + id},
      {{"--db", db, "sessions", "show", "999"}, 3, "no lesson with id 999", "zoomtrack sessions list"},
      {with({}), 2, "--zoom-url is required", "https://zoom.us/j/"},
      {with({"--zoom-url", "https://zoom.us/j/123\"><script>alert(1)</script>"}), 2, "not allowed in a URL",
       "https://zoom.us/j/"},
      {with({"--zoom-url", zoom, "--base-url", "https://lessons.example.org/\"><script>"}), 2,
       "not allowed in a URL", "https://lessons.example.org"},
      {with({"--zoom-url", zoom, "--teacher-zoom-email", "notanemail"}), 2, "is not an e-mail address",
       "abebe@school.example"},
      {with({"--zoom-url", zoom, "--scheduled-at", long_ago}), 2, "--scheduled-at " + long_ago + " is so long ago",
       "check the date of --scheduled-at"},
      {with({"--zoom-url", zoom, "--scheduled-at", next_year + "T09:00:00Z", "--expires-at", next_year + "T08:00:00Z"}),
       2, "--expires-at " + next_year + "T08:00:00Z is not after --scheduled-at " + next_year + "T09:00:00Z", "later than"},
      {with({"--zoom-url", zoom, "--expires-at", long_ago}), 2, "is in the past", "later --expires-at"},
      {with({"--zoom-url", zoom, "--scheduled-at", "tomorrow"}), 2, "'tomorrow' is not a time", "ISO 8601"},
      {{"--db", dir.file("typo.db"), "report"}, 1, "no zoomtrack database at " + dir.file("typo.db"),
       "create it with 'zoomtrack init' or check --db / ZOOMTRACK_DB"},
      {{"--db", "", "sessions", "list"}, 2, "--db is empty", "give --db a file path"},
  };
  for (const auto& c : cases) {
    auto r = run_zoomtrack(c.args);
    std::string line;
    for (size_t i = 2; i < c.args.size(); ++i) line += c.args[i] + " ";
    INFO(line << "-> " << r.exit_code << " " << r.err);
    CHECK(r.exit_code == c.exit_code);
    CHECK(r.err.find("zoomtrack: error: ") == 0);
    CHECK(r.err.find(c.problem) != std::string::npos);
    CHECK(r.err.find(c.hint) != std::string::npos);
    CHECK(r.err.rfind(c.hint) > r.err.find(c.problem));  // the way out comes after the problem
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.out.empty());
  }
  CHECK(nlohmann::json::parse(run_zoomtrack({"--db", db, "sessions", "list", "--json"}).out).size() == 1);
}

TEST_CASE("an unknown flag is named with the nearest real one, and its value is never echoed", "[cli][errors]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  const std::string secret = "123456789:AAHsecretvalue";
  const std::string zoom = "https://zoom.us/j/86431910364";
  struct Case {
    std::vector<std::string> args;
    std::string problem, hint;
  };
  const std::vector<Case> cases{
      {{"link", "create", "--teacher", "t", "--student", "s", "--zoom-url", zoom, "--telegram-token", secret},
       "'zoomtrack link create' has no option --telegram-token", "set ZOOMTRACK_TELEGRAM_TOKEN or use --telegram-token-file"},
      {{"link", "create", "--telegram-token=" + secret, "--teacher", "t"},
       "has no option --telegram-token", "ZOOMTRACK_TELEGRAM_TOKEN"},
      {{"serve", "--webhook-secret", secret}, "'zoomtrack serve' has no option --webhook-secret",
       "ZOOMTRACK_WEBHOOK_SECRET or use --webhook-secret-file"},
      {{"--telegram-token", secret, "link", "create"}, "has no option --telegram-token", "ZOOMTRACK_TELEGRAM_TOKEN"},
      {{"sessions", "list", "--stauts", secret}, "'zoomtrack sessions list' has no option --stauts",
       "did you mean --status?"},
      {{"sessions", "show", "1", secret}, "too many arguments for 'zoomtrack sessions show'",
       "see 'zoomtrack sessions show --help'"},
  };
  for (const auto& c : cases) {
    auto args = c.args;
    args.insert(args.begin(), {"--db", db});
    auto r = run_zoomtrack(args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.problem) != std::string::npos);
    CHECK(r.err.find(c.hint) != std::string::npos);
    CHECK(r.err.find("AAHsecret") == std::string::npos);
    CHECK(r.out.empty());
  }
  CHECK(!std::filesystem::exists(db));
}

TEST_CASE("global flags before, between and after the commands are not taken for mistyped commands",
          "[cli][errors]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-v", "--db", db, "sessions", "list"},
           {"-q", "--db", db, "sessions", "list", "--json"},
           {"--db", db, "--verbose", "sessions", "list"},
           {"sessions", "--db", db, "list"},
           {"--db=" + db, "-q", "report", "--csv"},
           {"sessions", "list", "--db", db, "--quiet"}}) {
    auto r = run_zoomtrack(args);
    INFO(args[0] << " " << args[1] << ": " << r.err);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("a bad setting names where it came from: flag, environment variable or config file line",
          "[cli][errors]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  auto conf = dir.file("zoomtrack.conf");
  write_file(conf, "# school settings\nmax_lesson = forever\n");
  struct Case {
    std::vector<std::string> args;
    Env env;
    std::string problem;
  };
  const std::vector<Case> cases{
      {{"reconcile"}, {{"ZOOMTRACK_GRACE", "soon"}}, "ZOOMTRACK_GRACE: 'soon' is not a duration"},
      {{"reconcile", "--grace", "soon"}, {}, "--grace: 'soon' is not a duration"},
      {{"--config", conf, "reconcile"}, {}, conf + ":2: 'forever' is not a duration"},
      {{"reconcile"}, {{"ZOOMTRACK_STALE_AFTER", "4 hours"}}, "ZOOMTRACK_STALE_AFTER: '4 hours' is not a duration"},
      {{"sessions", "list"}, {{"ZOOMTRACK_BUSY_TIMEOUT", "x"}}, "ZOOMTRACK_BUSY_TIMEOUT: 'x' is not a duration"},
      {{"sessions", "list", "--from", "2026-11-01"}, {{"ZOOMTRACK_TZ", "Mars/Olympus"}}, "ZOOMTRACK_TZ: "},
      {{"serve"}, {{"ZOOMTRACK_LISTEN", "nowhere"}}, "ZOOMTRACK_LISTEN: "},
      {{"link", "create", "--teacher", "t", "--student", "s", "--zoom-url", "https://zoom.us/j/86431910364"},
       {{"ZOOMTRACK_BASE_URL", "ftp://lessons.example.org"}},
       "ZOOMTRACK_BASE_URL 'ftp://lessons.example.org' must start with http:// or https://"},
      {{"serve", "--listen", "127.0.0.1:0"}, {{"ZOOMTRACK_LOG_FORMAT", "xml"}},
       "ZOOMTRACK_LOG_FORMAT: log format 'xml' is neither text nor json"},
  };
  for (const auto& c : cases) {
    auto args = c.args;
    args.insert(args.begin(), {"--db", db});
    auto r = run_zoomtrack(args, c.env, "", 20);
    INFO(args[2] << " -> " << r.exit_code << " " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("zoomtrack: error: " + c.problem) == 0);
    CHECK(r.err.find(" (") != std::string::npos);  // a hint
  }
}

TEST_CASE("a --db that is not a zoomtrack database says so and what to do", "[cli][errors]") {
  TempDir dir;
  auto notes = dir.file("notes.txt");
  write_file(notes, std::string(4096, 'x'));
  auto r = run_zoomtrack({"--db", notes, "sessions", "list"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("zoomtrack: error: " + notes + " is not a SQLite database") == 0);
  CHECK(r.err.find("point --db at the zoomtrack database") != std::string::npos);
  CHECK(read_file(notes) == std::string(4096, 'x'));

  SECTION("a refused link create on a missing database leaves no file behind") {
    auto db = dir.file("new.db");
    auto bad = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t", "--student", "s", "--zoom-url",
                              "https://evil.example/j/1"});
    CHECK(bad.exit_code == 2);
    CHECK_FALSE(std::filesystem::exists(db));
    CHECK_FALSE(std::filesystem::exists(db + "-wal"));
  }
}
