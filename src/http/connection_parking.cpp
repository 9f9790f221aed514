// The epoll loop where connections wait between requests, and while their request head (or TLS
// handshake) arrives, and the pool of workers it hands them to.
#include "http/connection_parking.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
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

namespace {

using SteadyClock = std::chrono::steady_clock;

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

// Everything here is under one mutex: the accepting thread admits, the loop watches and expires,
// workers give back or close; none of them waits on anything while holding it.
class ParkingLot {
 public:
  using Serve = ConnectionParking::Serve;

  // With `tls`, connections are TLS: the loop does the handshake (non-blocking) and, as TLS
  // records cannot be peeked at across, reads the head itself and hands it to the worker.
  ParkingLot(const ConnectionLimits& limits, const Listener& listener, SSL_CTX* tls, Serve serve)
      : limits_(limits), listener_(listener), tls_(tls), serve_(std::move(serve)), workers_(limits.worker_threads),
        epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    thread_ = std::thread([this] { loop(); });
  }
  ~ParkingLot() {
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

ConnectionParking::ConnectionParking(const ConnectionLimits& limits, const Listener& listener, SSL_CTX* tls, Serve serve)
    : lot_(std::make_unique<ParkingLot>(limits, listener, tls, std::move(serve))) {}

ConnectionParking::~ConnectionParking() = default;

void ConnectionParking::admit(int fd) { lot_->admit(fd); }

void ConnectionParking::stop() { lot_->stop(); }

ConnectionCounts ConnectionParking::counts() const { return lot_->counts(); }

}  // namespace zt::http
