#pragma once
// Each connection is served by our own loop instead of httplib's, so that no client can hold a
// worker longer than the limits below: httplib 0.11 times out each read separately, so a client
// sending one header byte every few seconds, or a chunked body without end, keeps its worker
// forever. httplib still parses and routes every request (Server::process_request).
//
// A connection costs a thread only while a request is handled: between requests, and while its
// request head is still arriving (its TLS handshake too), it waits with all the others in one
// epoll loop, which hands it to a worker once the whole head is there. Caps on connections, in
// total and per client address, close the oldest idle ones when they are reached.
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

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
  // Open connections, in total and from one client address. When a new one would pass a cap, the
  // oldest idle connection (of that address, for the second) is closed for it; when none is
  // idle, the new one is refused. Lowered at start to what RLIMIT_NOFILE allows.
  size_t max_connections = 10000;
  size_t max_connections_per_client = 1000;
  std::string uncapped_client;  // the trusted proxy: every client comes through it
  // Threads that handle requests (the epoll loop and the accepting thread come on top).
  size_t worker_threads = 256;
};

// serve: raises the soft limit on open files to the hard one (idle connections are cheap now,
// but each is a descriptor); returns the limit in force.
size_t raise_open_file_limit();

// httplib's servers with the loop above; TLS ones do the handshake within header_timeout.
std::unique_ptr<httplib::Server> make_guarded_server(const ConnectionLimits& limits);
std::unique_ptr<httplib::Server> make_guarded_tls_server(const ConnectionLimits& limits, const char* cert_path,
                                                         const char* key_path);

// The connections open now: waiting in the epoll loop, and being handled by a worker.
struct ConnectionCounts {
  size_t idle = 0;
  size_t active = 0;
};
ConnectionCounts connection_counts(const httplib::Server& server);

// For handlers, about the connection of the request being handled on this thread.
// Answer, then close: the rest of the request body is never read.
void close_connection_after_response();
// The request body went past ConnectionLimits::max_body_bytes and was not read further.
bool request_body_over_limit();

}  // namespace zt::http
