#pragma once
// Telegram's Bot API over HTTPS, for the outbox. The bot token is part of every request's path,
// so nothing here puts the path in an error or a log: only the API's origin.
#include <chrono>
#include <memory>
#include <string>

#include "core/services/telegram.hpp"

namespace zt::http {

struct TelegramClientSettings {
  std::string api_base = "https://api.telegram.org";
  std::string token;
  std::chrono::seconds connect_timeout{5};
  // The whole request, from connecting to the answer's last byte: an API that trickles its
  // answer cannot hold a send longer (httplib's own timeouts are per read).
  std::chrono::seconds request_timeout{15};
};

// `text` with the bot token, and its secret half alone (however the colon was encoded), replaced
// by "<bot token>": whatever Telegram or a proxy echoes never reaches a log, stderr or the database.
std::string scrub_bot_token(std::string text, const std::string& token);

// Throws Error(invalid_argument) for a missing or malformed token (without quoting it) or API base.
std::unique_ptr<TelegramApi> make_telegram_client(const TelegramClientSettings& settings);

}  // namespace zt::http
