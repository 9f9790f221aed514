#include "support/fake_zoom.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "core/util/crypto.hpp"
#include "support/json_reply.hpp"

namespace zt::test {
namespace {

using nlohmann::json;

// httplib decodes the path once; Zoom wants some uuids encoded twice, so decode what is left.
std::string meeting_of(const httplib::Request& req) {
  std::string m = req.matches[1];
  return m.find('%') == std::string::npos ? m : httplib::detail::decode_url(m, false);
}

json participant_json(const FakeParticipant& p, size_t n) {
  return {{"id", p.id},           {"name", p.name},
          {"user_id", "1677" + std::to_string(n)},
          {"registrant_id", ""},  {"user_email", p.email},
          {"join_time", p.join_time}, {"leave_time", p.leave_time},
          {"duration", 60},       {"failover", false},
          {"status", "in_meeting"}};
}

}  // namespace

FakeZoom::FakeZoom() {
  routes();
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake zoom cannot bind");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  for (int i = 0; i < 500 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

FakeZoom::~FakeZoom() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

Env FakeZoom::env() const {
  auto base = "http://127.0.0.1:" + std::to_string(port_);
  return {{"ZOOMTRACK_ZOOM_API_BASE", base + "/v2"},
          {"ZOOMTRACK_ZOOM_OAUTH_URL", base + "/oauth/token"},
          {"ZOOM_ACCOUNT_ID", account_id},
          {"ZOOM_CLIENT_ID", client_id},
          {"ZOOM_CLIENT_SECRET", client_secret}};
}

void FakeZoom::add_instance(FakeInstance instance) {
  std::lock_guard lock(mutex_);
  instances_.push_back(std::move(instance));
}

void FakeZoom::set_page_size(int n) {
  std::lock_guard lock(mutex_);
  page_size_ = n;
}

void FakeZoom::fail_meeting(const std::string& meeting_id) {
  std::lock_guard lock(mutex_);
  failing_.push_back(meeting_id);
}

void FakeZoom::unauthorized_once() {
  std::lock_guard lock(mutex_);
  unauthorized_ = 1;
}

void FakeZoom::rate_limit(int requests) {
  std::lock_guard lock(mutex_);
  rate_limited_ = requests;
}

int FakeZoom::token_requests() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(token_auth_.size());
}

std::vector<std::string> FakeZoom::token_authorizations() const {
  std::lock_guard lock(mutex_);
  return token_auth_;
}

std::vector<std::string> FakeZoom::api_authorizations() const {
  std::lock_guard lock(mutex_);
  return api_auth_;
}

std::vector<std::string> FakeZoom::api_paths() const {
  std::lock_guard lock(mutex_);
  return api_paths_;
}

bool FakeZoom::authorized(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard lock(mutex_);
  std::string query;
  for (const auto& [k, v] : req.params) query += (query.empty() ? "?" : "&") + k + "=" + v;
  api_paths_.push_back(req.path + query);
  api_auth_.push_back(req.get_header_value("Authorization"));
  if (unauthorized_ > 0) {
    --unauthorized_;
    current_token_.clear();  // as if revoked: the client must fetch a new one
  }
  if (current_token_.empty() || req.get_header_value("Authorization") != "Bearer " + current_token_) {
    send_json(res, 401, {{"code", 124}, {"message", "Invalid access token."}});
    return false;
  }
  if (rate_limited_ > 0) {
    --rate_limited_;
    res.set_header("Retry-After", "1");
    send_json(res, 429, {{"code", 429}, {"message", "You have reached the maximum per-second rate limit."}});
    return false;
  }
  return true;
}

const FakeInstance* FakeZoom::find(const std::string& meeting, bool& failed) const {
  const FakeInstance* latest = nullptr;
  for (const auto& i : instances_) {
    if (i.uuid == meeting) return &i;
    if (i.meeting_id == meeting && (!latest || i.start_time > latest->start_time)) latest = &i;
  }
  failed = latest && std::find(failing_.begin(), failing_.end(), latest->meeting_id) != failing_.end();
  failed = failed || std::find(failing_.begin(), failing_.end(), meeting) != failing_.end();
  return latest;  // a numeric id means the latest instance
}

// The instance a /past_meetings/{id or uuid} request names, or nullptr after answering 404 as
// Zoom does (for an unknown meeting or one the test made fail).
const FakeInstance* FakeZoom::find_or_404(const httplib::Request& req, httplib::Response& res) const {
  bool failed = false;
  auto* instance = find(meeting_of(req), failed);
  if (instance && !failed) return instance;
  send_json(res, 404, {{"code", 3001}, {"message", "Meeting does not exist."}});
  return nullptr;
}

void FakeZoom::routes() {
  server_.Post("/oauth/token", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    token_auth_.push_back(req.get_header_value("Authorization"));
    auto expected = "Basic " + base64_encode(std::string(client_id) + ":" + client_secret);
    if (req.get_header_value("Authorization") != expected ||
        req.get_param_value("grant_type") != "account_credentials" ||
        req.get_param_value("account_id") != account_id) {
      send_json(res, 401, {{"reason", "Invalid client_id or client_secret"}, {"error", "invalid_client"}});
      return;
    }
    current_token_ = "tok-" + std::to_string(++tokens_issued_);
    send_json(res, 200, {{"access_token", current_token_}, {"token_type", "bearer"}, {"expires_in", 3600},
                         {"scope", "meeting:read:admin"}, {"api_url", "https://api.zoom.us"}});
  });

