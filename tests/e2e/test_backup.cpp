// zoomtrack backup: a consistent copy while serve takes clicks, checked, put in place atomically,
// and nothing left behind when it cannot be written.
#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Tracking tokens of `n` new lessons, each on its own meeting.
std::vector<std::string> create_lessons(const TempDir& dir, const std::string& db, int n) {
  std::string csv = "teacher,student,zoom_url\n";
  for (int i = 0; i < n; ++i) {
    csv += "t" + std::to_string(i % 4) + ",s" + std::to_string(i) + ",https://zoom.us/j/" + std::to_string(900000000 + i) + "\n";
  }
  write_file(dir.file("lessons.csv"), csv);
  auto r = run_zoomtrack({"--db", db, "link", "create", "--from-csv", dir.file("lessons.csv"), "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> tokens;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) tokens.push_back(json::parse(line)["track_token"]);
  }
  REQUIRE(tokens.size() == static_cast<size_t>(n));
  return tokens;
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string integrity(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA integrity_check").getString();
}

}  // namespace

namespace {

// A browser's User-Agent that carries the click's number in its build, so that the copy tells
// which clicks it holds.
// Each click numbered in its Chrome's patch level, so the copy says which clicks it holds. A release's numbers: the
// click filter previews a Chrome whose build is under 100, which no release had.
constexpr std::string_view load_chrome = "Chrome/120.0.6099.";
std::string load_agent(int i) {
  return "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " + std::string(load_chrome) +
         std::to_string(i) + " Safari/537.36";
}
int load_click_number(const std::string& agent) {
  auto patch = agent.find(load_chrome) + load_chrome.size();
  return std::stoi(agent.substr(patch, agent.find(' ', patch) - patch));
}

}  // namespace

TEST_CASE("backup during a click load: the copy is intact and holds every click acknowledged before it began", "[e2e][backup][sqlite]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  auto out = dir.path() / "backups";
  fs::create_directory(out);
  auto copy = (out / "zoomtrack-copy.db").string();
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  auto tokens = create_lessons(dir, db, 40);
  ServeProcess serve(db);

  constexpr int total_clicks = 400;
  std::mutex mutex;
  std::set<int> acknowledged;
  std::atomic<bool> failed{false};
  std::thread load([&] {
    auto http = serve.client();
    for (int i = 0; i < total_clicks; ++i) {
      auto res = http.Get("/t/" + tokens[static_cast<size_t>(i) % tokens.size()],
                          {{"User-Agent", load_agent(i)}});
      if (!res || res->status != 302) {
        failed = true;
        continue;
      }
      std::lock_guard lock(mutex);
      acknowledged.insert(i);
    }
  });
  auto acknowledged_now = [&] {
    std::lock_guard lock(mutex);
    return acknowledged;
  };
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (acknowledged_now().size() < 60 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  auto before = acknowledged_now();
  auto r = run_zoomtrack({"--db", db, "backup", copy});
  auto during = acknowledged_now().size();
  load.join();
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(failed);
  CHECK(r.out.empty());
  CHECK(r.err.find("integrity ok") != std::string::npos);
  INFO("clicks acknowledged before the backup: " << before.size() << ", when it ended: " << during);
  REQUIRE(before.size() >= 60);

  CHECK(integrity(copy) == "ok");
  {
    SQLite::Database check(copy, SQLite::OPEN_READONLY);
    CHECK(check.execAndGet("PRAGMA journal_mode").getString() == "delete");
    SQLite::Statement q(check, "SELECT user_agent FROM clicks");
    std::set<int> copied;
    while (q.executeStep()) {
      auto ua = q.getColumn(0).getString();
      copied.insert(load_click_number(ua));
    }
    for (int i : before) {
      INFO("click " << i);
      CHECK(copied.count(i) == 1);
    }
    CHECK(copied.size() <= static_cast<size_t>(total_clicks));
  }
  // A single file, no temporary beside it.
  CHECK(listing(out) == std::vector<std::string>{"zoomtrack-copy.db"});

  // The copy is a zoomtrack database that every command opens.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"sessions", "list", "--csv"},
           {"sessions", "show", "1", "--json"},
           {"report", "--by", "teacher"},
           {"events", "list"},
           {"reconcile", "--dry-run"},
           {"init"}}) {
    std::vector<std::string> full{"--db", copy};
    full.insert(full.end(), args.begin(), args.end());
    auto opened = run_zoomtrack(full);
    INFO(args[0] << ": " << opened.err);
    CHECK(opened.exit_code == 0);
  }
  serve.stop();
  // Nothing was lost from the live database meanwhile.
  CHECK(integrity(db) == "ok");
}

