#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"
#include "core/services/telegram.hpp"
#include "support/service_on_disk.hpp"

using namespace zt;
using namespace std::chrono_literals;
using Instant = TelegramPacer::Instant;

namespace {

// Steady time that only moves when the outbox waits; the database's clock follows it.
class FakePace final : public PaceClock {
 public:
  explicit FakePace(FixedClock& clock) : clock_(clock) {}
  Instant now() const override { return now_; }
  bool wait_until(Instant t) override {
    if (t <= now_) return true;
    auto whole = [](Instant i) { return std::chrono::duration_cast<Seconds>(i - Instant{}); };
    clock_.advance(whole(t) - whole(now_));
    now_ = t;
    return true;
  }
  double seconds() const { return std::chrono::duration<double>(now_ - Instant{}).count(); }

 private:
  FixedClock& clock_;
  Instant now_{};
};

// Answers from a script, then 200; records what was sent and when (on the fake pace).
class FakeApi final : public TelegramApi {
 public:
  explicit FakeApi(const FakePace& pace) : pace_(pace) {}
  TelegramAnswer send_message(const nlohmann::json& body, Deadline) override {
    sent.push_back({pace_.seconds(), body});
    if (!script.empty()) {
      auto a = script.front();
      script.pop_front();
      return a;
    }
    if (auto it = by_chat.find(body["chat_id"].dump()); it != by_chat.end()) return it->second;
    return {200, true, next_id++, "", std::nullopt};
  }
  struct Sent {
    double at;
    nlohmann::json body;
  };
  std::vector<Sent> sent;
  std::deque<TelegramAnswer> script;
  std::map<std::string, TelegramAnswer> by_chat;
  int64_t next_id = 1;

 private:
  const FakePace& pace_;
};

TelegramAnswer too_many(int64_t retry_after) {
  return {429, false, 0, "Too Many Requests: retry after " + std::to_string(retry_after), retry_after};
}
TelegramAnswer status(int code, const std::string& description) { return {code, false, 0, description, std::nullopt}; }

struct Outbox : test::ServiceOnDisk {
  FakePace pace{clock};
  FakeApi api{pace};
  TelegramOutbox outbox{store, clock, api, pace};

  Lesson create(const std::string& chat, const std::string& teacher_chat = "") {
    NewLesson n;
    n.teacher = "t.abebe";
    n.teacher_name = "Abebe <b>&</b>";
    n.student = "s.hana";
    n.zoom_url = "https://zoom.us/j/86431910364";
    n.scheduled_at = parse_utc("2026-11-25T09:30:00Z");
    n.telegram_chat = chat;
    n.teacher_telegram_chat = teacher_chat;
    return service.create_lessons({n}, {.allow_duplicate = true}).front().lesson;
  }
  TelegramDelivery delivery(int64_t lesson_id, size_t i = 0) { return store.telegram_deliveries_for(lesson_id).at(i); }
};

}  // namespace

TEST_CASE("the pacer keeps a second between messages to one chat and about 30 a second overall", "[core][telegram]") {
  TelegramPacer pacer;
  Instant t0{};
  CHECK(pacer.ready_at("1") == t0);
  pacer.sent("1", t0);
  CHECK(pacer.ready_at("1") - t0 >= 1000ms);
  CHECK(pacer.ready_at("2") - t0 >= 33ms);  // 1 s / 30
  CHECK(pacer.ready_at("2") - t0 < 1000ms);
  pacer.pause_all(t0 + 5s);
  CHECK(pacer.ready_at("2") == t0 + 5s);
  CHECK(pacer.ready_at("1") == t0 + 5s);
}

