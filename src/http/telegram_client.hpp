#pragma once
// Telegram's Bot API over HTTPS, for the outbox. The bot token is part of every request's path,
// so nothing here puts the path in an error or a log: only the API's origin.
#include <chrono>
#include <memory>
#include <string>

#include "core/telegram.hpp"

namespace zt::http {

struct TelegramClientSettings {
  std::string api_base = "https://api.telegram.org";
  std::string token;
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds read_timeout{10};
};

// Throws Error(invalid_argument) for a missing or malformed token (without quoting it) or API base.
std::unique_ptr<TelegramApi> make_telegram_client(const TelegramClientSettings& settings);

}  // namespace zt::http
