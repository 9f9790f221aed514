#pragma once
// Where connections wait between requests, and while their request head (or TLS handshake)
// arrives: one edge-triggered epoll loop for all of them. A worker (from a pool that grows to
// ConnectionLimits::worker_threads) gets a connection once its whole head is there, and gives it
// back after the answer. Plain HTTP heads are peeked at, not read, so that httplib reads them as
// usual; TLS records cannot be peeked at across, so the loop reads the head and hands it over.
// The caps of ConnectionLimits are kept here.
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "http/connection.hpp"

namespace zt::http {

// httplib's listening socket: INVALID_SOCKET once the server stops.
using Listener = std::atomic<int>;

// "203.0.113.5" and its port, from a socket address.
void address_of(const sockaddr_storage& addr, std::string& ip, int& port);

class ConnectionParking {
 public:
  // Answers what has arrived on a connection (with the bytes the loop read of it, for TLS);
  // returns whether it stays open.
  using Serve = std::function<bool(int fd, SSL* ssl, std::string received, size_t& served)>;

  // With `tls`, connections are TLS: the loop does their handshake, without blocking.
  ConnectionParking(const ConnectionLimits& limits, const Listener& listener, SSL_CTX* tls, Serve serve);
  ~ConnectionParking();

  // From the accepting thread. Closes the oldest idle connection when a cap is reached, or the
  // new one when none is idle.
  void admit(int fd);
  // Closes every idle connection and waits for the workers to finish theirs.
  void stop();
  ConnectionCounts counts() const;

 private:
  std::unique_ptr<class ParkingLot> lot_;
};

}  // namespace zt::http
