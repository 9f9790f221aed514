#include "http/telegram_client.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/json_limits.hpp"

namespace zt::http {
namespace {

// Telegram's answers to sendMessage are a few kilobytes at most.
constexpr size_t max_answer_bytes = 256 * 1024;

// "123456789:AA..." as @BotFather issues them. Anything else would change the request's path.
bool is_bot_token(const std::string& token) {
  auto colon = token.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= token.size() || token.size() > 200) return false;
  bool digits = std::all_of(token.begin(), token.begin() + static_cast<long>(colon),
                            [](unsigned char c) { return std::isdigit(c); });
  bool rest = std::all_of(token.begin() + static_cast<long>(colon) + 1, token.end(),
                          [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
  return digits && rest;
}

std::string explain(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::Read: return "no answer in time";
    case httplib::Error::Write: return "the request could not be sent";
    case httplib::Error::ConnectionTimeout: return "the connection timed out";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification: return "TLS failed";
    default: return httplib::to_string(error);
  }
}

class TelegramClient final : public TelegramApi {
 public:
  TelegramClient(const TelegramClientSettings& settings, std::string origin, std::string prefix)
      : settings_(settings), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

  TelegramAnswer send_message(const nlohmann::json& body) override {
    httplib::Client client(origin_);
    client.set_connection_timeout(settings_.connect_timeout);
    client.set_read_timeout(settings_.read_timeout);
    client.set_write_timeout(settings_.read_timeout);
    TelegramAnswer answer;
    auto res = client.Post(prefix_ + "/bot" + settings_.token + "/sendMessage", body.dump(), "application/json");
    if (!res) {
      answer.description = fmt::format("cannot reach Telegram at {}: {}", origin_, explain(res.error()));
      return answer;
    }
    answer.http_status = res->status;
    nlohmann::json reply;
    try {
      reply = parse_json_bounded(res->body, default_json_max_depth, max_answer_bytes);
    } catch (const Error& e) {
      answer.ok = false;
      answer.description = fmt::format("HTTP {}: Telegram's answer {}", res->status, e.what());
      return answer;
    }
    if (!reply.is_object()) {
      answer.description = fmt::format("HTTP {}: Telegram's answer is not a JSON object", res->status);
      return answer;
    }
    answer.ok = reply.value("ok", false) == true;
    if (auto d = reply.find("description"); d != reply.end() && d->is_string()) answer.description = d->get<std::string>();
    if (auto r = reply.find("result"); r != reply.end() && r->is_object()) {
      if (auto m = r->find("message_id"); m != r->end() && m->is_number_integer()) answer.message_id = m->get<int64_t>();
    }
    if (auto p = reply.find("parameters"); p != reply.end() && p->is_object()) {
      if (auto r = p->find("retry_after"); r != p->end() && r->is_number_integer()) answer.retry_after_s = r->get<int64_t>();
    }
    if (answer.ok && answer.message_id == 0) {
      answer.ok = false;
      answer.description = "Telegram answered ok without a message id";
    }
    return answer;
  }

 private:
  TelegramClientSettings settings_;
  std::string origin_;  // "https://api.telegram.org": the only part of the URL ever shown
  std::string prefix_;  // a path before /bot<token>, for an API behind a proxy; usually ""
};

}  // namespace

std::unique_ptr<TelegramApi> make_telegram_client(const TelegramClientSettings& settings) {
  if (settings.token.empty()) {
    throw Error(ErrorCode::invalid_argument, "sending on Telegram needs the bot token",
                "set ZOOMTRACK_TELEGRAM_TOKEN to the token @BotFather gave you, or give --telegram-token-file; nothing was stored");
  }
  if (!is_bot_token(settings.token)) {
    throw Error(ErrorCode::invalid_argument, "the Telegram bot token is not of the form 123456789:ABC...",
                "copy the whole token @BotFather gave you into ZOOMTRACK_TELEGRAM_TOKEN or the token file");
  }
  const auto& url = settings.api_base;
  auto scheme_end = url.find("://");
  if (!(url.starts_with("http://") || url.starts_with("https://")) || scheme_end == std::string::npos) {
    throw Error(ErrorCode::invalid_argument, fmt::format("telegram_api_base '{}' is not an http(s) URL", url));
  }
  auto path_start = url.find('/', scheme_end + 3);
  std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
  std::string prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return std::make_unique<TelegramClient>(settings, origin, prefix);
}

}  // namespace zt::http
