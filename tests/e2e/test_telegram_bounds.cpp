// A hostile or broken Bot API cannot bloat, stall or expose us: the real binary against fakes
// that answer 150 MB, trickle a byte a second, or echo the request path with the token in it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/fake_telegram.hpp"
#include "support/fake_zoom.hpp"
#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> create_args(const std::string& db) {
  return {"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana", "--zoom-url",
          "https://zoom.us/j/86431910364?pwd=x", "--telegram-chat", "123456789", "--json"};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The secret half of the fake's token: what must never leave the process.
const std::string token_secret = std::string(FakeTelegram::token).substr(std::string(FakeTelegram::token).find(':') + 1);

}  // namespace

TEST_CASE("a 150 MB answer from the Bot API is read no further than 256 KiB", "[e2e][telegram]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  FakeTelegram telegram;
  telegram.answer_all(TelegramReply::huge);
  auto args = create_args(db);
  args.insert(args.begin(), {"/usr/bin/time", "-f", "maxrss_kib=%M", ZOOMTRACK_BINARY});
  auto r = run_program(args, telegram.env());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto link = json::parse(r.out);
  CHECK(link["telegram"] == "queued");
  CHECK(has(link["telegram_error"], "larger than 256 KiB"));
  auto at = r.err.find("maxrss_kib=");
  REQUIRE(at != std::string::npos);
  // ASan's shadow memory and quarantine add their own; still far below the 150 MB sent.
#ifdef __SANITIZE_ADDRESS__
  CHECK(std::stol(r.err.substr(at + 11)) < 200 * 1024);
#else
  CHECK(std::stol(r.err.substr(at + 11)) < 64 * 1024);
#endif
}

TEST_CASE("an answer that trickles holds link create no longer than its documented bound", "[e2e][telegram]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  FakeTelegram telegram;
  telegram.answer_all(TelegramReply::trickle);
  auto start = std::chrono::steady_clock::now();
  auto r = run_zoomtrack(create_args(db), telegram.env());
  auto took = seconds_since(start);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // 10 s plus 50 ms a message (man page); the margin is for a loaded machine.
  CHECK(took < 14.0);
  auto link = json::parse(r.out);
  CHECK(link["telegram"] == "queued");
  CHECK(has(link["telegram_error"], "no whole answer in time"));
}

TEST_CASE("the bot token never leaves the process, whatever the Bot API echoes", "[e2e][telegram]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  FakeTelegram telegram;
  telegram.answer_all(TelegramReply::echo_path);
  auto r = run_zoomtrack(create_args(db), telegram.env());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(!telegram.requests().empty());
  REQUIRE(has(telegram.requests().front().path, token_secret));  // the fake did echo it
  CHECK(has(r.out, "<bot token>"));
  for (const auto& text : {r.out, r.err}) CHECK(!has(text, token_secret));
  auto id = json::parse(r.out)["id"].get<int64_t>();
  for (auto format : {"--json", ""}) {
    std::vector<std::string> args{"--db", db, "sessions", "show", std::to_string(id)};
    if (*format) args.push_back(format);
    auto shown = run_zoomtrack(args);
    CHECK(has(shown.out, "Not Found: POST /bot<bot token>/sendMessage"));
    CHECK(!has(shown.out + shown.err, token_secret));
  }
  // Nor in the database's files, whatever the page it would be on.
  for (auto suffix : {"", "-wal"}) {
    auto path = db + suffix;
    if (std::filesystem::exists(path)) CHECK(!has(read_file(path), token_secret));
  }
}

TEST_CASE("serve stops within a few seconds of SIGTERM while a send trickles", "[e2e][telegram]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  FakeTelegram telegram;
  // Queued by link create, which cannot reach Telegram; serve sends it once its backoff is over.
  auto queued = run_zoomtrack(create_args(db), {{"ZOOMTRACK_TELEGRAM_API_BASE", "http://127.0.0.1:" + std::to_string(closed_port())},
                                                {"ZOOMTRACK_TELEGRAM_TOKEN", FakeTelegram::token}});
  REQUIRE(queued.exit_code == 0);
  telegram.answer_all(TelegramReply::trickle);
  ServeProcess serve(db, telegram.env());
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (telegram.requests().empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  REQUIRE(!telegram.requests().empty());
  std::this_thread::sleep_for(1500ms);  // well into the trickle
  auto start = std::chrono::steady_clock::now();
  int status = serve.stop();
  CHECK(seconds_since(start) < 4.0);
  CHECK(status == 0);
}
