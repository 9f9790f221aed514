#pragma once
// Test helpers: temp dirs, the real zoomtrack binary run as a user would (scrubbed environment),
// and a real `zoomtrack serve` on an ephemeral loopback port.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zt::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

class ScopedEnv {
 public:
  ScopedEnv(const std::string& name, const std::optional<std::string>& value);
  ~ScopedEnv();

 private:
  std::string name_;
  std::optional<std::string> old_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

using Env = std::map<std::string, std::string>;

// Runs `zoomtrack args...` with only PATH, HOME, TZ=UTC, USER=tester and `env`; killed after
// `timeout_s` seconds.
RunResult run_zoomtrack(const std::vector<std::string>& args, const Env& env = {},
                        const std::string& stdin_text = "", int timeout_s = 60);

// Runs any program (looked up in the scrubbed PATH) the same way: argv[0] is the program.
RunResult run_program(const std::vector<std::string>& argv, const Env& env = {},
                      const std::string& stdin_text = "", int timeout_s = 60);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
std::string fixture(const std::string& relative);  // tests/fixtures/...; throws when missing

// A `zoomtrack serve` child process on 127.0.0.1 with an ephemeral port; stopped with SIGTERM.
// With --tls-cert/--tls-key it serves HTTPS, and client() does not verify the certificate.
class ServeProcess {
 public:
  ServeProcess(const std::string& db, const Env& env = {}, const std::vector<std::string>& extra_args = {});
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  int pid() const { return pid_; }
  bool https() const { return https_; }
  std::string base_url() const;
  httplib::Client client() const;  // http or https, as serve listens
  // Sends SIGTERM and waits; returns the exit status.
  int stop();
  std::string log() const;

 private:
  int pid_ = -1;
  int port_ = 0;
  bool https_ = false;
  std::string log_path_;
  std::unique_ptr<TempDir> dir_;
};

// The token at the end of a tracking or checkout URL.
std::string token_of(const std::string& url);
// The path of an absolute URL: "http://127.0.0.1:8080/t/abc" -> "/t/abc".
std::string path_of(const std::string& url);
// `zoomtrack --db DB sessions show ID --json`, run for real; throws if it fails.
nlohmann::json show_lesson(const std::string& db, int64_t id);

}  // namespace zt::test
