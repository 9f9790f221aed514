#include "http/telegram_client.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"

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

// Stops a request at its deadline or when the client is cancelled, whichever comes first:
// httplib's Client::stop() shuts the socket down under the read that is waiting.
class RequestWatch {
 public:
  RequestWatch(httplib::Client& client, TelegramApi::Deadline deadline, const std::atomic<bool>& cancelled)
      : thread_([this, &client, deadline, &cancelled] { watch(client, deadline, cancelled); }) {}
  ~RequestWatch() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  bool expired() const { return expired_; }

 private:
  void watch(httplib::Client& client, TelegramApi::Deadline deadline, const std::atomic<bool>& cancelled) {
    std::unique_lock lock(mutex_);
    // In short slices: cancel() is noticed soon, and a stop() that came before the socket was
    // opened is repeated.
    while (!done_) {
      if (cancelled || std::chrono::steady_clock::now() >= deadline) {
        expired_ = !cancelled;
        client.stop();
      }
      wake_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::atomic<bool> expired_{false};
  std::thread thread_;
};

class TelegramClient final : public TelegramApi {
 public:
  TelegramClient(const TelegramClientSettings& settings, std::string origin, std::string prefix)
      : settings_(settings), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

  TelegramAnswer send_message(const nlohmann::json& body, Deadline deadline) override {
    auto answer = send(body, std::min(deadline, std::chrono::steady_clock::now() + settings_.request_timeout));
    answer.description = scrub_bot_token(std::move(answer.description), settings_.token);
    return answer;
  }

  void cancel() override { cancelled_ = true; }

 private:
  TelegramAnswer send(const nlohmann::json& body, Deadline deadline) {
    TelegramAnswer answer;
    if (cancelled_) {
      answer.description = "not sent: zoomtrack is stopping";
      return answer;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      answer.description = fmt::format("cannot reach Telegram at {}: no time left to wait for an answer", origin_);
      return answer;
    }
    httplib::Client client(origin_);
    client.set_connection_timeout(std::min<std::chrono::milliseconds>(settings_.connect_timeout, left));
    client.set_read_timeout(left);
    client.set_write_timeout(left);
    httplib::Request req;
    req.method = "POST";
    req.path = prefix_ + "/bot" + settings_.token + "/sendMessage";
    req.set_header("Content-Type", "application/json");
    req.body = body.dump();
    // Read as it arrives, and no more than an answer can be: an API that sends gigabytes costs
    // us this much memory and no more.
    std::string text;
    bool too_large = false;
    req.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
      if (text.size() + length > max_answer_bytes) {
        too_large = true;
        return false;
      }
      text.append(data, length);
      return true;
    };
    httplib::Result res{nullptr, httplib::Error::Unknown};
    bool expired = false;
    {
      RequestWatch watch(client, deadline, cancelled_);
      res = client.send(req);
      expired = watch.expired();
    }
    if (too_large) {
      answer.http_status = res ? res->status : 0;
      answer.description = fmt::format("Telegram's answer is larger than {} KiB: not read further", max_answer_bytes / 1024);
      return answer;
    }
    if (!res || expired || cancelled_) {
      auto why = cancelled_ ? "zoomtrack is stopping" : expired ? "no whole answer in time" : explain(res.error());
      answer.description = fmt::format("cannot reach Telegram at {}: {}", origin_, why);
      return answer;
    }
    return read_answer(res->status, text);
  }

  static TelegramAnswer read_answer(int status, const std::string& text) {
    TelegramAnswer answer;
    answer.http_status = status;
    nlohmann::json reply;
    try {
      reply = parse_json_bounded(text, default_json_max_depth, max_answer_bytes);
    } catch (const Error& e) {
      answer.ok = false;
      answer.description = fmt::format("HTTP {}: Telegram's answer {}", status, e.what());
      return answer;
    }
    if (!reply.is_object()) {
      answer.description = fmt::format("HTTP {}: Telegram's answer is not a JSON object", status);
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

  TelegramClientSettings settings_;
  std::string origin_;  // "https://api.telegram.org": the only part of the URL ever shown
  std::string prefix_;  // a path before /bot<token>, for an API behind a proxy; usually ""
  std::atomic<bool> cancelled_{false};
};

}  // namespace

std::string scrub_bot_token(std::string text, const std::string& token) {
  auto colon = token.find(':');
  // The whole token first, then its secret half: that one is in every encoding of the token
  // (the colon as %3A, the path cut at the colon) and is worth nothing without the rest.
  for (const auto& secret : {token, colon == std::string::npos ? std::string() : token.substr(colon + 1)}) {
    if (secret.size() < 8) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "<bot token>");
    }
  }
  return text;
}

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
