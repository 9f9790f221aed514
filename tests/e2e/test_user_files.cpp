// Files and inputs are what they claim: outputs never replace what is not a regular file, inputs
// are regular files of sane size, another application's database is left byte for byte as it was,
// text that is not UTF-8 never breaks a listing, and refs that look alike are one key.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/util/crypto.hpp"
#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string zoom_url = "https://zoom.us/j/86431910364?pwd=abc";

void held_lesson(const std::string& db) {
  PastLessons past(db);
  past.held({"t.abebe", "s.hana", zoom_url, "", ""}, minutes_from_now(-90), minutes_from_now(-40));
}

std::string file_hash(const std::string& path) { return zt::sha256_hex(read_file(path)); }

// A private device node in the test's own directory (never under /dev): the same device as
// /dev/null or /dev/zero. Only root may make one; elsewhere the caller skips with a warning.
bool make_device(const std::string& path, unsigned minor) {
  return ::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, minor)) == 0;
}

std::string raw_request(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("report -o replaces a regular file, follows a symlink and writes through a FIFO or device",
          "[e2e][files]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  held_lesson(db);
  std::vector<std::string> report{"--db", db, "report", "--csv", "-o"};
  auto with_output = [&](const std::string& path) {
    auto args = report;
    args.push_back(path);
    return run_zoomtrack(args);
  };
  auto expected = run_zoomtrack({"--db", db, "report", "--csv"}).out;
  REQUIRE(expected.find("t.abebe") != std::string::npos);

  SECTION("a symlink is followed: its target is replaced, the link stays a link") {
    write_file(dir.file("payroll.csv"), "old");
    fs::create_symlink("payroll.csv", dir.file("latest.csv"));
    auto r = with_output(dir.file("latest.csv"));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::is_symlink(dir.file("latest.csv")));
    CHECK(read_file(dir.file("payroll.csv")) == expected);
  }
  SECTION("a dangling symlink creates its target") {
    fs::create_symlink("new.csv", dir.file("link.csv"));
    CHECK(with_output(dir.file("link.csv")).exit_code == 0);
    CHECK(fs::is_symlink(dir.file("link.csv")));
    CHECK(read_file(dir.file("new.csv")) == expected);
  }
  SECTION("a FIFO is written through, not replaced") {
    REQUIRE(::mkfifo(dir.file("pipe").c_str(), 0600) == 0);
    std::string got;
    std::thread reader([&] { got = read_file(dir.file("pipe")); });
    auto r = with_output(dir.file("pipe"));
    reader.join();
    CHECK(r.exit_code == 0);
    CHECK(got == expected);
    CHECK(fs::is_fifo(dir.file("pipe")));
  }
  SECTION("a device is written through and stays a device") {
    if (!make_device(dir.file("null"), 3)) {
      WARN("skipped: making a device node needs root");
      return;
    }
    auto r = with_output(dir.file("null"));
    CHECK(r.exit_code == 0);
    CHECK(fs::is_character_file(dir.file("null")));
  }
  SECTION("-o /dev/stdout prints to standard output, whatever it is") {
    auto r = with_output("/dev/stdout");
    CHECK(r.exit_code == 0);
    CHECK(r.out == expected);
  }
  SECTION("a socket is refused and left as it is") {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    auto path = dir.file("s");
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    auto r = with_output(path);
    ::close(fd);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("it is a socket") != std::string::npos);
    CHECK(fs::is_socket(path));
  }
}

