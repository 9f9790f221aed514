// A connection waits in the epoll loop (ConnectionParking) until a whole request head has
// arrived, then a worker hands it to httplib to parse, route and answer, and gives it back to the
// loop if it stays open. Plain HTTP heads are peeked at in the socket; TLS ones are read by the
// loop after its non-blocking handshake and handed over with the connection. Sockets are
// non-blocking and every wait a worker does is a poll() in short slices, so a stopping server is
// noticed within a fraction of a second.
#include "http/connection.hpp"

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

// Where plain-HTTP connections wait between requests, and while their request head arrives: one
// epoll loop for all of them. A worker gets a connection once its whole head is there (peeked at,
// not read, so that httplib reads it as usual), and gives it back after the answer. Everything
// here is under one mutex: the accepting thread admits, the loop watches and expires, workers
// give back or close; none of them waits on anything while holding it.
class ConnectionParking {
 public:
  // Answers what has arrived on a connection (with the bytes the loop read from it, for TLS);
  // returns whether it stays open.
  using Serve = std::function<bool(int fd, SSL* ssl, std::string received, size_t& served)>;

  // With `tls`, connections are TLS: the loop does the handshake (non-blocking) and, as TLS
  // records cannot be peeked at across, reads the head itself and hands it to the worker.
  ConnectionParking(const ConnectionLimits& limits, const Listener& listener, SSL_CTX* tls, Serve serve)
      : limits_(limits), listener_(listener), tls_(tls), serve_(std::move(serve)), workers_(limits.worker_threads),
        epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    thread_ = std::thread([this] { loop(); });
  }
  ~ConnectionParking() {
    stop();
    ::close(epoll_fd_);
  }

  // From the accepting thread. Closes the oldest idle connection when a cap is reached, or the
  // new one when none is idle.
  void admit(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    auto client = client_address(fd);
    std::lock_guard lock(mutex_);
    if (stopping_ || !make_room(client)) {
      ::close(fd);
      return;
    }
    auto entry = std::make_unique<Entry>();
    entry->id = next_id_++;
    entry->fd = fd;
    entry->client = client;
    ++per_client_[client];
    // Edge-triggered: a head still arriving stays readable (it is peeked at, not read), so only
    // new bytes may wake the loop. Registered once, for the connection's life.
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    event.data.u64 = entry->id;
    auto& e = *entries_.emplace(entry->id, std::move(entry)).first->second;
    if (tls_ && (!(e.ssl = SSL_new(tls_)) || SSL_set_fd(e.ssl, fd) != 1)) {
      close_entry(e);
      return;
    }
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      close_entry(e);
      return;
    }
    park(e);
  }

  // Closes every idle connection and waits for the workers to finish theirs.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
    workers_.shutdown();
  }

  ConnectionCounts counts() const {
    std::lock_guard lock(mutex_);
    return {idle_.size(), entries_.size() - idle_.size()};
  }

 private:
  struct Entry {
    uint64_t id = 0;  // never reused, unlike descriptors: a stale event cannot reach a new connection
    int fd = -1;
    std::string client;
    size_t served = 0;
    SSL* ssl = nullptr;      // TLS only
    bool handshaken = false;
    std::string received;    // TLS only: what the loop read of the next request
    bool parked = false;
    bool head_started = false;
    std::chrono::steady_clock::time_point deadline{};
    std::list<uint64_t>::iterator in_idle;  // while parked
  };

  static std::string client_address(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    std::string ip;
    int port = 0;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
    return ip;
  }

  void loop() {
    std::array<epoll_event, 256> events;
    auto next_sweep = SteadyClock::now();
    for (;;) {
      int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 100);
      std::lock_guard lock(mutex_);
      if (stopping_ || listener_ == INVALID_SOCKET) break;
      for (int i = 0; i < n; ++i) {
        auto it = entries_.find(events[static_cast<size_t>(i)].data.u64);
        if (it != entries_.end() && it->second->parked) on_readable(*it->second);
      }
      auto now = SteadyClock::now();
      if (now >= next_sweep) {
        close_expired(now);
        next_sweep = now + std::chrono::milliseconds(250);
      }
    }
    std::lock_guard lock(mutex_);
    stopping_ = true;  // the listener went away: workers close what they hold
    while (!idle_.empty()) close_entry(*entries_.at(idle_.front()));
  }

  // Under the mutex, for a parked connection. Peeks at what has arrived: a whole head goes to a
  // worker; part of one starts (once) the header deadline; the end of the stream closes.
  void on_readable(Entry& e) {
    if (e.ssl) return on_tls_readable(e);
    auto n = ::recv(e.fd, peeked_.data(), std::min(peeked_.size(), limits_.max_header_bytes), MSG_PEEK);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      close_entry(e);
      return;
    }
    consider_head(e, std::string_view(peeked_.data(), static_cast<size_t>(std::max<ssize_t>(n, 0))));
  }

  // Under the mutex: hands the connection to a worker once `head` (what arrived of the next
  // request) holds a whole request head.
  void consider_head(Entry& e, std::string_view head) {
    // Over the header limit: the worker reads it and refuses it as it would any other.
    if (head.size() >= limits_.max_header_bytes || head.find("\r\n\r\n") != std::string_view::npos) {
      unpark(e);
      workers_.enqueue([this, id = e.id] { work(id); });
      return;
    }
    if (!head.empty()) start_head_deadline(e);
  }

  void start_head_deadline(Entry& e) {
    if (e.head_started) return;
    e.head_started = true;
    e.deadline = SteadyClock::now() + limits_.header_timeout;
  }

  // The handshake, then everything readable, until OpenSSL wants more from the socket: with an
  // edge-triggered loop, whatever is left unread would never wake it again.
  void on_tls_readable(Entry& e) {
    if (!e.handshaken) {
      ERR_clear_error();
      int r = SSL_accept(e.ssl);
      if (r != 1) {
        int err = SSL_get_error(e.ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return start_head_deadline(e);
        return close_entry(e);
      }
      e.handshaken = true;
    }
    while (e.received.size() < limits_.max_header_bytes) {
      ERR_clear_error();
      auto room = std::min(peeked_.size(), limits_.max_header_bytes - e.received.size());
      int n = SSL_read(e.ssl, peeked_.data(), static_cast<int>(room));
      if (n > 0) {
        e.received.append(peeked_.data(), static_cast<size_t>(n));
        continue;
      }
      int err = SSL_get_error(e.ssl, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
      return close_entry(e);  // closed by the client, or broken
    }
    consider_head(e, e.received);
  }

  // On a worker, with the connection unparked: nobody else touches its descriptor meanwhile.
  void work(uint64_t id) {
    int fd;
    SSL* ssl;
    std::string received;
    size_t served;
    {
      std::lock_guard lock(mutex_);
      auto& e = *entries_.at(id);
      fd = e.fd;
      ssl = e.ssl;
      received = std::move(e.received);
      e.received.clear();
      served = e.served;
    }
    bool keep = serve_(fd, ssl, std::move(received), served);
    std::lock_guard lock(mutex_);
    auto& e = *entries_.at(id);
    e.served = served;
    if (keep && !stopping_) park(e);
    else close_entry(e);
  }

  // Under the mutex; `e` may be gone afterwards. Bytes that came while a worker had the
  // connection raised no edge the loop saw: look at once.
  void park(Entry& e) {
    e.parked = true;
    e.head_started = false;
    e.deadline = SteadyClock::now() + limits_.idle_timeout;
    e.in_idle = idle_.insert(idle_.end(), e.id);
    on_readable(e);
  }

  void unpark(Entry& e) {
    e.parked = false;
    idle_.erase(e.in_idle);
  }

  void close_entry(Entry& e) {
    if (e.parked) unpark(e);
    if (--per_client_[e.client] == 0) per_client_.erase(e.client);
    if (e.ssl) {
      if (e.handshaken) SSL_shutdown(e.ssl);  // one close_notify, not waited for
      SSL_free(e.ssl);
    }
    ::shutdown(e.fd, SHUT_RDWR);
    ::close(e.fd);  // also takes it out of the epoll set
    entries_.erase(e.id);
  }

  void close_expired(SteadyClock::time_point now) {
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& e = *entries_.at(*it++);
      if (e.deadline <= now) {
        if (e.head_started && !e.ssl) refuse_unfinished_head(e.fd);
        close_entry(e);
      }
    }
  }

  // A head that did not arrive within the header timeout: as httplib would have, answer 400 when
  // its request line had arrived. What was sent is read first, or the close would reset the
  // connection and lose the answer.
  static void refuse_unfinished_head(int fd) {
    static constexpr std::string_view bad_request =
        "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    char sink[4096];
    bool request_line = false;
    for (ssize_t n; (n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT)) > 0;) {
      request_line = request_line || std::memchr(sink, '\n', static_cast<size_t>(n));
    }
    if (request_line) ::send(fd, bad_request.data(), bad_request.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  }

  // Under the mutex, before admitting a connection from `client`.
  bool make_room(const std::string& client) {
    bool capped_client = client != limits_.uncapped_client;
    auto from_client = per_client_.find(client);
    if (capped_client && from_client != per_client_.end() && from_client->second >= limits_.max_connections_per_client &&
        !close_oldest_idle(&client)) {
      return false;
    }
    return entries_.size() < limits_.max_connections || close_oldest_idle(nullptr);
  }

  bool close_oldest_idle(const std::string* client) {
    for (auto id : idle_) {
      auto& e = *entries_.at(id);
      if (client && e.client != *client) continue;
      close_entry(e);
      return true;
    }
    return false;
  }

  const ConnectionLimits limits_;
  const Listener& listener_;
  SSL_CTX* tls_;
  Serve serve_;
  GrowingPool workers_;
  int epoll_fd_;
  std::array<char, 64 * 1024> peeked_{};  // under the mutex
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, std::unique_ptr<Entry>> entries_;
  std::unordered_map<std::string, size_t> per_client_;
  std::list<uint64_t> idle_;  // parked connections, longest parked first
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

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