  server_.Get(R"(/v2/past_meetings/([^/]+)/instances)", [this](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    std::lock_guard lock(mutex_);
    auto meeting = meeting_of(req);
    if (std::find(failing_.begin(), failing_.end(), meeting) != failing_.end()) {
      send_json(res, 404, {{"code", 3001}, {"message", "Meeting does not exist: " + meeting + "."}});
      return;
    }
    auto list = json::array();
    for (const auto& i : instances_) {
      if (i.meeting_id == meeting) list.push_back({{"uuid", i.uuid}, {"start_time", i.start_time}});
    }
    send_json(res, 200, {{"meetings", list}});
  });

  server_.Get(R"(/v2/past_meetings/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    std::lock_guard lock(mutex_);
    auto* i = find_or_404(req, res);
    if (!i) return;
    send_json(res, 200, {{"uuid", i->uuid}, {"id", std::stoll(i->meeting_id)}, {"host_id", i->host_id},
                         {"type", 2}, {"topic", "Lesson"}, {"user_name", "Teacher"},
                         {"start_time", i->start_time}, {"duration", 0},
                         {"participants_count", i->participants.size()}});
  });

  server_.Get(R"(/v2/past_meetings/([^/]+)/participants)", [this](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    std::lock_guard lock(mutex_);
    auto* i = find_or_404(req, res);
    if (!i) return;
    size_t offset = 0;
    if (req.has_param("next_page_token")) offset = std::stoul(req.get_param_value("next_page_token").substr(5));
    auto asked = req.has_param("page_size") ? std::stoul(req.get_param_value("page_size")) : 30;
    auto size = std::min<size_t>(asked, static_cast<size_t>(page_size_));
    auto page = json::array();
    for (size_t n = offset; n < i->participants.size() && n < offset + size; ++n) {
      page.push_back(participant_json(i->participants[n], n));
    }
    bool more = offset + size < i->participants.size();
    send_json(res, 200, {{"page_count", (i->participants.size() + size - 1) / size},
                         {"page_size", size},
                         {"total_records", i->participants.size()},
                         {"next_page_token", more ? "page-" + std::to_string(offset + size) : ""},
                         {"participants", page}});
  });
}

int closed_port() {
  // Bind a plain socket to learn a free port, then close it: nothing listens there, so a connect
  // is refused at once. (An httplib::Server that bound but never served keeps its socket
  // listening, and a client would wait for its read timeout instead.)
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace zt::test
