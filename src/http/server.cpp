#include "http/server.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "http/connection.hpp"
#include "http/pages.hpp"
#include "http/server_impl.hpp"
#include "core/util/json_limits.hpp"

namespace zt::http {
namespace {

constexpr size_t max_body = 1024 * 1024;
constexpr size_t max_path = 2048;  // tokens are 22 characters; longer paths are never ours
constexpr size_t max_requests_per_connection = 1000;

// Descriptors that are not connections: the database and its readers, the spool, logs, clients.
constexpr size_t descriptors_kept_back = 256;

// Thousands of idle connections are cheap now, but each is a descriptor: take all the open-file
// limit allows, and cap connections below it so that the database can still open its files.
size_t connection_cap(size_t wanted) {
  auto open_files = raise_open_file_limit();
  auto room = open_files > 2 * descriptors_kept_back ? open_files - descriptors_kept_back : open_files / 2;
  return std::min(wanted, room);
}

std::unique_ptr<httplib::Server> make_server(const ServerOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    throw Error(ErrorCode::invalid_argument, "--tls-cert and --tls-key go together");
  }
  ConnectionLimits limits;
  limits.header_timeout = options.header_timeout;
  limits.body_timeout = options.header_timeout;
  limits.idle_timeout = options.keep_alive_timeout;
  limits.max_requests = max_requests_per_connection;
  // Chunk framing counts against the raw limit, so allow it some room over the payload limit.
  limits.max_body_bytes = max_body + 64 * 1024;
  limits.max_connections = connection_cap(options.max_connections);
  limits.max_connections_per_client = options.max_connections_per_client;
  limits.uncapped_client = options.trusted_proxy;
  if (options.tls_cert.empty()) return make_guarded_server(limits);
  auto server = make_guarded_tls_server(limits, options.tls_cert.c_str(), options.tls_key.c_str());
  if (!server->is_valid()) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("cannot load the TLS certificate {} or key {}", options.tls_cert, options.tls_key),
                "give PEM files readable by this user");
  }
  return server;
}

constexpr const char* try_again_text =
    "Something went wrong on our side. Please try the link again in a minute; if it keeps "
    "failing, tell the school.";

// The heading of an error page: what a student or teacher needs to know at a glance.
const char* page_title_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::not_found: return "Link not found";
    case ErrorCode::gone: return "Link no longer valid";
    default: return "Sorry";
  }
}

}  // namespace

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return 400;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::gone: return 410;
    case ErrorCode::too_large: return 413;
    case ErrorCode::busy:
    case ErrorCode::storage:
    case ErrorCode::unavailable: return 503;
    case ErrorCode::runtime: break;
  }
  return 500;
}

Handler Server::Impl::wrap(const std::string& route_name, Handler handler) {
  return [this, route_name, handler](const httplib::Request& req, httplib::Response& res) {
    auto started = std::chrono::steady_clock::now();
    try {
      handler(req, res);
      if (res.status == -1) res.status = 200;
    } catch (const Error& e) {
      res.status = status_for(e.code());
      if (res.status >= 500) {
        // Students and teachers never read our internals: say what they can do; log the rest.
        std::cerr << "zoomtrack: error: " << route_name << ": " << e.what() << "\n";
        res.set_content(message_page("Sorry", try_again_text), "text/html; charset=utf-8");
      } else {
        res.set_content(message_page(page_title_for(e.code()), e.what()), "text/html; charset=utf-8");
      }
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(message_page("Sorry", try_again_text), "text/html; charset=utf-8");
      std::cerr << "zoomtrack: error: " << route_name << ": " << e.what() << "\n";
    }
    // httplib calls the error handler for every status >= 400; a body marks the response as
    // already counted and logged here, so that only unmatched routes are counted there.
    if (res.status >= 400 && res.body.empty()) {
      res.set_content(message_page("Sorry", "The request could not be handled."), "text/html; charset=utf-8");
    }
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    metrics.record_request(route_name, res.status, elapsed.count());
    log_request(req, route_name, res.status, elapsed.count());
  };
}

void Server::Impl::get(const std::string& pattern, const std::string& route_name, Handler handler) {
  server->Get(pattern, wrap(route_name, std::move(handler)));
}

void Server::Impl::post(const std::string& pattern, const std::string& route_name, Handler handler) {
  server->Post(pattern, wrap(route_name, std::move(handler)));
}

// The route template, never the path: paths carry tokens.
void Server::Impl::log_request(const httplib::Request& req, const std::string& route, int status,
                               double seconds) {
  if (!options.log_requests) return;
  auto now = format_utc(SystemClock().now());
  double ms = seconds * 1000.0;
  std::string line;
  if (options.json_logs) {
    line = json_text({{"ts", now}, {"method", req.method}, {"route", route}, {"status", status}, {"ms", ms}});
  } else {
    line = fmt::format("{} {} {} {} {:.2f}ms", now, req.method, route, status, ms);
  }
  std::cerr << line + "\n";
}

