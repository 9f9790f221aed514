#include "core/services/telegram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "core/util/time_zone.hpp"

namespace zt {
namespace {

// Telegram's descriptions are short; a longer one is not worth keeping whole.
constexpr size_t max_error_length = 300;

std::string shorten(std::string text) {
  if (text.size() > max_error_length) text = text.substr(0, max_error_length) + "…";
  return text;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// "2026-11-25 12:00 (Africa/Addis_Ababa)": the time a person reads, in the school's zone.
std::string local_time(TimePoint t, const std::string& tz) {
  auto local = to_local(t, tz);  // "2026-11-25T12:00:00+03:00"
  return fmt::format("{} {} ({})", local.date, local.iso.substr(11, 5), tz);
}

}  // namespace

void to_json(nlohmann::json& j, const TelegramDelivery& d) {
  auto time_or_null = [](const std::optional<TimePoint>& t) { return t ? nlohmann::json(format_utc(*t)) : nullptr; };
  j = {{"id", d.id},
       {"role", d.role},
       {"chat", d.chat},
       {"state", d.state},
       {"message_id", d.message_id ? nlohmann::json(*d.message_id) : nullptr},
       {"attempts", d.attempts},
       {"last_error", d.last_error},
       {"created_at", format_utc(d.created_at)},
       {"sent_at", time_or_null(d.sent_at)},
       {"next_attempt_at", d.state == "queued" ? time_or_null(d.next_attempt_at) : nullptr}};
}

void check_telegram_chat(const std::string& chat, const std::string& flag) {
  std::string_view digits = chat;
  if (digits.starts_with('-')) digits.remove_prefix(1);
  bool numeric = all_digits(digits) && digits.size() <= 19;
  bool channel = chat.size() >= 6 && chat.size() <= 33 && chat[0] == '@' &&
                 std::all_of(chat.begin() + 1, chat.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
  if (!numeric && !channel) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} '{}' is not a Telegram chat", flag, chat.size() > 40 ? chat.substr(0, 40) + "…" : chat),
                "give the chat's numeric id (the student must have started the bot; groups are negative) or a "
                "public @channelname");
  }
}

nlohmann::json telegram_message(const Lesson& l, const std::string& role, const std::string& chat,
                                 const std::string& tz) {
  bool student = role == "student";
  const auto& other = student ? (l.teacher_name.empty() ? l.teacher : l.teacher_name)
                              : (l.student_name.empty() ? l.student : l.student_name);
  auto text = fmt::format("<b>{} {}</b>", student ? "Your lesson with" : "Lesson with", html_escape(other));
  if (l.scheduled_at) text += fmt::format("\n{}", html_escape(local_time(*l.scheduled_at, tz)));
  text += student ? "\nPress the button below to join the lesson on Zoom."
                  : "\nWhen the lesson is over, press the button below to end it.";
  nlohmann::json button = {{"text", student ? "Join the lesson" : "End the lesson"},
                           {"url", student ? l.tracking_url() : l.checkout_url()}};
  nlohmann::json body = {{"text", text},
                         {"parse_mode", "HTML"},
                         {"reply_markup", {{"inline_keyboard", {{button}}}}}};
  // A numeric id goes as a number, as Telegram documents it; a @channelname as a string.
  int64_t id = 0;
  auto [end, error] = std::from_chars(chat.data(), chat.data() + chat.size(), id);
  if (error == std::errc() && end == chat.data() + chat.size()) body["chat_id"] = id;
  else body["chat_id"] = chat;
  return body;
}

TelegramOutcome classify(const TelegramAnswer& a) {
  if (a.http_status == 0) return TelegramOutcome::unreachable;
  if (a.http_status == 200 && a.ok) return TelegramOutcome::sent;
  if (a.http_status == 429) return TelegramOutcome::rate_limited;
  if (a.http_status == 401 || a.http_status == 404) return TelegramOutcome::token_refused;
  if (a.http_status >= 400 && a.http_status < 500) return TelegramOutcome::failed;
  // 5xx, or a 200 that is not ok: Telegram's side, worth another try.
  return TelegramOutcome::retry;
}

TelegramPacer::Instant TelegramPacer::ready_at(const std::string& chat) const {
  auto it = next_in_chat_.find(chat);
  return it == next_in_chat_.end() ? next_any_ : std::max(next_any_, it->second);
}

void TelegramPacer::sent(const std::string& chat, Instant at) {
  next_any_ = std::max(next_any_, at + overall_);
  next_in_chat_[chat] = at + per_chat_;
  // Chats whose second has passed no longer constrain anything: the map stays small.
  if (next_in_chat_.size() > 256) {
    std::erase_if(next_in_chat_, [&](const auto& entry) { return entry.second <= at; });
  }
}

void TelegramPacer::pause_all(Instant until) { next_any_ = std::max(next_any_, until); }

bool SteadyPaceClock::wait_until(TelegramPacer::Instant t) {
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, t, [this] { return stopped_; });
  return !stopped_;
}

void SteadyPaceClock::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  wake_.notify_all();
}

bool SteadyPaceClock::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

TelegramOutbox::TelegramOutbox(Store& store, const Clock& clock, TelegramApi& api, PaceClock& pace,
                               TelegramSettings settings)
    : store_(store), clock_(clock), api_(api), pace_(pace), settings_(std::move(settings)) {}

