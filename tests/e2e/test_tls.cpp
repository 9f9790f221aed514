#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "support/harness.hpp"

using namespace zt::test;

namespace {

// A self-signed certificate for 127.0.0.1, valid for a day.
void make_certificate(const std::string& cert, const std::string& key) {
  auto r = run_program({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                        "-days", "1", "-keyout", key, "-out", cert});
  INFO("openssl is in scripts/install-deps --test: " << r.err);
  REQUIRE(r.exit_code == 0);
}

std::string fingerprint_of_file(const std::string& cert) {
  auto r = run_program({"openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// What the server presents to a new connection.
std::string served_fingerprint(int port) {
  auto r = run_program({"sh", "-c",
                        "timeout 20 openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                            " </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// SIGHUP, then wait for serve to say how the reload went.
void reload(const ServeProcess& serve, const std::string& expected_line) {
  auto before = serve.log().size();
  REQUIRE(kill(serve.pid(), SIGHUP) == 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (serve.log().find(expected_line, before) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO(serve.log());
  REQUIRE(serve.log().find(expected_line, before) != std::string::npos);
}

}  // namespace

TEST_CASE("serve speaks HTTPS with --tls-cert and presents a renewed certificate after SIGHUP", "[e2e][tls]") {
  TempDir dir;
  auto cert = dir.file("fullchain.pem"), key = dir.file("privkey.pem");
  make_certificate(cert, key);
  auto first = fingerprint_of_file(cert);

  ServeProcess serve(dir.file("zoomtrack.db"), {}, {"--tls-cert", cert, "--tls-key", key});
  REQUIRE(serve.https());
  auto res = serve.client().Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "ok\n");
  CHECK(served_fingerprint(serve.port()) == first);

  // Renewed the way certbot does it: new files in place of the old.
  make_certificate(dir.file("new-cert.pem"), dir.file("new-key.pem"));
  auto second = fingerprint_of_file(dir.file("new-cert.pem"));
  REQUIRE(second != first);
  std::filesystem::rename(dir.file("new-cert.pem"), cert);
  std::filesystem::rename(dir.file("new-key.pem"), key);
  reload(serve, "reloaded the TLS certificate " + cert);
  CHECK(served_fingerprint(serve.port()) == second);

  SECTION("a bad certificate file is refused and the previous one stays in service") {
    write_file(cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
    reload(serve, "still serving the previous certificate");
    CHECK(served_fingerprint(serve.port()) == second);
    CHECK(serve.client().Get("/healthz")->status == 200);
  }
  SECTION("a key that does not match the certificate is refused") {
    make_certificate(dir.file("other-cert.pem"), dir.file("other-key.pem"));
    std::filesystem::rename(dir.file("other-key.pem"), key);
    reload(serve, "cannot reload the TLS key " + key);
    CHECK(served_fingerprint(serve.port()) == second);
  }
}

TEST_CASE("serve refuses a certificate it cannot load", "[e2e][tls]") {
  TempDir dir;
  write_file(dir.file("cert.pem"), "garbage");
  write_file(dir.file("key.pem"), "garbage");
  auto r = run_zoomtrack({"--db", dir.file("zoomtrack.db"), "serve", "--listen", "127.0.0.1:0", "--tls-cert",
                          dir.file("cert.pem"), "--tls-key", dir.file("key.pem")}, {}, "", 20);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("zoomtrack: error: cannot load the TLS certificate") != std::string::npos);
}

TEST_CASE("over HTTPS, connections that never finish their handshake are closed by the header deadline",
          "[e2e][tls][limits]") {
  TempDir dir;
  auto cert = dir.file("fullchain.pem"), key = dir.file("privkey.pem");
  make_certificate(cert, key);
  ServeProcess serve(dir.file("zoomtrack.db"), {}, {"--tls-cert", cert, "--tls-key", key, "--header-timeout", "2s"});
  std::vector<int> stalled;
  for (int i = 0; i < 50; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(serve.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::send(fd, "\x16", 1, MSG_NOSIGNAL) == 1);  // the first byte of a ClientHello, then nothing
    stalled.push_back(fd);
  }
  auto res = serve.client().Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  int closed = 0;
  for (int fd : stalled) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    char byte;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 100) > 0) {
        closed += ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
        break;
      }
    }
    ::close(fd);
  }
  CHECK(closed == 50);
  CHECK(serve.stop() == 0);
}
