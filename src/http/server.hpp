#pragma once
// `zoomtrack serve`: the HTTP adapter over LessonService. httplib stays inside src/http.
#include <memory>
#include <string>

#include "core/services/lesson_service.hpp"

namespace zt::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port
  std::string tls_cert;  // HTTPS when both are set
  std::string tls_key;
  std::string trusted_proxy;  // X-Forwarded-For is believed only from this address
  bool json_logs = false;
  bool log_requests = true;
  std::string webhook_secret;  // empty: the webhook route answers 503 and says why
  Seconds webhook_max_age{7200};
  std::string time_zone = "UTC";  // for times shown on pages
  // The tracking redirect names the student in Zoom with the lesson's tag (zoom_name_tag).
  bool zoom_name_tag = true;
  // A client must send a request's line and headers within this, in total, and then its body
  // within the same time again (--header-timeout).
  Seconds header_timeout{10};
  // A kept-alive connection waits this long for its next request.
  Seconds keep_alive_timeout{5};
  // Open connections in total and from one client address (--max-connections,
  // --max-connections-per-client): past them, the oldest idle connection is closed.
  size_t max_connections = 10000;
  size_t max_connections_per_client = 1000;
};

// One log line on stderr per lesson transition, text or JSON like the request lines:
// "2026-11-25T09:00:03Z lesson 12 created -> active (click: student opened the tracking link)".
void log_transition(const Lesson& before, const LessonState& after, const Cause& cause, bool json);

class Server {
 public:
  Server(LessonService& lessons, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the socket; returns the port. Throws Error(runtime) when it cannot.
  int bind();
  // Serves until stop(); returns false if the server failed.
  bool run();
  void stop();
  // Re-reads the TLS certificate and key (SIGHUP); a no-op for plain HTTP.
  void reload_tls();
  // The connection cap in force: --max-connections, or less when the open-file limit is lower.
  size_t max_connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zt::http
