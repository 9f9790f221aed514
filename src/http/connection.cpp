// A connection waits in the epoll loop (ConnectionParking) until a whole request head has
// arrived, then a worker hands it to httplib to parse, route and answer, and gives it back to the
// loop if it stays open. Plain HTTP heads are peeked at in the socket; TLS ones are read by the
// loop after its non-blocking handshake and handed over with the connection. Sockets are
// non-blocking and every wait a worker does is a poll() in short slices, so a stopping server is
// noticed within a fraction of a second.
#include "http/connection.hpp"
#include "http/connection_parking.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <iostream>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace zt::http {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto poll_slice = std::chrono::milliseconds(200);

// Waits for `events` on `fd` until `deadline`; false on timeout, or once the server stops
// (httplib closes its listening socket) when `listener` is given.
bool wait_fd(int fd, short events, SteadyClock::time_point deadline, const Listener* listener) {
  for (;;) {
    if (listener && *listener == INVALID_SOCKET) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd, events, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(std::min(left, std::chrono::milliseconds(poll_slice)).count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

class ConnectionStream final : public httplib::Stream {
 public:
  // `received`: bytes the epoll loop already read from a TLS connection, read here first.
  ConnectionStream(int fd, SSL* ssl, const ConnectionLimits& limits, const Listener& listener,
                   std::string received = {})
      : fd_(fd), ssl_(ssl), limits_(limits), listener_(listener), received_(std::move(received)) {}

  // Waits (idle timeout) for the next request's first byte and starts its header deadline.
  bool wait_for_request() {
    bool ready = buffered() || wait_fd(fd_, POLLIN, SteadyClock::now() + limits_.idle_timeout, &listener_);
    if (!ready) return false;
    phase_ = Phase::headers;
    header_deadline_ = SteadyClock::now() + limits_.header_timeout;
    headers_.clear();
    return true;
  }

  // The connection cannot carry another request: its last one was cut short or refused unread.
  bool must_close() const { return closing_ || over_limit_ || phase_ == Phase::headers; }
  void close_after_response() { closing_ = true; }
  bool over_limit() const { return over_limit_; }
  // Answered without reading the whole body: the client may still be sending it.
  bool body_left_unread() const { return closing_ || over_limit_; }

  // Bytes of the next request already read from the socket (a pipelined request).
  bool buffered() const {
    return pos_ < len_ || received_pos_ < received_.size() || (ssl_ && SSL_pending(ssl_) > 0);
  }

  bool is_readable() const override {
    return buffered() || wait_fd(fd_, POLLIN, SteadyClock::now() + limits_.io_timeout, &listener_);
  }
  bool is_writable() const override {
    return wait_fd(fd_, POLLOUT, SteadyClock::now() + limits_.io_timeout, nullptr);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (phase_ == Phase::body) {
      if (!body_announced_) return 0;  // no Content-Length or Transfer-Encoding: no body (RFC 9112)
      if (body_read_ >= limits_.max_body_bytes) {
        over_limit_ = true;
        return -1;
      }
      size = std::min(size, limits_.max_body_bytes - body_read_);
    }
    if (pos_ == len_) {
      auto filled = fill();
      if (filled <= 0) return filled;
    }
    size_t n = std::min(size, len_ - pos_);
    if (phase_ == Phase::headers) {
      auto taken = take_header_bytes(n);
      if (taken < 0) return -1;
      n = static_cast<size_t>(taken);
    } else {
      body_read_ += n;
    }
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    auto deadline = SteadyClock::now() + limits_.io_timeout;
    for (;;) {
      short want = POLLOUT;
      if (ssl_) {
        ERR_clear_error();
        int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
        if (n > 0) return n;
        int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_WANT_READ) want = POLLIN;
        else if (err != SSL_ERROR_WANT_WRITE) return -1;
      } else {
        auto n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      }
      if (!wait_fd(fd_, want, deadline, nullptr)) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  enum class Phase { idle, headers, body };

  // Reads what the socket has into buf_: >0 bytes, 0 at the end of the stream, -1 on error or
  // when the deadline (the header deadline while reading headers) passes first.
  ssize_t fill() {
    pos_ = len_ = 0;
    if (received_pos_ < received_.size()) {
      len_ = std::min(sizeof buf_, received_.size() - received_pos_);
      std::memcpy(buf_, received_.data() + received_pos_, len_);
      received_pos_ += len_;
      return static_cast<ssize_t>(len_);
    }
    auto deadline = SteadyClock::now() + limits_.io_timeout;
    if (phase_ == Phase::headers) deadline = std::min(deadline, header_deadline_);
    if (phase_ == Phase::body) deadline = std::min(deadline, body_deadline_);
    for (;;) {
      short want = POLLIN;
      if (ssl_) {
        ERR_clear_error();
        int n = SSL_read(ssl_, buf_, sizeof buf_);
        if (n > 0) return static_cast<ssize_t>(len_ = static_cast<size_t>(n));
        int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && n == 0)) return 0;
        if (err == SSL_ERROR_WANT_WRITE) want = POLLOUT;
        else if (err != SSL_ERROR_WANT_READ) return -1;
      } else {
        auto n = ::recv(fd_, buf_, sizeof buf_, 0);
        if (n > 0) return static_cast<ssize_t>(len_ = static_cast<size_t>(n));
        if (n == 0) return 0;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      }
      if (!wait_fd(fd_, want, deadline, &listener_)) return -1;
    }
  }

  // httplib reads headers a byte at a time; we watch for the blank line that ends them so that
  // the header limits stop there and the body limits start.
  ssize_t take_header_bytes(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      char c = buf_[pos_ + i];
      headers_ += c;
      if (headers_.size() > limits_.max_header_bytes) return -1;
      // httplib's own rule: the headers end at a line that is exactly CRLF, after the request line.
      if (c == '\n' && headers_.size() >= 3 && headers_.compare(headers_.size() - 3, 3, "\n\r\n") == 0) {
        start_body();
        return static_cast<ssize_t>(i + 1);
      }
    }
    return static_cast<ssize_t>(n);
  }

  void start_body() {
    phase_ = Phase::body;
    body_deadline_ = SteadyClock::now() + limits_.body_timeout;
    body_read_ = 0;
    std::string lower(headers_.size(), '\0');
    std::transform(headers_.begin(), headers_.end(), lower.begin(),
                   [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    body_announced_ = lower.find("\ncontent-length:") != std::string::npos ||
                      lower.find("\ntransfer-encoding:") != std::string::npos;
  }

  int fd_;
  SSL* ssl_;
  const ConnectionLimits& limits_;
  const Listener& listener_;
  std::string received_;
  size_t received_pos_ = 0;
  char buf_[16 * 1024];
  size_t pos_ = 0, len_ = 0;
  Phase phase_ = Phase::idle;
  SteadyClock::time_point header_deadline_{};
  SteadyClock::time_point body_deadline_{};
  std::string headers_;
  bool body_announced_ = false;
  size_t body_read_ = 0;
  bool over_limit_ = false;
  bool closing_ = false;
};

thread_local ConnectionStream* current_connection = nullptr;

using ProcessRequest = std::function<bool(httplib::Stream&, SSL*, bool close_connection, bool& connection_closed)>;

// Closing a socket with unread data sends a reset, which can destroy the answer (a 413) before the
// client reads it. So, like nginx's lingering close: end our side, then read and drop what the
// client still sends, for a short while.
void linger(int fd) {
  ::shutdown(fd, SHUT_WR);
  auto deadline = SteadyClock::now() + std::chrono::seconds(1);
  char sink[16 * 1024];
  for (size_t dropped = 0; dropped < 16 * 1024 * 1024 && wait_fd(fd, POLLIN, deadline, nullptr);) {
    auto n = ::recv(fd, sink, sizeof sink, 0);
    if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) break;
    if (n > 0) dropped += static_cast<size_t>(n);
  }
}

// On a worker: answers the requests whose bytes have arrived (one, or more when they came
// pipelined), counting them in `served`. Returns whether the connection may wait for another.
bool answer_arrived_requests(int fd, SSL* ssl, std::string received, size_t& served, const ConnectionLimits& limits,
                             const Listener& listener, const ProcessRequest& process) {
  ConnectionStream stream(fd, ssl, limits, listener, std::move(received));
  current_connection = &stream;
  bool keep = true;
  do {
    if (served >= limits.max_requests || !stream.wait_for_request()) {
      keep = false;
      break;
    }
    bool closed = false;
    bool ok = process(stream, ssl, ++served == limits.max_requests, closed);
    if (!ok || closed || stream.must_close()) {
      if (ok && !ssl && stream.body_left_unread()) linger(fd);
      keep = false;
    }
  } while (keep && stream.buffered());
  current_connection = nullptr;
  return keep;
}

// httplib hands each accepted connection to its task queue: this one parks it at once, on the
// accepting thread, and stops the parking when httplib shuts the queue down.
class ParkingQueue final : public httplib::TaskQueue {
 public:
  explicit ParkingQueue(ConnectionParking& parking) : parking_(parking) {}
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override { parking_.stop(); }

 private:
  ConnectionParking& parking_;
};

// httplib's Server or SSLServer, with connections parked between requests. httplib still parses,
// routes and answers each request (process_request).
template <class Base>
class Guarded final : public Base {
 public:
  template <class... Args>
  explicit Guarded(const ConnectionLimits& limits, Args&&... args) : Base(std::forward<Args>(args)...), limits_(limits) {
    this->new_task_queue = [this] {
      parking_ = std::make_unique<ConnectionParking>(limits_, this->svr_sock_, tls_context(),
                                                     [this](int fd, SSL* ssl, std::string received, size_t& served) {
                                                       return answer(fd, ssl, std::move(received), served);
                                                     });
      return new ParkingQueue(*parking_);
    };
  }

  ConnectionCounts counts() const { return parking_ ? parking_->counts() : ConnectionCounts{}; }

 private:
  SSL_CTX* tls_context() {
    if constexpr (std::is_same_v<Base, httplib::SSLServer>) return this->ssl_context();
    return nullptr;
  }

  bool answer(int fd, SSL* ssl, std::string received, size_t& served) {
    return answer_arrived_requests(
        fd, ssl, std::move(received), served, limits_, this->svr_sock_,
        [this](httplib::Stream& strm, SSL* ssl, bool close_connection, bool& closed) {
          return this->process_request(strm, close_connection, closed, [ssl](httplib::Request& req) {
            if (ssl) req.ssl = ssl;
          });
        });
  }

  bool process_and_close_socket(socket_t sock) override {
    parking_->admit(sock);
    return true;
  }

  ConnectionLimits limits_;
  std::unique_ptr<ConnectionParking> parking_;
};

using GuardedServer = Guarded<httplib::Server>;
using GuardedTlsServer = Guarded<httplib::SSLServer>;

}  // namespace

std::unique_ptr<httplib::Server> make_guarded_server(const ConnectionLimits& limits) {
  return std::make_unique<GuardedServer>(limits);
}

std::unique_ptr<httplib::Server> make_guarded_tls_server(const ConnectionLimits& limits, const char* cert_path,
                                                         const char* key_path) {
  return std::make_unique<GuardedTlsServer>(limits, cert_path, key_path);
}

ConnectionCounts connection_counts(const httplib::Server& server) {
  if (auto* guarded = dynamic_cast<const GuardedServer*>(&server)) return guarded->counts();
  if (auto* guarded = dynamic_cast<const GuardedTlsServer*>(&server)) return guarded->counts();
  return {};
}

size_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  // An unlimited hard limit cannot be the soft one for open files: take the kernel's own ceiling.
  auto wanted = limit.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_max;
  if (limit.rlim_cur < wanted) {
    rlimit raised{wanted, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit.rlim_cur = wanted;
  }
  return static_cast<size_t>(limit.rlim_cur);
}

void close_connection_after_response() {
  if (current_connection) current_connection->close_after_response();
}

bool request_body_over_limit() { return current_connection && current_connection->over_limit(); }

}  // namespace zt::http
