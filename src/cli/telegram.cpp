#include "cli/telegram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "http/telegram_client.hpp"

namespace zt::cli {
namespace {

// link create waits this long for the first attempts, plus a little per delivery (about what
// Telegram's 30 messages a second need), and never longer than the maximum.
constexpr auto base_wait = std::chrono::seconds{10};
constexpr auto wait_per_delivery = std::chrono::milliseconds{50};
constexpr auto max_wait = std::chrono::seconds{120};

std::unique_ptr<TelegramApi> client_from(Context& ctx) {
  http::TelegramClientSettings s;
  s.api_base = ctx.config().get("telegram_api_base");
  s.token = effective_telegram_token(ctx.config()).value;
  return http::make_telegram_client(s);
}

}  // namespace

void add_telegram_token_flag(CLI::App& cmd, std::optional<std::string>& token_file) {
  cmd.add_option("--telegram-token-file", token_file,
                 "file with the Telegram bot token (or env ZOOMTRACK_TELEGRAM_TOKEN)")
      ->type_name("FILE");
}

TelegramSender::TelegramSender(Context& ctx) : api_(client_from(ctx)) {
  TelegramSettings settings;
  settings.tz = ctx.time_zone();
  outbox_ = std::make_unique<TelegramOutbox>(ctx.store(), ctx.clock(), *api_, pace_, settings);
}

TelegramSender::~TelegramSender() = default;

std::unique_ptr<TelegramSender> TelegramSender::if_configured(Context& ctx) {
  if (effective_telegram_token(ctx.config()).value.empty()) return nullptr;
  return std::make_unique<TelegramSender>(ctx);
}

std::vector<TelegramDelivery> TelegramSender::send_now(Context& ctx, const std::vector<int64_t>& ids) {
  if (ids.empty()) return {};
  auto wait = std::min<std::chrono::milliseconds>(base_wait + wait_per_delivery * static_cast<int64_t>(ids.size()), max_wait);
  auto result = outbox_->drain(pace_.now() + wait, ids);
  if (!result.stopped_because.empty()) {
    ctx.info("zoomtrack: warning: Telegram: " + terminal_safe(result.stopped_because));
  }
  return ctx.store().telegram_deliveries(ids);
}

std::string describe(const TelegramDelivery& d) {
  auto text = fmt::format("{} {}: {}", d.role, d.chat, d.state);
  if (d.state == "sent" && d.message_id) text += fmt::format(" (message {})", *d.message_id);
  if (d.state == "queued" && d.attempts == 0) text += " (not attempted yet)";
  if (d.state != "sent" && !d.last_error.empty()) text += ": " + terminal_safe(d.last_error);
  return text;
}

void add_telegram_json(nlohmann::json& j, const std::vector<TelegramDelivery>& deliveries) {
  if (deliveries.empty()) return;
  j["telegram"] = summary_state(deliveries);
  for (const auto& d : deliveries) {
    if (d.state != "sent" && !d.last_error.empty()) {
      j["telegram_error"] = d.last_error;
      break;
    }
  }
  j["telegram_deliveries"] = deliveries;
}

void warn_unsent(const Context& ctx, const std::vector<TelegramDelivery>& deliveries) {
  auto failed = std::count_if(deliveries.begin(), deliveries.end(), [](const auto& d) { return d.state == "failed"; });
  auto queued = std::count_if(deliveries.begin(), deliveries.end(), [](const auto& d) { return d.state == "queued"; });
  if (failed > 0) {
    ctx.info(fmt::format("zoomtrack: warning: {} Telegram message(s) failed; the lessons are stored (fix the chat, "
                         "then 'zoomtrack link send ID --telegram-chat CHAT')",
                         failed));
  }
  if (queued > 0) {
    ctx.info(fmt::format("zoomtrack: warning: {} Telegram message(s) not sent yet; 'zoomtrack serve' or 'zoomtrack "
                         "reconcile' retries them",
                         queued));
  }
}

}  // namespace zt::cli