void log_transition(const Lesson& before, const LessonState& after, const Cause& cause, bool json) {
  auto now = format_utc(SystemClock().now());
  std::string line;
  if (json) {
    // A reason may quote a Zoom display name, which need not be UTF-8.
    line = json_text({{"ts", now},
                      {"event", "transition"},
                      {"lesson", before.id},
                      {"from", to_string(before.status)},
                      {"to", to_string(after.status)},
                      {"source", cause.source},
                      {"reason", cause.reason}});
  } else {
    line = fmt::format("{} lesson {} {} -> {} ({}: {})", now, before.id, to_string(before.status),
                       to_string(after.status), cause.source, cause.reason);
  }
  std::cerr << line + "\n";
}

std::string Server::Impl::client_ip(const httplib::Request& req) const {
  if (!options.trusted_proxy.empty() && req.remote_addr == options.trusted_proxy) {
    // The proxy appends the address it saw last: that hop is the one we can trust.
    auto forwarded = req.get_header_value("X-Forwarded-For");
    auto comma = forwarded.rfind(',');
    auto last = forwarded.substr(comma == std::string::npos ? 0 : comma + 1);
    auto begin = last.find_first_not_of(' ');
    if (begin != std::string::npos) return last.substr(begin);
  }
  return req.remote_addr;
}

Server::Server(LessonService& lessons, ServerOptions options)
    : impl_(std::make_unique<Impl>(lessons, std::move(options))) {
  impl_->server = make_server(impl_->options);
  if (!impl_->options.tls_cert.empty()) {
    auto* ssl_server = static_cast<httplib::SSLServer*>(impl_->server.get());
    impl_->tls = std::make_unique<TlsCredentials>(ssl_server->ssl_context(), impl_->options.tls_cert,
                                                  impl_->options.tls_key);
  }
  auto& s = *impl_->server;
  // Content-Length over this is refused before reading; chunked bodies are cut by the connection.
  s.set_payload_max_length(max_body + 1);
  // Read and write timeouts are the connection loop's (ConnectionLimits), which also enforces
  // these two; httplib announces them in the Keep-Alive header.
  s.set_keep_alive_timeout(impl_->options.keep_alive_timeout.count());
  s.set_keep_alive_max_count(max_requests_per_connection);
  // httplib writes headers and body separately: without this, Nagle and delayed ACKs add ~40 ms
  // to every answer that has a body on a kept-alive connection.
  s.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, with which a second serve on the same port would
  // start and take half the requests. SO_REUSEADDR alone lets a restart bind past TIME_WAIT.
  s.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl_->listen_socket = sock;  // the last one tried is the one bound
  });
  register_lesson_routes(*impl_);
  register_webhook_routes(*impl_);
  register_ops_routes(*impl_);
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.size() > max_path) {
      res.status = 404;
      return httplib::Server::HandlerResponse::Handled;
    }
    // httplib would read and discard an announced body over the limit, however large: refuse it
    // at once, and close the connection rather than read it.
    if (req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      auto length = req.get_header_value("Content-Length");
      bool digits = !length.empty() && length.size() <= 19 && length.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoull(length) > max_body) {
        res.status = digits ? 413 : 400;
        res.set_header("Connection", "close");
        close_connection_after_response();
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a route's response: wrap() counted and logged it
    if (request_body_over_limit()) {
      res.status = 413;
      res.set_header("Connection", "close");
    }
    if (res.status == 413) {
      res.set_content("request body is larger than 1 MiB\n", "text/plain; charset=utf-8");
    } else {
      auto title = res.status == 404 ? "Not found" : "Sorry";
      res.set_content(message_page(title, res.status == 404 ? "There is nothing at this address."
                                                            : "The request could not be handled."),
                      "text/html; charset=utf-8");
    }
    impl_->metrics.record_request("other", res.status, 0);
    impl_->log_request(req, "other", res.status, 0);
  });
}

Server::~Server() = default;

int Server::bind() {
  auto& o = impl_->options;
  errno = 0;
  int port = o.port == 0 ? impl_->server->bind_to_any_port(o.host)
                         : (impl_->server->bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) {
    int error = errno;
    if (error == EADDRINUSE) {
      throw Error(ErrorCode::runtime, fmt::format("cannot listen on {}:{}: the address is already in use", o.host, o.port),
                  "is another zoomtrack serve running there? stop it, or choose another --listen HOST:PORT");
    }
    throw Error(ErrorCode::runtime, fmt::format("cannot listen on {}:{}: {}", o.host, o.port, error ? std::strerror(error) : "unknown error"),
                "choose another address with --listen HOST:PORT");
  }
  // httplib listens with a backlog of 5: a burst of new connections (a class opening its links at
  // once, or a slowloris) overflows it, and a dropped SYN costs a student a 1 s retransmission.
  // listen() again on the bound socket only raises the backlog.
  ::listen(impl_->listen_socket, SOMAXCONN);
  return port;
}

bool Server::run() { return impl_->server->listen_after_bind(); }

void Server::stop() { impl_->server->stop(); }

size_t Server::max_connections() const { return connection_cap(impl_->options.max_connections); }

void Server::reload_tls() {
  if (!impl_->tls) return;
  if (auto why = impl_->tls->reload()) {
    std::cerr << fmt::format("zoomtrack: error: cannot reload the TLS {}; still serving the previous certificate\n", *why);
  } else {
    std::cerr << fmt::format("zoomtrack: reloaded the TLS certificate {}\n", impl_->tls->cert_path());
  }
}

}  // namespace zt::http
