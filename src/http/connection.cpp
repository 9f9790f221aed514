// One connection, start to end, on one worker thread: wait for a request (idle timeout), read its
// headers (one deadline for all of them), hand the stream to httplib to parse, route and answer,
// repeat. Sockets are non-blocking and every wait is a poll() in short slices, so a stopping
// server is noticed within a fraction of a second. TLS is the same loop over SSL_read/SSL_write.
#include "http/connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>

namespace zt::http {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Listener = std::atomic<socket_t>;
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

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, SSL* ssl, const ConnectionLimits& limits, const Listener& listener)
      : fd_(fd), ssl_(ssl), limits_(limits), listener_(listener) {}

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

  bool buffered() const { return pos_ < len_ || (ssl_ && SSL_pending(ssl_) > 0); }

  // Reads what the socket has into buf_: >0 bytes, 0 at the end of the stream, -1 on error or
  // when the deadline (the header deadline while reading headers) passes first.
  ssize_t fill() {
    pos_ = len_ = 0;
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

bool tls_handshake(SSL* ssl, int fd, SteadyClock::time_point deadline, const Listener& listener) {
  for (;;) {
    ERR_clear_error();
    int r = SSL_accept(ssl);
    if (r == 1) return true;
    int err = SSL_get_error(ssl, r);
    short want = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (want == 0 || !wait_fd(fd, want, deadline, &listener)) return false;
  }
}

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

bool serve_connection(socket_t fd, SSL_CTX* tls, const ConnectionLimits& limits, const Listener& listener,
                      const ProcessRequest& process) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL* ssl = nullptr;
  bool ok = true;
  if (tls) {
    ssl = SSL_new(tls);
    ok = ssl && SSL_set_fd(ssl, fd) == 1 &&
         tls_handshake(ssl, fd, SteadyClock::now() + limits.header_timeout, listener);
  }
  if (ok) {
    ConnectionStream stream(fd, ssl, limits, listener);
    current_connection = &stream;
    for (size_t served = 0; served < limits.max_requests && stream.wait_for_request(); ++served) {
      bool closed = false;
      ok = process(stream, ssl, served + 1 == limits.max_requests, closed);
      if (!ok || closed || stream.must_close()) break;
    }
    current_connection = nullptr;
    if (ok && !ssl && stream.body_left_unread()) linger(fd);
  }
  if (ssl) {
    if (ok) SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  return ok;
}

class GuardedServer final : public httplib::Server {
 public:
  explicit GuardedServer(const ConnectionLimits& limits) : limits_(limits) {}

 private:
  bool process_and_close_socket(socket_t sock) override {
    return serve_connection(sock, nullptr, limits_, svr_sock_,
                            [this](httplib::Stream& strm, SSL*, bool close_connection, bool& closed) {
                              return process_request(strm, close_connection, closed, nullptr);
                            });
  }

  ConnectionLimits limits_;
};

class GuardedTlsServer final : public httplib::SSLServer {
 public:
  GuardedTlsServer(const ConnectionLimits& limits, const char* cert_path, const char* key_path)
      : httplib::SSLServer(cert_path, key_path), limits_(limits) {}

 private:
  bool process_and_close_socket(socket_t sock) override {
    return serve_connection(
        sock, ssl_context(), limits_, svr_sock_,
        [this](httplib::Stream& strm, SSL* ssl, bool close_connection, bool& closed) {
          return process_request(strm, close_connection, closed, [ssl](httplib::Request& req) { req.ssl = ssl; });
        });
  }

  ConnectionLimits limits_;
};

class GrowingPool final : public httplib::TaskQueue {
 public:
  explicit GrowingPool(size_t max_threads) : max_threads_(max_threads) {}

  void enqueue(std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(fn));
    if (jobs_.size() > idle_ && threads_ < max_threads_ && start_thread()) return;
    work_.notify_one();
  }

  void shutdown() override {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    work_.notify_all();
    done_.wait(lock, [this] { return threads_ == 0; });
  }

 private:
  static constexpr size_t stack_bytes = 1024 * 1024;
  static constexpr size_t warm_threads = 8;
  static constexpr auto idle_exit = std::chrono::seconds(30);

  bool start_thread() {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_bytes);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    bool started = pthread_create(&thread, &attr, &GrowingPool::run, this) == 0;
    pthread_attr_destroy(&attr);
    if (started) ++threads_;
    return started;
  }

  static void* run(void* self) {
    static_cast<GrowingPool*>(self)->work();
    return nullptr;
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      bool woken = work_.wait_for(lock, idle_exit, [this] { return !jobs_.empty() || stopping_; });
      --idle_;
      if (jobs_.empty()) {
        if (stopping_ || (!woken && threads_ > warm_threads)) break;
        continue;
      }
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      try {
        job();
      } catch (const std::exception& e) {
        std::cerr << std::string("zoomtrack: error: connection: ") + e.what() + "\n";
      }
      lock.lock();
    }
    if (--threads_ == 0) done_.notify_all();
  }

  const size_t max_threads_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable done_;
  std::deque<std::function<void()>> jobs_;
  size_t threads_ = 0;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace

std::unique_ptr<httplib::Server> make_guarded_server(const ConnectionLimits& limits) {
  return std::make_unique<GuardedServer>(limits);
}

std::unique_ptr<httplib::Server> make_guarded_tls_server(const ConnectionLimits& limits, const char* cert_path,
                                                         const char* key_path) {
  return std::make_unique<GuardedTlsServer>(limits, cert_path, key_path);
}

httplib::TaskQueue* new_growing_pool(size_t max_threads) { return new GrowingPool(max_threads); }

void close_connection_after_response() {
  if (current_connection) current_connection->close_after_response();
}

bool request_body_over_limit() { return current_connection && current_connection->over_limit(); }

}  // namespace zt::http