TEST_CASE("backup writes only regular files: a device or FIFO is refused untouched, a symlink followed",
          "[e2e][files][backup][sqlite]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  held_lesson(db);
  REQUIRE(::mkfifo(dir.file("pipe").c_str(), 0600) == 0);
  auto fifo = run_zoomtrack({"--db", db, "backup", dir.file("pipe")});
  CHECK(fifo.exit_code == 2);
  CHECK(fifo.err.find("not a regular file") != std::string::npos);
  CHECK(fs::is_fifo(dir.file("pipe")));
  if (make_device(dir.file("null"), 3)) {
    CHECK(run_zoomtrack({"--db", db, "backup", dir.file("null")}).exit_code == 2);
    CHECK(fs::is_character_file(dir.file("null")));
  } else {
    WARN("device node part skipped: making one needs root");
  }
  fs::create_directory(dir.file("backups"));
  fs::create_symlink("backups/zt-copy.db", dir.file("latest.db"));
  auto linked = run_zoomtrack({"--db", db, "backup", dir.file("latest.db")});
  INFO(linked.err);
  CHECK(linked.exit_code == 0);
  CHECK(fs::is_symlink(dir.file("latest.db")));
  CHECK(run_zoomtrack({"--db", dir.file("backups/zt-copy.db"), "report", "--csv"}).out ==
        run_zoomtrack({"--db", db, "report", "--csv"}).out);
}

TEST_CASE("a config file given by --config must be a regular file of sane size", "[e2e][files][config]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  auto with_config = [&](const std::string& config) {
    return run_zoomtrack({"--db", db, "--config", config, "sessions", "list"});
  };
  auto directory = with_config(dir.path().string());
  CHECK(directory.exit_code == 2);
  CHECK(directory.err.find("cannot read config file " + dir.path().string() + ": it is a directory") !=
        std::string::npos);
  auto endless = with_config("/dev/zero");  // only looked at, never read
  CHECK(endless.exit_code == 2);
  CHECK(endless.err.find("it is not a regular file") != std::string::npos);
  write_file(dir.file("huge.conf"), std::string(2 * 1024 * 1024, '#'));
  auto huge = with_config(dir.file("huge.conf"));
  CHECK(huge.exit_code == 2);
  CHECK(huge.err.find("larger than") != std::string::npos);
  write_file(dir.file("good.conf"), "tz = UTC\n");
  CHECK(with_config(dir.file("good.conf")).exit_code == 0);
}

TEST_CASE("another application's SQLite database is refused by every command and left byte for byte",
          "[e2e][files][store][sqlite]") {
  TempDir dir;
  auto other = dir.file("notes.db");
  auto made = run_program({"sqlite3", other, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);"
                                             "INSERT INTO notes(body) VALUES ('keep me');"});
  REQUIRE(made.exit_code == 0);
  auto with_id = dir.file("app.db");
  REQUIRE(run_program({"sqlite3", with_id, "PRAGMA application_id = 1234; CREATE TABLE t(x);"}).exit_code == 0);
  for (const auto& db : {other, with_id}) {
    auto before = file_hash(db);
    for (const auto& args : std::vector<std::vector<std::string>>{{"sessions", "list"},
                                                                   {"report", "--csv"},
                                                                   {"verify"},
                                                                   {"init"},
                                                                   {"reconcile"},
                                                                   {"link", "create", "--teacher", "t", "--student", "s",
                                                                    "--zoom-url", zoom_url}}) {
      auto all = args;
      all.insert(all.begin(), {"--db", db});
      auto r = run_zoomtrack(all);
      INFO(args[0] << ": " << r.err);
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("is not a zoomtrack database") != std::string::npos);
    }
    CHECK(file_hash(db) == before);
    CHECK(!fs::exists(db + "-wal"));
    CHECK(run_program({"sqlite3", db, "PRAGMA journal_mode;"}).out == "delete\n");
  }
}

