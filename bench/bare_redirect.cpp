// The baseline for bench/run: the least a cpp-httplib server can do for zoomtrack's two hot
// routes — a 302 for /t/{token} and a 200 for POST /webhooks/zoom — with no lookup, no
// verification and no write. zoomtrack is measured against it in the same run.
#include <httplib.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  int port = argc > 1 ? std::stoi(argv[1]) : 18081;
  httplib::Server server;
  server.set_tcp_nodelay(true);  // as zoomtrack does
  server.Get(R"(/t/([^/]*))", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_redirect("https://zoom.us/j/86431910364?pwd=abc", 302);
  });
  server.Post("/webhooks/zoom", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"applied"})", "application/json");
  });
  std::printf("bare redirect server on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  return server.listen("127.0.0.1", port) ? 0 : 1;
}