TEST_CASE("a thousand lessons are sent within Telegram's limits: 30 a second overall, one a second per chat",
          "[core][telegram]") {
  Outbox o;
  std::vector<NewLesson> rows;
  for (int i = 0; i < 1000; ++i) {
    NewLesson n;
    n.teacher = "t" + std::to_string(i % 7);
    n.student = "s" + std::to_string(i);
    n.zoom_url = "https://zoom.us/j/86431910364";
    // A tenth of the students share one family chat; every teacher gets each of their lessons.
    n.telegram_chat = i % 10 == 0 ? "777" : std::to_string(100000 + i);
    n.teacher_telegram_chat = std::to_string(900 + i % 7);
    rows.push_back(n);
  }
  o.service.create_lessons(rows, {.allow_duplicate = true});
  auto result = o.outbox.drain(std::nullopt);
  CHECK(result.sent == 2000);
  REQUIRE(o.api.sent.size() == 2000);
  std::map<std::string, double> last_in_chat;
  for (size_t i = 0; i < o.api.sent.size(); ++i) {
    const auto& s = o.api.sent[i];
    auto chat = s.body["chat_id"].dump();
    if (last_in_chat.count(chat)) CHECK(s.at - last_in_chat[chat] >= 1.0);
    last_in_chat[chat] = s.at;
    // Any 31 consecutive messages span at least a second.
    if (i >= 30) CHECK(s.at - o.api.sent[i - 30].at >= 1.0);
  }
}

TEST_CASE("a 429 pauses the whole outbox for retry_after, not only its own lesson", "[core][telegram]") {
  Outbox o;
  auto a = o.create("101");
  auto b = o.create("102");
  o.api.script.push_back(too_many(7));
  auto start = o.clock.now();
  auto result = o.outbox.drain(std::nullopt);
  // Lesson b's message waited out the pause, though b itself was never refused.
  REQUIRE(o.api.sent.size() == 2);
  CHECK(o.api.sent[1].at - o.api.sent[0].at >= 7.0);
  CHECK(result.sent == 1);
  auto refused = o.delivery(a.id);
  CHECK(refused.state == "queued");
  CHECK(refused.attempts == 1);
  CHECK(refused.last_error == "Too Many Requests: retry after 7");
  CHECK(*refused.next_attempt_at >= start + 7s);
  CHECK(o.delivery(b.id).state == "sent");

  SECTION("the refused message is sent once it is due") {
    o.pace.wait_until(o.pace.now() + 10s);
    o.outbox.drain(std::nullopt);
    CHECK(o.delivery(a.id).state == "sent");
    CHECK(o.delivery(a.id).attempts == 2);
  }
  SECTION("with a deadline, the outbox waits for the retry itself") {
    auto c = o.create("103");
    o.api.script.push_back(too_many(3));
    o.outbox.drain(o.pace.now() + 30s, {o.delivery(c.id).id});
    CHECK(o.delivery(c.id).state == "sent");
    CHECK(o.api.sent.back().at - o.api.sent[o.api.sent.size() - 2].at >= 3.0);
  }
}

TEST_CASE("5xx answers are retried with growing backoff, then the delivery fails with the last error",
          "[core][telegram]") {
  Outbox o;
  auto l = o.create("101");
  for (int i = 0; i < 20; ++i) o.api.script.push_back(status(502, "HTTP 502: Telegram's answer is not JSON"));
  std::vector<Seconds> waits;
  for (int i = 0; i < 8; ++i) {
    auto before = o.clock.now();
    o.outbox.drain(std::nullopt);
    auto d = o.delivery(l.id);
    if (d.state != "queued") break;
    waits.push_back(*d.next_attempt_at - before);
    o.clock.set(*d.next_attempt_at);
  }
  auto d = o.delivery(l.id);
  CHECK(d.state == "failed");
  CHECK(d.attempts == 8);
  CHECK_THAT(d.last_error, Catch::StartsWith("gave up after 8 attempts: HTTP 502"));
  REQUIRE(waits.size() == 7);
  for (size_t i = 1; i < waits.size(); ++i) CHECK(waits[i] >= waits[i - 1]);
  CHECK(waits.front() >= 2s);
}

