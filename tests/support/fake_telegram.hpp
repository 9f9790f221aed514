#pragma once
// A fake Telegram Bot API (sendMessage) as a real HTTP server on 127.0.0.1, for running the real
// `zoomtrack` against. It records every request and answers as Telegram does: 200 with a
// message, 429 with parameters.retry_after, 400 chat not found, 403 blocked, 502 from its proxy,
// or no answer at all until released. Hostile ones too: an endless answer (150 MB), one that
// trickles a byte a second, an error that echoes the request's path (and so the token).
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/harness.hpp"

namespace zt::test {

enum class TelegramReply { ok, too_many_requests, chat_not_found, blocked, bad_gateway, hang, huge, trickle, echo_path };

struct TelegramRequest {
  std::string path;  // with the token: only the test may see it
  nlohmann::json body;
  std::chrono::steady_clock::time_point at;
};

class FakeTelegram {
 public:
  static constexpr const char* token = "123456789:AAHfakeTOKENforTests-only_x9";

  FakeTelegram();
  ~FakeTelegram();
  FakeTelegram(const FakeTelegram&) = delete;
  FakeTelegram& operator=(const FakeTelegram&) = delete;

  // ZOOMTRACK_TELEGRAM_API_BASE and ZOOMTRACK_TELEGRAM_TOKEN.
  Env env() const;
  std::string api_base() const;

  // The next requests get these replies, in order; after them, every chat in fail_chat gets its
  // reply and the rest get 200.
  void then(TelegramReply reply, int retry_after_s = 1);
  void fail_chat(const std::string& chat, TelegramReply reply);
  // Every request hangs until release() (or the fake's end).
  void hang_all();
  void release();

  // Every request gets this reply (a hostile API), until release().
  void answer_all(TelegramReply reply);

  std::vector<TelegramRequest> requests() const;
  size_t hanging() const;  // requests waiting for an answer now

 private:
  void answer(TelegramReply reply, int retry_after_s, const nlohmann::json& body, const std::string& path,
              httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::deque<std::pair<TelegramReply, int>> script_;
  std::map<std::string, TelegramReply> by_chat_;
  bool hang_all_ = false;
  std::optional<TelegramReply> answer_all_;
  bool releasing_ = false;
  size_t hanging_ = 0;
  int64_t next_message_id_ = 100;
  std::vector<TelegramRequest> requests_;
};

}  // namespace zt::test
