#pragma once
// Each connection is served by our own loop instead of httplib's, so that no client can hold a
// worker longer than the limits below: httplib 0.11 times out each read separately, so a client
// sending one header byte every few seconds, or a chunked body without end, keeps its worker
// forever. httplib still parses and routes every request (Server::process_request).
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>

namespace zt::http {

struct ConnectionLimits {
  // From a request's first byte to the end of its headers, in total (nginx's
  // client_header_timeout); a client that is slower is disconnected (httplib answers 400 first
  // when the request line had arrived).
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  // From the end of the headers to the end of the body, in total: a body sent a byte at a time
  // cannot hold a worker either.
  std::chrono::milliseconds body_timeout{std::chrono::seconds(10)};
  // How long a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(5)};
  // Any one read of a body or write of a response.
  std::chrono::milliseconds io_timeout{std::chrono::seconds(10)};
  size_t max_header_bytes = 64 * 1024;
  // Body bytes as sent, chunk framing included: a request reads no more, whatever it announces.
  size_t max_body_bytes = 1024 * 1024 + 64 * 1024;
  size_t max_requests = 1000;  // per connection
};

// httplib's servers with the loop above; TLS ones do the handshake within header_timeout.
std::unique_ptr<httplib::Server> make_guarded_server(const ConnectionLimits& limits);
std::unique_ptr<httplib::Server> make_guarded_tls_server(const ConnectionLimits& limits, const char* cert_path,
                                                         const char* key_path);

// Threads started as connections need them, up to `max_threads`, each with a small stack; idle
// ones end after a while. A connection occupies a thread for its life, which the limits bound.
httplib::TaskQueue* new_growing_pool(size_t max_threads);

// For handlers, about the connection of the request being handled on this thread.
// Answer, then close: the rest of the request body is never read.
void close_connection_after_response();
// The request body went past ConnectionLimits::max_body_bytes and was not read further.
bool request_body_over_limit();

}  // namespace zt::http
