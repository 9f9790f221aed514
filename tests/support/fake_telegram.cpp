#include "support/fake_telegram.hpp"

#include <stdexcept>

#include "support/json_reply.hpp"

namespace zt::test {
namespace {

using nlohmann::json;

std::string chat_of(const json& body) {
  auto it = body.find("chat_id");
  if (it == body.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

FakeTelegram::FakeTelegram() {
  server_.Post(R"(/bot([^/]+)/sendMessage)", [this](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    std::unique_lock lock(mutex_);
    requests_.push_back({req.path, body, std::chrono::steady_clock::now()});
    if (req.matches[1] != token) {
      send_json(res, 401, {{"ok", false}, {"error_code", 401}, {"description", "Unauthorized"}});
      return;
    }
    auto reply = TelegramReply::ok;
    int retry_after = 1;
    if (hang_all_) {
      reply = TelegramReply::hang;
    } else if (answer_all_) {
      reply = *answer_all_;
    } else if (!script_.empty()) {
      std::tie(reply, retry_after) = script_.front();
      script_.pop_front();
    } else if (auto it = by_chat_.find(chat_of(body)); it != by_chat_.end()) {
      reply = it->second;
    }
    if (reply == TelegramReply::hang) {
      ++hanging_;
      released_.wait(lock, [this] { return releasing_; });
      --hanging_;
      res.status = 504;  // as a proxy would, if the client is still there to hear it
      return;
    }
    answer(reply, retry_after, body, req.path, res);
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake telegram cannot bind");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

FakeTelegram::~FakeTelegram() {
  release();
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeTelegram::api_base() const { return "http://127.0.0.1:" + std::to_string(port_); }

Env FakeTelegram::env() const { return {{"ZOOMTRACK_TELEGRAM_API_BASE", api_base()}, {"ZOOMTRACK_TELEGRAM_TOKEN", token}}; }

void FakeTelegram::then(TelegramReply reply, int retry_after_s) {
  std::lock_guard lock(mutex_);
  script_.emplace_back(reply, retry_after_s);
}

void FakeTelegram::fail_chat(const std::string& chat, TelegramReply reply) {
  std::lock_guard lock(mutex_);
  by_chat_[chat] = reply;
}

void FakeTelegram::hang_all() {
  std::lock_guard lock(mutex_);
  hang_all_ = true;
}

void FakeTelegram::answer_all(TelegramReply reply) {
  std::lock_guard lock(mutex_);
  answer_all_ = reply;
}

void FakeTelegram::release() {
  {
    std::lock_guard lock(mutex_);
    hang_all_ = false;
    answer_all_.reset();
    releasing_ = true;
  }
  released_.notify_all();
}

std::vector<TelegramRequest> FakeTelegram::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t FakeTelegram::hanging() const {
  std::lock_guard lock(mutex_);
  return hanging_;
}

void FakeTelegram::answer(TelegramReply reply, int retry_after_s, const json& body, const std::string& path,
                          httplib::Response& res) {
  switch (reply) {
    case TelegramReply::ok: {
      auto chat = body.value("chat_id", json(0));
      send_json(res, 200,
                {{"ok", true},
                 {"result",
                  {{"message_id", next_message_id_++},
                   {"from", {{"id", 123456789}, {"is_bot", true}, {"first_name", "School"}, {"username", "school_bot"}}},
                   {"chat", {{"id", chat}, {"type", "private"}}},
                   {"date", 1764061200},
                   {"text", body.value("text", "")}}}});
      return;
    }
    case TelegramReply::too_many_requests:
      send_json(res, 429, {{"ok", false}, {"error_code", 429},
                           {"description", "Too Many Requests: retry after " + std::to_string(retry_after_s)},
                           {"parameters", {{"retry_after", retry_after_s}}}});
      return;
    case TelegramReply::chat_not_found:
      send_json(res, 400, {{"ok", false}, {"error_code", 400}, {"description", "Bad Request: chat not found"}});
      return;
    case TelegramReply::blocked:
      send_json(res, 403, {{"ok", false}, {"error_code", 403}, {"description", "Forbidden: bot was blocked by the user"}});
      return;
    case TelegramReply::bad_gateway:
      res.status = 502;
      res.set_content("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "text/html");
      return;
    case TelegramReply::hang:
      return;
    case TelegramReply::huge: {
      // 150 MB of a JSON string, made as it is sent: the fake holds one chunk.
      constexpr size_t total = 150u << 20;
      res.status = 200;
      res.set_content_provider(total, "application/json", [](size_t offset, size_t length, httplib::DataSink& sink) {
        static const std::string chunk(64 * 1024, 'x');
        std::string piece = offset == 0 ? "{\"ok\":true,\"description\":\"" : "";
        piece += chunk.substr(0, std::min(length, chunk.size()) - piece.size());
        return sink.write(piece.data(), piece.size());
      });
      return;
    }
    case TelegramReply::trickle: {
      // One byte a second, for at most a minute, until the client or the fake goes away.
      res.status = 200;
      res.set_chunked_content_provider("application/json", [this](size_t offset, httplib::DataSink& sink) {
        if (offset >= 60) return false;
        {
          std::unique_lock lock(mutex_);
          if (released_.wait_for(lock, std::chrono::seconds(1), [this] { return releasing_; })) return false;
        }
        return sink.write(" ", 1);
      });
      return;
    }
    case TelegramReply::echo_path:
      // Some proxies and API errors quote the request, token and all.
      send_json(res, 404, {{"ok", false}, {"error_code", 404}, {"description", "Not Found: POST " + path}});
      return;
  }
}

}  // namespace zt::test
