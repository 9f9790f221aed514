// Lesson links on Telegram: the real binary against a fake Bot API on loopback.
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

namespace {

const std::string zoom_url = "https://zoom.us/j/86431910364?pwd=Secret123";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Env merged(Env a, const Env& b) {
  for (const auto& [k, v] : b) a[k] = v;
  return a;
}

struct World {
  TempDir dir;
  std::string db = dir.file("zoomtrack.db");
  FakeTelegram telegram;

  RunResult create(const std::vector<std::string>& extra, const Env& env = {}) {
    std::vector<std::string> args{"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                                  "--zoom-url", zoom_url, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_zoomtrack(args, merged(telegram.env(), env));
  }
  json created(const std::vector<std::string>& extra, const Env& env = {}) {
    auto r = create(extra, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
  // A Telegram that cannot be reached: the deliveries stay queued.
  Env unreachable() const {
    return {{"ZOOMTRACK_TELEGRAM_API_BASE", "http://127.0.0.1:" + std::to_string(closed_port())}};
  }
  json deliveries(int64_t id) { return show_lesson(db, id)["telegram_deliveries"]; }
};

double seconds_between(const TelegramRequest& a, const TelegramRequest& b) {
  return std::chrono::duration<double>(b.at - a.at).count();
}

// Polls `done` for up to `limit`: for what serve does in the background.
template <class F>
bool eventually(F done, std::chrono::seconds limit = std::chrono::seconds{30}) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

}  // namespace

TEST_CASE("link create sends the student the tracking URL and the teacher the checkout URL as inline buttons",
          "[e2e][telegram]") {
  World w;
  auto link = w.created({"--teacher-name", "Abebe & <Co>", "--student-name", "Hana \"H\"", "--scheduled-at",
                         "2030-01-07T06:00:00Z", "--tz", "Africa/Addis_Ababa", "--telegram-chat", "123456789",
                         "--teacher-telegram-chat", "-1001234567890"});
  CHECK(link["telegram"] == "sent");
  CHECK(!link.contains("telegram_error"));
  REQUIRE(link["telegram_deliveries"].size() == 2);
  CHECK(link["telegram_deliveries"][0]["role"] == "student");
  CHECK(link["telegram_deliveries"][0]["message_id"] == 100);
  CHECK(link["telegram_deliveries"][1]["message_id"] == 101);

  auto requests = w.telegram.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].path == std::string("/bot") + FakeTelegram::token + "/sendMessage");
  json student = {{"chat_id", 123456789},
                  {"parse_mode", "HTML"},
                  {"text", "<b>Your lesson with Abebe &amp; &lt;Co&gt;</b>\n2030-01-07 09:00 (Africa/Addis_Ababa)\n"
                           "Press the button below to join the lesson on Zoom."},
                  {"reply_markup", {{"inline_keyboard", {{{{"text", "Join the lesson"}, {"url", link["tracking_url"]}}}}}}}};
  CHECK(requests[0].body == student);
  json teacher = {{"chat_id", -1001234567890},
                  {"parse_mode", "HTML"},
                  {"text", "<b>Lesson with Hana &quot;H&quot;</b>\n2030-01-07 09:00 (Africa/Addis_Ababa)\n"
                           "When the lesson is over, press the button below to end it."},
                  {"reply_markup", {{"inline_keyboard", {{{{"text", "End the lesson"}, {"url", link["checkout_url"]}}}}}}}};
  CHECK(requests[1].body == teacher);
  // The Zoom URL (and its password) never goes to Telegram.
  for (const auto& r : requests) CHECK(!has(r.body.dump(), "Secret123"));

  auto shown = w.deliveries(link["id"]);
  REQUIRE(shown.size() == 2);
  CHECK(shown[0]["chat"] == "123456789");
  CHECK(shown[0]["state"] == "sent");
  CHECK(shown[0]["attempts"] == 1);
  CHECK(shown[0]["message_id"] == 100);
  CHECK(shown[0]["last_error"] == "");

  auto table = run_zoomtrack({"--db", w.db, "sessions", "show", std::to_string(int64_t(link["id"]))});
  CHECK(has(table.out, "telegram (2)"));
  CHECK(has(table.out, "student 123456789 sent   message 100 attempts 1"));
}

TEST_CASE("the table output says where each message went", "[e2e][telegram]") {
  World w;
  auto r = run_zoomtrack({"--db", w.db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana", "--zoom-url",
                          zoom_url, "--telegram-chat", "123456789"},
                         w.telegram.env());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "telegram:     student 123456789: sent (message 100)\n"));
}