TEST_CASE("chat not found and a blocked bot fail at once and are never retried", "[core][telegram]") {
  Outbox o;
  auto l = o.create("101", "202");
  o.api.by_chat["101"] = status(400, "Bad Request: chat not found");
  o.api.by_chat["202"] = status(403, "Forbidden: bot was blocked by the user");
  auto result = o.outbox.drain(std::nullopt);
  CHECK(result.failed == 2);
  CHECK(o.delivery(l.id, 0).state == "failed");
  CHECK(o.delivery(l.id, 0).last_error == "Bad Request: chat not found");
  CHECK(o.delivery(l.id, 1).last_error == "Forbidden: bot was blocked by the user");
  o.clock.advance(24h);
  o.outbox.drain(std::nullopt);
  CHECK(o.api.sent.size() == 2);
}

TEST_CASE("Telegram out of reach stops the pass: the rest stay queued, untried", "[core][telegram]") {
  Outbox o;
  auto a = o.create("101");
  auto b = o.create("102");
  o.api.script.push_back(status(0, "cannot reach Telegram at https://api.telegram.org: cannot connect"));
  auto result = o.outbox.drain(std::nullopt);
  CHECK(result.stopped_because == "cannot reach Telegram at https://api.telegram.org: cannot connect");
  CHECK(o.api.sent.size() == 1);
  CHECK(o.delivery(a.id).attempts == 1);
  CHECK(o.delivery(b.id).attempts == 0);
  CHECK(o.delivery(b.id).state == "queued");
  CHECK(*o.delivery(b.id).next_attempt_at <= o.clock.now());  // due at once, not after a lease
}

TEST_CASE("a claimed delivery is not claimed again by another sender", "[core][telegram]") {
  Outbox o;
  auto l = o.create("101");
  auto now = o.clock.now();
  auto first = o.store.claim_telegram_deliveries(now, now + 120s, 30, {});
  CHECK(first.size() == 1);
  CHECK(o.store.claim_telegram_deliveries(now, now + 120s, 30, {}).empty());
  CHECK(o.store.claim_telegram_deliveries(now + 121s, now + 240s, 30, {}).size() == 1);  // its sender died
  (void)l;
}

TEST_CASE("the message is HTML with every value escaped and one URL button", "[core][telegram]") {
  Outbox o;
  auto l = o.create("-1001234567890", "@school_teachers");
  auto student = telegram_message(l, "student", "-1001234567890", "Africa/Addis_Ababa");
  CHECK(student["chat_id"] == -1001234567890);
  CHECK(student["parse_mode"] == "HTML");
  CHECK(student["text"] ==
        "<b>Your lesson with Abebe &lt;b&gt;&amp;&lt;/b&gt;</b>\n2026-11-25 12:30 (Africa/Addis_Ababa)\n"
        "Press the button below to join the lesson on Zoom.");
  CHECK(student["reply_markup"]["inline_keyboard"][0][0] ==
        nlohmann::json({{"text", "Join the lesson"}, {"url", l.tracking_url()}}));
  auto teacher = telegram_message(l, "teacher", "@school_teachers", "UTC");
  CHECK(teacher["chat_id"] == "@school_teachers");
  CHECK(teacher["reply_markup"]["inline_keyboard"][0][0]["url"] == l.checkout_url());
  CHECK(teacher["reply_markup"]["inline_keyboard"][0][0]["text"] == "End the lesson");
}

TEST_CASE("a chat must be a chat id or a public @channelname", "[core][telegram]") {
  for (const char* good : {"123456789", "-1001234567890", "@school_bot"}) CHECK_NOTHROW(check_telegram_chat(good, "--telegram-chat"));
  for (const char* bad : {"", "12a", "@ab", "hana", "@name with space", "--1", "12345678901234567890"}) {
    INFO(bad);
    CHECK_THROWS_AS(check_telegram_chat(bad, "--telegram-chat"), Error);
  }
}