Seconds TelegramOutbox::backoff_after(int attempts) const {
  auto delay = settings_.first_backoff;
  for (int i = 1; i < attempts && delay < settings_.max_backoff; ++i) delay *= 2;
  return std::min(delay, settings_.max_backoff);
}

TelegramDrainResult TelegramOutbox::drain(std::optional<TelegramPacer::Instant> deadline,
                                          const std::vector<int64_t>& ids) {
  TelegramDrainResult result;
  auto past_deadline = [&](TelegramPacer::Instant t) { return deadline && t > *deadline; };
  while (result.stopped_because.empty() && !past_deadline(pace_.now())) {
    auto now = clock_.now();
    auto batch = store_.claim_telegram_deliveries(now, now + settings_.lease, settings_.batch, ids);
    if (batch.empty()) {
      // With a deadline, a retry due before it is waited for (a 429's short pause, a 5xx's backoff).
      auto due = deadline ? store_.next_telegram_due(ids) : std::nullopt;
      if (!due) break;
      auto at = pace_.now() + (*due - now);
      if (past_deadline(at) || !pace_.wait_until(at)) break;
      continue;
    }
    std::vector<int64_t> unattempted;
    while (!batch.empty()) {
      // The delivery whose chat may be written to soonest: one busy chat does not hold up the rest.
      auto next = std::min_element(batch.begin(), batch.end(), [&](const auto& a, const auto& b) {
        return pacer_.ready_at(a.chat) < pacer_.ready_at(b.chat);
      });
      auto ready = std::max(pace_.now(), pacer_.ready_at(next->chat));
      bool go_on = result.stopped_because.empty() && !past_deadline(ready) && pace_.wait_until(ready);
      if (!go_on) {
        for (const auto& d : batch) unattempted.push_back(d.id);
        break;
      }
      auto delivery = *next;
      batch.erase(next);
      attempt(delivery, deadline.value_or(TelegramApi::Deadline::max()), result);
    }
    // Not before a 429's pause is over, which this process may not have waited out.
    store_.release_telegram_deliveries(unattempted, std::max(clock_.now(), paused_until_));
    if (!unattempted.empty()) break;
  }
  return result;
}

TelegramOutcome TelegramOutbox::attempt(const TelegramDelivery& claimed, TelegramApi::Deadline deadline,
                                        TelegramDrainResult& result) {
  auto lesson = store_.find_lesson(claimed.lesson_id);
  TelegramDelivery d = claimed;
  ++d.attempts;
  TelegramAnswer answer;
  if (!lesson) {
    answer.http_status = 400;
    answer.description = "the lesson is gone from the database";
  } else {
    auto sent_at = pace_.now();
    answer = api_.send_message(telegram_message(*lesson, d.role, d.chat, settings_.tz), deadline);
    pacer_.sent(d.chat, sent_at);
  }
  auto outcome = classify(answer);
  auto now = clock_.now();
  d.last_error = answer.http_status == 200 ? "" : shorten(answer.description);
  if (answer.http_status != 0 && answer.http_status != 200 && d.last_error.empty()) {
    d.last_error = fmt::format("HTTP {}", answer.http_status);
  }
  // Whole seconds in the database: one more than asked, so a retry is never early.
  auto retry_at = [&](Seconds delay) { return now + delay + Seconds{1}; };
  switch (outcome) {
    case TelegramOutcome::sent:
      d.state = "sent";
      d.sent_at = now;
      d.message_id = answer.message_id;
      d.next_attempt_at.reset();
      ++result.sent;
      break;
    case TelegramOutcome::failed:
      d.state = "failed";
      d.next_attempt_at.reset();
      ++result.failed;
      break;
    case TelegramOutcome::rate_limited: {
      auto wait = std::clamp(Seconds{answer.retry_after_s.value_or(backoff_after(d.attempts).count())},
                             Seconds{1}, settings_.max_retry_after);
      d.next_attempt_at = retry_at(wait);
      pacer_.pause_all(pace_.now() + wait);
      store_.delay_telegram_outbox(*d.next_attempt_at);
      paused_until_ = std::max(paused_until_, *d.next_attempt_at);
      break;
    }
    case TelegramOutcome::unreachable:
    case TelegramOutcome::token_refused:
      result.stopped_because = outcome == TelegramOutcome::unreachable
                                   ? d.last_error
                                   : fmt::format("Telegram refused the bot token ({})", d.last_error);
      d.last_error = outcome == TelegramOutcome::token_refused ? result.stopped_because : d.last_error;
      d.next_attempt_at = retry_at(backoff_after(d.attempts));
      break;
    case TelegramOutcome::retry:
      d.next_attempt_at = retry_at(backoff_after(d.attempts));
      break;
  }
  if (d.state == "queued" && d.attempts >= settings_.max_attempts) {
    d.state = "failed";
    d.last_error = fmt::format("gave up after {} attempts: {}", d.attempts, d.last_error);
    d.next_attempt_at.reset();
    ++result.failed;
  } else if (d.state == "queued") {
    ++result.retrying;
  }
  store_.record_telegram_attempt(d);
  if (on_attempt_) on_attempt_(d);
  return outcome;
}

std::string summary_state(const std::vector<TelegramDelivery>& deliveries) {
  auto has = [&](const char* state) {
    return std::any_of(deliveries.begin(), deliveries.end(), [&](const auto& d) { return d.state == state; });
  };
  if (has("failed")) return "failed";
  if (has("queued")) return "queued";
  return "sent";
}

}  // namespace zt
