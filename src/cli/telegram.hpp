#pragma once
// What link create, link send, serve and reconcile share to send on Telegram: the client built
// from the configuration, and the outbox that paces and retries.
#include <CLI/CLI.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/services/telegram.hpp"

namespace zt::cli {

// --telegram-token-file on a command (the token itself is never a flag value).
void add_telegram_token_flag(CLI::App& cmd, std::optional<std::string>& token_file);

class TelegramSender {
 public:
  // Throws Error(invalid_argument) when no token is configured (hint: ZOOMTRACK_TELEGRAM_TOKEN),
  // or when it or the API base is malformed: before anything is stored.
  explicit TelegramSender(Context& ctx);
  ~TelegramSender();
  // Nullptr when no token is configured.
  static std::unique_ptr<TelegramSender> if_configured(Context& ctx);

  TelegramOutbox& outbox() { return *outbox_; }
  SteadyPaceClock& pace() { return pace_; }
  // Ends waiting and sending at once, a request in flight included (serve's shutdown).
  void stop() {
    pace_.stop();
    api_->cancel();
  }

  // The first attempt for these deliveries, waiting a bounded time (longer for more of them);
  // what is not sent by then stays queued for serve or reconcile. Returns them as stored now.
  std::vector<TelegramDelivery> send_now(Context& ctx, const std::vector<int64_t>& ids);

 private:
  std::unique_ptr<TelegramApi> api_;
  SteadyPaceClock pace_;
  std::unique_ptr<TelegramOutbox> outbox_;
};

// "student 123456: sent (message 42)", "teacher @x: failed: Forbidden: bot was blocked by the user"
std::string describe(const TelegramDelivery& d);
// JSON fields a lesson's line gains: telegram (sent|queued|failed), telegram_error when one
// failed, telegram_deliveries.
void add_telegram_json(nlohmann::json& j, const std::vector<TelegramDelivery>& deliveries);
// Tells stderr about deliveries not sent (failed, or left queued), once.
void warn_unsent(const Context& ctx, const std::vector<TelegramDelivery>& deliveries);

}  // namespace zt::cli
