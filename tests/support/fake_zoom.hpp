#pragma once
// A fake Zoom (OAuth token endpoint and the past-meetings REST API) as a real HTTP server on
// 127.0.0.1, for running the real `zoomtrack reconcile --zoom-api` against. Responses have the
// recorded shapes from Zoom's documentation; failures are switched on per test.
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/harness.hpp"

namespace zt::test {

struct FakeParticipant {
  std::string id;  // the user's Zoom id when signed in, "" for a guest
  std::string name;
  std::string email;
  std::string join_time;
  std::string leave_time;
};

struct FakeInstance {
  std::string meeting_id;
  std::string uuid;
  std::string host_id;
  std::string start_time;
  std::vector<FakeParticipant> participants;
};

class FakeZoom {
 public:
  static constexpr const char* account_id = "acct-1";
  static constexpr const char* client_id = "client-1";
  static constexpr const char* client_secret = "s3cret-1";

  FakeZoom();
  ~FakeZoom();
  FakeZoom(const FakeZoom&) = delete;
  FakeZoom& operator=(const FakeZoom&) = delete;

  int port() const { return port_; }
  // ZOOMTRACK_ZOOM_API_BASE, ZOOMTRACK_ZOOM_OAUTH_URL and the three credentials.
  Env env() const;

  void add_instance(FakeInstance instance);
  void set_page_size(int n);                          // the fake's own page limit
  void fail_meeting(const std::string& meeting_id);   // 404 for everything about it
  void unauthorized_once();                           // the next API request gets 401
  void rate_limit(int requests);                      // the next N API requests get 429

  int token_requests() const;
  std::vector<std::string> token_authorizations() const;  // Authorization headers sent for tokens
  std::vector<std::string> api_authorizations() const;
  std::vector<std::string> api_paths() const;  // path (decoded once, as httplib does) + "?" + query

 private:
  void routes();
  bool authorized(const httplib::Request& req, httplib::Response& res);
  const FakeInstance* find(const std::string& meeting, bool& failed) const;
  const FakeInstance* find_or_404(const httplib::Request& req, httplib::Response& res) const;

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<FakeInstance> instances_;
  std::vector<std::string> failing_;
  int page_size_ = 2;
  int unauthorized_ = 0;
  int rate_limited_ = 0;
  int tokens_issued_ = 0;
  std::string current_token_;
  std::vector<std::string> token_auth_, api_auth_, api_paths_;
};

// A 127.0.0.1 port with nothing listening: "the network is down".
int closed_port();

}  // namespace zt::test
