#pragma once
// Shared by the files that register routes: the server's state and the one error mapping.
#include <httplib.h>

#include <functional>
#include <memory>

#include "core/util/error.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"

namespace zt::http {

// A handler that may throw zt::Error; route() maps errors, logs and counts.
using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

struct Server::Impl {
  LessonService& lessons;
  ServerOptions options;
  std::unique_ptr<httplib::Server> server;
  std::unique_ptr<TlsCredentials> tls;  // with --tls-cert: what the SSLServer presents
  Metrics metrics;
  socket_t listen_socket = INVALID_SOCKET;

  Impl(LessonService& l, ServerOptions o) : lessons(l), options(std::move(o)) {}

  void get(const std::string& pattern, const std::string& route_name, Handler handler);
  void post(const std::string& pattern, const std::string& route_name, Handler handler);
  Handler wrap(const std::string& route_name, Handler handler);
  void log_request(const httplib::Request& req, const std::string& route, int status, double seconds);

  std::string client_ip(const httplib::Request& req) const;
};

int status_for(ErrorCode code);

void register_lesson_routes(Server::Impl& impl);
void register_ops_routes(Server::Impl& impl);
void register_webhook_routes(Server::Impl& impl);

}  // namespace zt::http