TEST_CASE("without a bot token a Telegram chat is refused before anything is stored", "[e2e][telegram]") {
  World w;
  auto r = run_zoomtrack({"--db", w.db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana", "--zoom-url",
                          zoom_url, "--telegram-chat", "123456789"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "ZOOMTRACK_TELEGRAM_TOKEN"));
  CHECK(!std::filesystem::exists(w.db));

  SECTION("and so is a chat that is not a chat, with a token") {
    auto bad = w.create({"--telegram-chat", "hana"});
    CHECK(bad.exit_code == 2);
    CHECK(has(bad.err, "--telegram-chat 'hana' is not a Telegram chat"));
    CHECK(w.telegram.requests().empty());
    auto list = run_zoomtrack({"--db", w.db, "sessions", "list", "--json"});
    CHECK(json::parse(list.out).empty());
  }
  SECTION("and a token that is not a bot token, without quoting it") {
    auto bad = w.create({"--telegram-chat", "123"}, {{"ZOOMTRACK_TELEGRAM_TOKEN", "not/a-token?x=1"}});
    CHECK(bad.exit_code == 2);
    CHECK(has(bad.err, "is not of the form"));
    CHECK(!has(bad.err, "not/a-token"));
  }
}

TEST_CASE("chat not found and a blocked bot are recorded as failed, never retried, and the lesson stays",
          "[e2e][telegram]") {
  World w;
  w.telegram.fail_chat("123", TelegramReply::chat_not_found);
  w.telegram.fail_chat("456", TelegramReply::blocked);
  auto r = w.create({"--telegram-chat", "123", "--teacher-telegram-chat", "456"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto link = json::parse(r.out);
  CHECK(link["telegram"] == "failed");
  CHECK(link["telegram_error"] == "Bad Request: chat not found");
  CHECK(link["telegram_deliveries"][1]["last_error"] == "Forbidden: bot was blocked by the user");
  CHECK(has(r.err, "2 Telegram message(s) failed"));
  CHECK(show_lesson(w.db, link["id"])["status"] == "created");

  auto again = run_zoomtrack({"--db", w.db, "reconcile"}, w.telegram.env());
  CHECK(again.exit_code == 0);
  CHECK(w.telegram.requests().size() == 2);
  auto shown = w.deliveries(link["id"]);
  CHECK(shown[0]["state"] == "failed");
  CHECK(shown[0]["attempts"] == 1);
}

TEST_CASE("a 429 is retried after retry_after, and a 502 after a backoff, within link create's wait",
          "[e2e][telegram]") {
  World w;
  SECTION("429") {
    w.telegram.then(TelegramReply::too_many_requests, 2);
    auto link = w.created({"--telegram-chat", "123"});
    CHECK(link["telegram"] == "sent");
    CHECK(link["telegram_deliveries"][0]["attempts"] == 2);
    auto requests = w.telegram.requests();
    REQUIRE(requests.size() == 2);
    CHECK(seconds_between(requests[0], requests[1]) >= 1.9);
  }
  SECTION("502") {
    w.telegram.then(TelegramReply::bad_gateway);
    auto link = w.created({"--telegram-chat", "123"});
    CHECK(link["telegram"] == "sent");
    auto requests = w.telegram.requests();
    REQUIRE(requests.size() == 2);
    CHECK(seconds_between(requests[0], requests[1]) >= 1.9);
  }
}

TEST_CASE("lessons from CSV go to their chats, one a second at most in a shared chat", "[e2e][telegram][csv]") {
  World w;
  auto csv = w.dir.file("lessons.csv");
  write_file(csv,
             "teacher,student,zoom_url,teacher_name,telegram_chat,teacher_telegram_chat\n"
             "t.abebe,s.hana,https://zoom.us/j/111111111,Abebe,1001,2001\n"
             "t.abebe,s.lulit,https://zoom.us/j/111111111,Abebe,1002,2001\n"
             "t.chala,s.meron,https://zoom.us/j/222222222,Chala,,\n");
  auto r = run_zoomtrack({"--db", w.db, "link", "create", "--from-csv", csv, "--json"}, w.telegram.env());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["telegram"] == "sent");
  CHECK(lines[1]["telegram"] == "sent");
  CHECK(!lines[2].contains("telegram"));
  auto requests = w.telegram.requests();
  REQUIRE(requests.size() == 4);
  std::vector<TelegramRequest> teacher;
  for (const auto& q : requests) {
    if (q.body["chat_id"] == 2001) teacher.push_back(q);
  }
  REQUIRE(teacher.size() == 2);
  CHECK(seconds_between(teacher[0], teacher[1]) >= 0.9);

  SECTION("a bad chat in one row stores no row and sends nothing") {
    write_file(csv, "teacher,student,zoom_url,telegram_chat\nt.a,s.b,https://zoom.us/j/111111111,1001\n"
                    "t.a,s.c,https://zoom.us/j/111111111,not-a-chat\n");
    auto bad = run_zoomtrack({"--db", w.db, "link", "create", "--from-csv", csv}, w.telegram.env());
    CHECK(bad.exit_code == 2);
    CHECK(has(bad.err, "row 2"));
    CHECK(w.telegram.requests().size() == 4);
    CHECK(json::parse(run_zoomtrack({"--db", w.db, "sessions", "list", "--json"}).out).size() == 3);
  }
}

TEST_CASE("link send sends the links again as new messages", "[e2e][telegram]") {
  World w;
  auto link = w.created({"--telegram-chat", "123", "--teacher-telegram-chat", "456"});
  auto id = std::to_string(int64_t(link["id"]));
  auto again = run_zoomtrack({"--db", w.db, "link", "send", id, "--json"}, w.telegram.env());
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  auto sent = json::parse(again.out);
  CHECK(sent["telegram"] == "sent");
  REQUIRE(sent["telegram_deliveries"].size() == 2);
  CHECK(sent["telegram_deliveries"][0]["chat"] == "123");
  CHECK(sent["telegram_deliveries"][0]["message_id"] == 102);
  CHECK(sent["telegram_deliveries"][1]["chat"] == "456");

  auto other = run_zoomtrack({"--db", w.db, "link", "send", id, "--telegram-chat", "789"}, w.telegram.env());
  CHECK(other.exit_code == 0);
  CHECK(has(other.out, "student 789: sent (message 104)"));
  CHECK(w.telegram.requests().back().body["chat_id"] == 789);
  CHECK(w.deliveries(link["id"]).size() == 5);

  SECTION("a lesson never sent needs a chat") {
    auto plain = w.created({"--allow-duplicate"});
    auto r = run_zoomtrack({"--db", w.db, "link", "send", std::to_string(int64_t(plain["id"]))}, w.telegram.env());
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, "never sent on Telegram"));
  }
  SECTION("a void lesson is not sent") {
    REQUIRE(run_zoomtrack({"--db", w.db, "sessions", "void", id, "--reason", "cancelled"}).exit_code == 0);
    auto r = run_zoomtrack({"--db", w.db, "link", "send", id}, w.telegram.env());
    CHECK(r.exit_code == 4);
  }
  SECTION("an unknown lesson") {
    CHECK(run_zoomtrack({"--db", w.db, "link", "send", "999"}, w.telegram.env()).exit_code == 3);
  }
  SECTION("without a token") {
    auto r = run_zoomtrack({"--db", w.db, "link", "send", id});
    CHECK(r.exit_code == 2);
    CHECK(w.deliveries(link["id"]).size() == 5);
  }
}