TEST_CASE("bytes that are not UTF-8 from a browser or from Zoom are stored and shown as U+FFFD",
          "[e2e][files][utf8]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  const std::string secret = "utf8-secret";
  ServeProcess serve(db, {{"ZOOMTRACK_WEBHOOK_SECRET", secret}});
  auto made = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                             "--zoom-url", zoom_url, "--base-url", serve.base_url(), "--json"});
  REQUIRE(made.exit_code == 0);
  auto link = json::parse(made.out);
  auto token = link["track_token"].get<std::string>();

  const std::string odd_agent = "Mozilla/5.0 (X11; Linux \xff\xfe\xc3) AppleWebKit/537.36 (KHTML, like Gecko) "
                                "Chrome/120.0 Safari/537.36";
  auto answer = raw_request(serve.port(), "GET /t/" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " +
                                              odd_agent + "\r\nConnection: close\r\n\r\n");
  REQUIRE(answer.rfind("HTTP/1.1 302", 0) == 0);

  // A participant whose display name is not UTF-8, signed as sent.
  auto body = std::string(R"({"event":"meeting.participant_joined","event_ts":)") +
              std::to_string(std::time(nullptr) * 1000) +
              R"(,"payload":{"account_id":"a","object":{"id":"86431910364","uuid":"u==","host_id":"h","topic":"Lesson",)"
              R"("participant":{"user_id":"16778240","user_name":"Ha)" + std::string("\xff") +
              R"(na","id":"","join_time":")" + minutes_from_now(0) + R"(","email":""}}}})";
  auto sent = dir.file("body.json");
  write_file(sent, body);
  auto delivered = run_zoomtrack({"--db", db, "webhook", "send", "--body-file", sent, "--to",
                                  serve.base_url() + "/webhooks/zoom"},
                                 {{"ZOOMTRACK_WEBHOOK_SECRET", secret}});
  INFO(delivered.out << delivered.err);
  CHECK(delivered.exit_code == 0);
  CHECK(delivered.out.find("\"status\":\"ignored\"") != std::string::npos);  // a guest: kept, ends nothing

  auto shown = run_zoomtrack({"--db", db, "sessions", "show", std::to_string(link["id"].get<int64_t>()), "--json"});
  REQUIRE(shown.exit_code == 0);
  auto lesson = json::parse(shown.out);
  CHECK(lesson["clicks"][0]["user_agent"].get<std::string>().find("Linux \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD)") !=
        std::string::npos);
  CHECK(lesson["segments"][0]["name"] == "Ha\xEF\xBF\xBDna");
  auto listed = run_zoomtrack({"--db", db, "sessions", "list", "--json"});
  CHECK(listed.exit_code == 0);
  CHECK(json::parse(listed.out).size() == 1);
  auto table = run_zoomtrack({"--db", db, "sessions", "show", std::to_string(link["id"].get<int64_t>())});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("\xff") == std::string::npos);
  auto events = run_zoomtrack({"--db", db, "events", "list", "--json"});
  CHECK(events.exit_code == 0);
  CHECK(json::parse(events.out).size() == 1);
  CHECK(serve.stop() == 0);
}

TEST_CASE("refs that look alike are one key: spaces trimmed, bidi and control characters refused",
          "[e2e][files][ref]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  auto create = [&](const std::string& ref) {
    return run_zoomtrack({"--db", db, "link", "create", "--teacher", "t", "--student", "s", "--zoom-url", zoom_url,
                          "--ref", ref, "--json"});
  };
  auto first = create("booking-1");
  REQUIRE(first.exit_code == 0);
  auto again = create(" booking-1 ");
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(json::parse(again.out)["existing"] == true);
  CHECK(json::parse(again.out)["id"] == json::parse(first.out)["id"]);
  for (const std::string& look_alike : {std::string("booking-\xE2\x80\xAE" "1"), std::string("booking-1\xE2\x80\x8F"),
                                        std::string("booking\x7f-1"), std::string("booking-\xff")}) {
    auto r = create(look_alike);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--ref") != std::string::npos);
  }
  auto found = run_zoomtrack({"--db", db, "sessions", "list", "--ref", "booking-1 ", "--json"});
  CHECK(json::parse(found.out).size() == 1);
}

TEST_CASE("the help's report example covers November and no more", "[cli][files]") {
  auto help = run_zoomtrack({"--help"});
  CHECK(help.out.find("report --from 2026-11-01 --to 2026-11-30 ") != std::string::npos);
}