TEST_CASE("backup replaces an older copy atomically and keeps the database's permissions", "[e2e][backup][sqlite]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  create_lessons(dir, db, 3);
  fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write);
  auto target = dir.file("copy.db");
  write_file(target, "yesterday's copy\n");
  auto r = run_zoomtrack({"--db", db, "-q", "backup", target});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(integrity(target) == "ok");
  CHECK((fs::status(target).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  auto listed = run_zoomtrack({"--db", target, "sessions", "list", "--json"});
  CHECK(json::parse(listed.out).size() == 3);
}

TEST_CASE("backup refuses the live database's own files and says why, changing nothing", "[e2e][backup][sqlite]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  create_lessons(dir, db, 2);
  auto before = read_file(db);
  auto files = listing(dir.path());
  for (const auto& target : {db, dir.path().string() + "/./zoomtrack.db", db + "-wal", db + ".spool"}) {
    INFO(target);
    auto r = run_zoomtrack({"--db", db, "backup", target});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("zoomtrack: error: cannot back up to " + target + ": it is the live database") == 0);
  }
  fs::create_symlink(db, dir.file("link.db"));
  auto linked = run_zoomtrack({"--db", db, "backup", dir.file("link.db")});
  CHECK(linked.exit_code == 2);
  fs::remove(dir.file("link.db"));
  CHECK(read_file(db) == before);
  CHECK(listing(dir.path()) == files);

  auto directory = run_zoomtrack({"--db", db, "backup", dir.path().string()});
  CHECK(directory.exit_code == 2);
  CHECK(directory.err.find(": it is a directory (give a file name") != std::string::npos);

  auto missing = run_zoomtrack({"--db", db, "backup", dir.file("nope/copy.db")});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("the directory " + dir.file("nope") + " does not exist") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.file("nope")));

  // A -wal beside the target would be replayed into the new copy when it is opened.
  write_file(dir.file("old.db-wal"), "not ours");
  auto hot = run_zoomtrack({"--db", db, "backup", dir.file("old.db")});
  CHECK(hot.exit_code == 4);
  CHECK(hot.err.find("old.db-wal exists beside it") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.file("old.db")));
  fs::remove(dir.file("old.db-wal"));

  auto no_db = run_zoomtrack({"--db", dir.file("absent.db"), "backup", dir.file("copy.db")});
  CHECK(no_db.exit_code == 1);
  CHECK(no_db.err.find("no zoomtrack database at") != std::string::npos);
  CHECK(listing(dir.path()) == files);
}

TEST_CASE("a backup that cannot be written leaves nothing behind", "[e2e][backup][sqlite]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  create_lessons(dir, db, 20);
  auto out = dir.path() / "out";
  fs::create_directory(out);
  auto target = (out / "copy.db").string();

  SECTION("the file size limit (as a full disk) stops the copy halfway") {
    // ulimit -f counts 512-byte blocks; 64 KiB is less than the database and more than its -shm.
    REQUIRE(fs::file_size(db) > 96 * 1024);
    auto r = run_program({"sh", "-c", "trap '' XFSZ; ulimit -f 128; exec \"$@\"", "sh", ZOOMTRACK_BINARY, "--db", db,
                          "backup", target});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("zoomtrack: error: cannot back up to " + target + ": cannot write the copy: ") == 0);
    CHECK(listing(out).empty());
  }
  SECTION("a directory that cannot be written") {
    if (::geteuid() == 0) return;  // root writes anywhere
    fs::permissions(out, fs::perms::owner_read | fs::perms::owner_exec);
    auto r = run_zoomtrack({"--db", db, "backup", target});
    fs::permissions(out, fs::perms::owner_all);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("writable") != std::string::npos);
    CHECK(listing(out).empty());
  }
  CHECK(integrity(db) == "ok");
}