TEST_CASE("reconcile sends what waits in the outbox", "[e2e][telegram][reconcile]") {
  World w;
  auto r = w.create({"--telegram-chat", "123"}, w.unreachable());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto link = json::parse(r.out);
  CHECK(link["telegram"] == "queued");
  CHECK(has(link["telegram_error"].get<std::string>(), "cannot reach Telegram at http://127.0.0.1:"));
  CHECK(has(r.err, "not sent yet"));

  auto without = run_zoomtrack({"--db", w.db, "reconcile"});
  CHECK(has(without.err, "1 Telegram message(s) wait in the outbox"));
  // The failed attempt's backoff has to pass first.
  auto sent = eventually([&] {
    run_zoomtrack({"--db", w.db, "reconcile"}, w.telegram.env());
    return w.deliveries(link["id"])[0]["state"] == "sent";
  });
  CHECK(sent);
}

TEST_CASE("a Telegram outage never delays or fails a click, and serve sends once Telegram is back",
          "[e2e][telegram][serve]") {
  World w;
  auto r = w.create({"--telegram-chat", "123"}, w.unreachable());
  REQUIRE(r.exit_code == 0);
  auto link = json::parse(r.out);
  w.telegram.hang_all();
  ServeProcess serve(w.db, w.telegram.env());
  // serve's sender is stuck in a request that Telegram does not answer...
  REQUIRE(eventually([&] { return w.telegram.hanging() > 0; }));
  // ...while the student clicks: the click is answered, Telegram still hanging.
  auto click = serve.client().Get(path_of(link["tracking_url"]), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
  REQUIRE(click);
  CHECK(click->status == 302);
  CHECK(w.telegram.hanging() > 0);
  CHECK(show_lesson(w.db, link["id"])["status"] == "active");
  w.telegram.release();
  CHECK(eventually([&] { return w.deliveries(link["id"])[0]["state"] == "sent"; }));
  CHECK(serve.stop() == 0);
}

TEST_CASE("the bot token appears in no output, log, metric or setting shown", "[e2e][telegram][secrets]") {
  World w;
  std::string token = FakeTelegram::token;
  std::string secret_part = token.substr(token.find(':') + 1);
  std::vector<std::string> seen;
  auto keep = [&](const RunResult& r) { seen.push_back(r.out + r.err); };

  w.telegram.then(TelegramReply::bad_gateway);
  keep(w.create({"--telegram-chat", "123"}, {}));
  keep(run_zoomtrack({"-v", "--db", w.db, "link", "create", "--teacher", "t", "--student", "s", "--zoom-url", zoom_url,
                      "--telegram-chat", "123"},
                     merged(w.telegram.env(), w.unreachable())));
  keep(run_zoomtrack({"--db", w.db, "config", "show"}, w.telegram.env()));
  auto json_config = run_zoomtrack({"--db", w.db, "config", "show", "--json"}, w.telegram.env());
  keep(json_config);
  CHECK(json::parse(json_config.out)["telegram_token"]["value"] == "set (from ZOOMTRACK_TELEGRAM_TOKEN)");
  keep(run_zoomtrack({"--db", w.db, "sessions", "show", "1", "--json"}));
  keep(run_zoomtrack({"-v", "--db", w.db, "reconcile"}, w.telegram.env()));

  auto file = w.dir.file("token");
  write_file(file, token + "\n");
  auto from_file = run_zoomtrack({"--db", w.db, "config", "show", "--json"}, {{"ZOOMTRACK_TELEGRAM_TOKEN_FILE", file}});
  keep(from_file);
  CHECK(json::parse(from_file.out)["telegram_token"]["value"] == "set (from file " + file + ")");
  auto sent_with_file = run_zoomtrack({"--db", w.db, "link", "send", "1", "--telegram-token-file", file},
                                      {{"ZOOMTRACK_TELEGRAM_API_BASE", w.telegram.api_base()}});
  keep(sent_with_file);
  CHECK(sent_with_file.exit_code == 0);

  {
    ServeProcess serve(w.db, merged(w.telegram.env(), {{"ZOOMTRACK_WEBHOOK_SECRET", "whsec"}}), {"-v"});
    REQUIRE(run_zoomtrack({"--db", w.db, "link", "send", "2"}, merged(w.telegram.env(), w.unreachable())).exit_code == 0);
    CHECK(eventually([&] { return w.deliveries(2).back()["state"] == "sent"; }));
    auto metrics = serve.client().Get("/metrics");
    REQUIRE(metrics);
    seen.push_back(metrics->body);
    serve.stop();
    seen.push_back(serve.log());
    CHECK(has(serve.log(), "telegram lesson 2 student 123: sent"));
  }
  for (const auto& text : seen) {
    INFO(text);
    CHECK(!has(text, secret_part));
  }
}

TEST_CASE("a retried link create --ref sends nothing twice and reports the first messages", "[e2e][telegram][ref]") {
  World w;
  auto first = w.created({"--ref", "booking-7", "--telegram-chat", "123456789"});
  CHECK(first["telegram"] == "sent");
  REQUIRE(w.telegram.requests().size() == 1);
  auto retry = w.created({"--ref", "booking-7", "--telegram-chat", "123456789"});
  CHECK(retry["existing"] == true);
  CHECK(retry["id"] == first["id"]);
  CHECK(retry["telegram"] == "sent");
  CHECK(w.telegram.requests().size() == 1);
  CHECK(w.deliveries(first["id"]).size() == 1);
}
