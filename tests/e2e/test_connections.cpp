// Connections cost a thread only while a request is handled: thousands of idle and slow-header
// connections wait in serve's epoll loop, clicks on new connections are answered at once, and the
// caps close the oldest idle connections. Real binary, real sockets on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

json create_link(const std::string& db, const std::string& base_url) {
  auto r = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana", "--zoom-url",
                          "https://zoom.us/j/86431910364?pwd=x", "--base-url", base_url, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// Closes its sockets however the test ends.
struct Sockets {
  std::vector<int> fds;
  ~Sockets() {
    for (int fd : fds) ::close(fd);
  }
  int open(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    fds.push_back(fd);
    return fd;
  }
};

// This process holds thousands of sockets too.
void raise_open_files() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

size_t open_files_allowed() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<size_t>(limit.rlim_cur);
}

int threads_of(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

long metric(const std::string& metrics, const std::string& name) {
  auto at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stol(metrics.substr(at + name.size() + 2));
}

// Whether the server closed this socket within `limit` (recv sees the end of the stream).
bool closed_by_server(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
  char c;
  return ::recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

}  // namespace

TEST_CASE("5,000 idle and 200 slow-header connections keep no click waiting and hold no thread", "[e2e][connections]") {
  raise_open_files();
  constexpr size_t idle_count = 5000, slow_count = 200, clicks = 100;
  if (open_files_allowed() < idle_count + slow_count + 500) {
    WARN("skipped: this process may open only " << open_files_allowed() << " files (ulimit -Hn)");
    return;
  }
  TempDir dir;
  auto db = dir.file("zt.db");
  // One address holds them all here: the per-client cap is raised for the test.
  ServeProcess serve(db, {}, {"--max-connections-per-client", "10000", "--header-timeout", "60s"});
  auto link = create_link(db, serve.base_url());
  auto path = path_of(link["tracking_url"]);

  Sockets sockets;
  for (size_t i = 0; i < idle_count; ++i) REQUIRE(sockets.open(serve.port()) >= 0);
  const std::string partial_head = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow";
  for (size_t i = 0; i < slow_count; ++i) {
    int fd = sockets.open(serve.port());
    REQUIRE(fd >= 0);
    REQUIRE(::send(fd, partial_head.data(), partial_head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(partial_head.size()));
  }
  auto http = serve.client();
  auto waiting = metric(http.Get("/metrics")->body, "zoomtrack_open_connections{state=\"idle\"}");
  CHECK(waiting >= static_cast<long>(idle_count + slow_count));

  std::vector<double> seconds;
  for (size_t i = 0; i < clicks; ++i) {
    auto client = serve.client();
    client.set_keep_alive(false);
    client.set_read_timeout(5, 0);
    auto start = std::chrono::steady_clock::now();
    auto res = client.Get(path.c_str(), {{"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"}});
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    REQUIRE(res);
    CHECK(res->status == 302);
  }
  std::sort(seconds.begin(), seconds.end());
  INFO("p50 " << seconds[clicks / 2] << " s, max " << seconds.back() << " s");
  // Generous: the strict figure (p99 <= 100 ms) is bench/idle_connections's.
  CHECK(seconds.back() < 1.0);
  // The connections wait in one loop: a few workers, not one thread each.
  auto threads = threads_of(serve.pid());
  INFO("serve has " << threads << " threads");
  CHECK(threads > 0);
  CHECK(threads < 64);
  CHECK(show_lesson(db, link["id"])["clicks"].size() == clicks);
}

TEST_CASE("past a connection cap the oldest idle connection is closed and the new one answered", "[e2e][connections]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  std::vector<std::string> args;
  SECTION("per client address") { args = {"--max-connections-per-client", "20"}; }
  SECTION("in total") { args = {"--max-connections", "20"}; }
  ServeProcess serve(db, {}, args);
  auto link = create_link(db, serve.base_url());
  // One more than the cap: whatever else was open (the harness's own check), ours are the oldest.
  Sockets sockets;
  for (int i = 0; i < 21; ++i) REQUIRE(sockets.open(serve.port()) >= 0);
  auto client = serve.client();
  client.set_keep_alive(false);
  auto res = client.Get(path_of(link["tracking_url"]).c_str(), {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}});
  REQUIRE(res);
  CHECK(res->status == 302);
  // The oldest gave its place; the newest idle one is still open.
  CHECK(closed_by_server(sockets.fds.front(), std::chrono::milliseconds(2000)));
  CHECK(!closed_by_server(sockets.fds.back(), std::chrono::milliseconds(100)));
}

TEST_CASE("serve raises its open-file limit to the hard limit", "[e2e][connections]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db);
  REQUIRE(serve.client().Get("/healthz"));
  std::ifstream limits("/proc/" + std::to_string(serve.pid()) + "/limits");
  std::string line;
  while (std::getline(limits, line) && line.rfind("Max open files", 0) != 0) {
  }
  REQUIRE(line.rfind("Max open files", 0) == 0);
  std::istringstream fields(line.substr(std::string("Max open files").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  CHECK(soft == hard);
}

TEST_CASE("a head still unfinished at the header timeout gets a 400 once its request line came", "[e2e][connections]") {
  TempDir dir;
  auto db = dir.file("zt.db");
  ServeProcess serve(db, {}, {"--header-timeout", "1s"});
  Sockets sockets;
  int fd = sockets.open(serve.port());
  REQUIRE(fd >= 0);
  const std::string partial = "GET /t/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaa";
  REQUIRE(::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(partial.size()));
  pollfd p{fd, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 10000) == 1);
  char answer[256] = {};
  auto n = ::recv(fd, answer, sizeof answer - 1, 0);
  REQUIRE(n > 0);
  CHECK(std::string(answer).rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(closed_by_server(fd, std::chrono::milliseconds(2000)));
}

TEST_CASE("over HTTPS too, idle and unfinished handshakes hold no thread, and kept-alive requests are answered",
          "[e2e][connections][tls]") {
  raise_open_files();
  TempDir dir;
  auto cert = dir.file("fullchain.pem"), key = dir.file("privkey.pem");
  auto made = run_program({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                           "-days", "1", "-keyout", key, "-out", cert});
  INFO("openssl is in scripts/install-deps --test: " << made.err);
  REQUIRE(made.exit_code == 0);
  auto db = dir.file("zt.db");
  ServeProcess serve(db, {}, {"--tls-cert", cert, "--tls-key", key, "--max-connections-per-client", "5000",
                              "--header-timeout", "60s"});
  auto link = create_link(db, serve.base_url());
  auto path = path_of(link["tracking_url"]);
  Sockets sockets;
  for (int i = 0; i < 1000; ++i) {
    int fd = sockets.open(serve.port());
    REQUIRE(fd >= 0);
    if (i % 2 == 0) REQUIRE(::send(fd, "\x16", 1, MSG_NOSIGNAL) == 1);  // a ClientHello that never ends
  }
  // Several requests on one kept-alive connection: it is parked and taken up again between them.
  auto http = serve.client();
  http.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto res = http.Get("/healthz");
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  for (int i = 0; i < 10; ++i) {
    auto client = serve.client();
    client.set_read_timeout(5, 0);
    auto start = std::chrono::steady_clock::now();
    auto res = client.Get(path.c_str(), {{"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"}});
    REQUIRE(res);
    CHECK(res->status == 302);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  }
  auto threads = threads_of(serve.pid());
  INFO("serve has " << threads << " threads");
  CHECK(threads > 0);
  CHECK(threads < 64);
  CHECK(serve.stop() == 0);
}
