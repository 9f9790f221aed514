#pragma once
// Sending lesson links on Telegram through an outbox. A lesson's deliveries are stored with the
// lesson, in its transaction; they are sent afterwards, paced to Telegram's limits, and retried
// (429 with retry_after, 5xx, network) up to a limit. Core sees the Bot API only through the
// TelegramApi interface: the real client lives in src/http/telegram_client.*.
#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/rules/lesson.hpp"
#include "core/store/store.hpp"

namespace zt {


// Throws Error(invalid_argument) unless `chat` is a chat id (an integer, negative for groups) or
// a public @channelname. `flag` names it in the message.
void check_telegram_chat(const std::string& chat, const std::string& flag);

// What the Bot API answered to one sendMessage, as the client read it.
struct TelegramAnswer {
  int http_status = 0;  // 0: no answer (connection refused, timeout)
  bool ok = false;
  int64_t message_id = 0;
  std::string description;                // Telegram's own words, or the network error
  std::optional<int64_t> retry_after_s;   // parameters.retry_after of a 429
};

class TelegramApi {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  virtual ~TelegramApi() = default;
  // POST sendMessage with `body`, done by `deadline` (sooner when the client's own bound is
  // shorter): an answer that is not whole by then is no answer. Never throws for an answer or a
  // network failure: it says so. No text in the answer carries the bot token.
  virtual TelegramAnswer send_message(const nlohmann::json& body, Deadline deadline) = 0;
  // Cuts short the request in flight and refuses later ones (serve's shutdown). Thread-safe.
  virtual void cancel() {}
};

// The sendMessage body for one delivery: the lesson in HTML and one inline URL button, "Join the
// lesson" (tracking URL) for the student, "End the lesson" (checkout URL) for the teacher.
// Scheduled times are shown in `tz`.
nlohmann::json telegram_message(const Lesson& lesson, const std::string& role, const std::string& chat,
                                const std::string& tz);

// What the outbox does with an answer.
enum class TelegramOutcome {
  sent,
  retry,          // 5xx and other transient answers: this delivery backs off
  rate_limited,   // 429: the whole outbox waits retry_after
  unreachable,    // no answer: this delivery backs off, and the pass stops (all would fail alike)
  token_refused,  // 401/404: the bot token is wrong; backs off, the pass stops
  failed,         // 400 chat not found, 403 blocked by the user: recorded, never retried
};
TelegramOutcome classify(const TelegramAnswer& answer);

// Telegram's documented limits, with a margin: about 30 messages a second overall, one a second
// per chat. Pure: the caller passes the time, so tests drive it with a fake clock.
class TelegramPacer {
 public:
  using Instant = std::chrono::steady_clock::time_point;
  using Interval = std::chrono::milliseconds;

  explicit TelegramPacer(Interval overall = Interval{40}, Interval per_chat = Interval{1100})
      : overall_(overall), per_chat_(per_chat) {}
  // The earliest time a message to `chat` may be sent.
  Instant ready_at(const std::string& chat) const;
  // A message to `chat` went out at `at`.
  void sent(const std::string& chat, Instant at);
  // A 429: nothing goes out before `until`, whatever the chat.
  void pause_all(Instant until);

 private:
  Interval overall_, per_chat_;
  Instant next_any_{};
  std::map<std::string, Instant> next_in_chat_;
};

// The pacing clock: steady time and waiting, which stop() cuts short (serve's shutdown).
class PaceClock {
 public:
  virtual ~PaceClock() = default;
  virtual TelegramPacer::Instant now() const = 0;
  // Waits until `t`; false when stopped.
  virtual bool wait_until(TelegramPacer::Instant t) = 0;
};

class SteadyPaceClock final : public PaceClock {
 public:
  TelegramPacer::Instant now() const override { return std::chrono::steady_clock::now(); }
  bool wait_until(TelegramPacer::Instant t) override;
  void stop();
  bool stopped() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
};

struct TelegramSettings {
  int max_attempts = 8;               // then the delivery is failed with the last error
  Seconds first_backoff{2};           // doubled after each failed attempt
  Seconds max_backoff{300};
  Seconds max_retry_after{3600};      // a larger retry_after is taken as this
  Seconds lease{120};                 // a claimed delivery is not claimed again for this long
  size_t batch = 30;                  // deliveries claimed per write
  std::string tz = "UTC";             // for scheduled times in messages
};

struct TelegramDrainResult {
  size_t sent = 0, failed = 0, retrying = 0;
  // Why the pass stopped early: Telegram unreachable, token refused. Empty otherwise.
  std::string stopped_because;
};

// Reported once per attempt (serve logs them). Must not throw.
using TelegramAttemptHook = std::function<void(const TelegramDelivery& after)>;

class TelegramOutbox {
 public:
  TelegramOutbox(Store& store, const Clock& clock, TelegramApi& api, PaceClock& pace,
                 TelegramSettings settings = {});

  // Sends the queued deliveries that are due, paced, until none is due, `deadline` passes or
  // the pace clock is stopped. With `ids`, only those deliveries. Deliveries claimed but not
  // attempted by the deadline are due again at once.
  TelegramDrainResult drain(std::optional<TelegramPacer::Instant> deadline,
                            const std::vector<int64_t>& ids = {});

  void set_attempt_hook(TelegramAttemptHook hook) { on_attempt_ = std::move(hook); }
  TelegramPacer& pacer() { return pacer_; }

 private:
  // Sends one claimed delivery, answered by `deadline` or not at all, and records the outcome.
  TelegramOutcome attempt(const TelegramDelivery& delivery, TelegramApi::Deadline deadline,
                          TelegramDrainResult& result);
  Seconds backoff_after(int attempts) const;

  Store& store_;
  const Clock& clock_;
  TelegramApi& api_;
  PaceClock& pace_;
  TelegramSettings settings_;
  TelegramPacer pacer_;
  TelegramAttemptHook on_attempt_;
  TimePoint paused_until_{};  // the last 429's retry_after, on the database's clock
};

// "sent", "queued" or "failed": the one word a script reads for several deliveries (the worst).
std::string summary_state(const std::vector<TelegramDelivery>& deliveries);

}  // namespace zt
