// README's walk-through and the docs' examples, run as a reader pastes them: every ```sh block of
// a page, in order, in one bash in a scratch directory, against the real binary (and a fake
// Telegram Bot API); the ```output block after one is what it must print, with what changes from
// run to run (times, dates, tokens, hashes, message ids, the port) masked on both sides.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <regex>
#include <sstream>

#include "support/fake_telegram.hpp"
#include "support/harness.hpp"

using namespace zt::test;

namespace {

const std::string block_end = "@@zoomtrack-docs-block-end@@";

struct Example {
  std::string commands;
  std::optional<std::string> output;  // what the commands print, when the page shows it
};

// The ```sh blocks of a markdown page, each with the ```output block that follows it (only blank
// lines between). Other fences (plain ```, ```text) are for reading, not running.
std::vector<Example> examples_in(const std::string& markdown) {
  std::vector<Example> examples;
  std::istringstream in(markdown);
  std::string line;
  std::string* into = nullptr;
  bool after_sh = false;
  while (std::getline(in, line)) {
    if (into) {
      if (line == "```") into = nullptr;
      else *into += line + "\n";
      continue;
    }
    if (line == "```sh") {
      examples.push_back({});
      into = &examples.back().commands;
      after_sh = true;
    } else if (line == "```output" && after_sh) {
      examples.back().output = "";
      into = &*examples.back().output;
      after_sh = false;
    } else if (!line.empty()) {
      after_sh = false;
    }
  }
  return examples;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
  return text;
}

// What differs between two honest runs. Applied to the page and to the run alike.
std::string masked(std::string text) {
  static const std::vector<std::pair<std::regex, std::string>> rules{
      {std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d))"), "<time>"},
      {std::regex(R"(\d{4}-\d\d-\d\d)"), "<date>"},
      {std::regex(R"(\b[0-9a-f]{64}\b)"), "<sha256>"},
      {std::regex(R"((^|[^A-Za-z0-9_-]|%2F)[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-]))"), "$1<token>"},
      {std::regex(R"(message \d+)"), "message <n>"},
      {std::regex(R"([ \t\r]+\n)"), "\n"},  // CSV's CRLF looks like LF on a terminal
  };
  for (const auto& [pattern, replacement] : rules) text = std::regex_replace(text, pattern, replacement);
  return text;
}

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Runs a page's examples in one bash in a scratch directory; the page's 127.0.0.1:8080 becomes a
// free port, so that the suite never needs 8080. Returns each block's output (stderr included,
// as a terminal shows it) and checks it against the page.
void run_page(const std::string& page) {
  auto examples = examples_in(read_file(std::string(ZOOMTRACK_SOURCE_DIR) + "/" + page));
  REQUIRE(!examples.empty());
  TempDir dir;
  FakeTelegram telegram;
  auto port = std::to_string(free_loopback_port());
  auto local = [&](const std::string& text) { return replace_all(text, "127.0.0.1:8080", "127.0.0.1:" + port); };
  // `kill %1` needs job control's bookkeeping, which bash keeps in scripts too; the trap stops a
  // serve left behind by a block that failed.
  std::string script = "exec 2>&1\ntrap 'kill $(jobs -p) 2>/dev/null' EXIT\ncd '" + dir.path().string() + "'\n";
  for (const auto& e : examples) script += local(e.commands) + "echo " + block_end + "\n";
  write_file(dir.file("page.sh"), script);

  auto bin = std::filesystem::path(ZOOMTRACK_BINARY).parent_path().string();
  Env env{{"PATH", bin + ":/usr/local/bin:/usr/bin:/bin"},
          {"HOME", dir.path().string()},
          {"ZOOMTRACK_LISTEN", "127.0.0.1:" + port},
          {"ZOOMTRACK_BASE_URL", "http://127.0.0.1:" + port},
          {"ZOOMTRACK_TELEGRAM_API_BASE", telegram.api_base()}};
  auto run = run_program({"bash", dir.file("page.sh")}, env, "", 180);
  INFO(page << " printed:\n" << run.out);
  REQUIRE(run.exit_code == 0);

  std::vector<std::string> outputs;
  std::istringstream lines(replace_all(replace_all(run.out, "127.0.0.1:" + port, "127.0.0.1:8080"),
                                       "127.0.0.1%3A" + port, "127.0.0.1%3A8080"));
  std::string line, current;
  while (std::getline(lines, line)) {
    if (line == block_end) outputs.push_back(std::exchange(current, ""));
    else current += line + "\n";
  }
  REQUIRE(outputs.size() == examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    if (!examples[i].output) continue;
    INFO(page << ", block " << i + 1 << ":\n" << examples[i].commands);
    CHECK(masked(outputs[i]) == masked(*examples[i].output));
  }
}

}  // namespace

TEST_CASE("the docs' examples are found, with their outputs", "[docs]") {
  auto examples = examples_in("text\n```sh\necho a\n```\n\n```output\na\n```\n```\nnot run\n```\n```sh\ntrue\n```\nprose\n```output\nx\n```\n");
  REQUIRE(examples.size() == 2);
  CHECK(examples[0].commands == "echo a\n");
  CHECK(examples[0].output == "a\n");
  CHECK(!examples[1].output);  // prose between: that output belongs to no block
  CHECK(masked("at 2026-11-25T09:00:00Z on 2026-11-25, /t/bahrANL52QLgmMkHkAd07A\r\n") ==
        "at <time> on <date>, /t/<token>\n");
  CHECK(masked("leave_url=http%3A%2F%2F127.0.0.1%3A8080%2Fleave%2FLl035mxNgkOAO_lJgF8T5g\n") ==
        "leave_url=http%3A%2F%2F127.0.0.1%3A8080%2Fleave%2F<token>\n");
}

TEST_CASE("README's walk-through runs as pasted and prints what README shows", "[docs][e2e]") {
  run_page("README.md");
}

TEST_CASE("the pay-period example in docs/payroll.md runs as pasted and prints what it shows", "[docs][e2e]") {
  run_page("docs/payroll.md");
}

TEST_CASE("the webhook send session in docs/webhooks.md runs as pasted and prints what it shows", "[docs][e2e]") {
  run_page("docs/webhooks.md");
}
