#include "support/harness.hpp"
#include "support/postgres.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace zt::test {
namespace {

// A shifted clock (`faketime -f '+400d' ctest`, as scripts/test runs the suite) must reach every
// process a test starts, or the test and its serve would disagree about what time it is; so must
// the sanitizers' options (their suppressions) in the sanitized run.
void keep_shifted_clock(Env& env) {
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    auto name = entry.substr(0, eq);
    bool passed_on = name == "LD_PRELOAD" || name.starts_with("FAKETIME") || name == "ASAN_OPTIONS" ||
                     name == "LSAN_OPTIONS" || name == "UBSAN_OPTIONS";
    if (eq != std::string_view::npos && passed_on) {
      env[std::string(name)] = std::string(entry.substr(eq + 1));
    }
  }
}

std::vector<std::string> child_environment(const Env& extra) {
  Env env{{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", "/tmp"}, {"TZ", "UTC"}, {"USER", "tester"}};
  keep_shifted_clock(env);
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

struct Spawned {
  pid_t pid;
};

pid_t spawn(const std::vector<std::string>& program_and_args, const Env& env, const std::string& in_path,
            const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> argv_store = program_and_args;
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env_store = child_environment(env);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  // posix_spawnp searches the caller's PATH for a bare name like "bash".
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + std::string(argv[0]));
  return pid;
}

int wait_with_timeout(pid_t pid, int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "zoomtrack-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

ScopedEnv::ScopedEnv(const std::string& name, const std::optional<std::string>& value) : name_(name) {
  if (const char* old = std::getenv(name.c_str())) old_ = old;
  if (value) setenv(name.c_str(), value->c_str(), 1);
  else unsetenv(name.c_str());
}

ScopedEnv::~ScopedEnv() {
  if (old_) setenv(name_.c_str(), old_->c_str(), 1);
  else unsetenv(name_.c_str());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string fixture(const std::string& relative) {
  auto path = std::string(ZOOMTRACK_SOURCE_DIR) + "/tests/fixtures/" + relative;
  std::ifstream in(path, std::ios::binary);
  // A missing fixture must not pass for an empty body: it would fail as a signature bug.
  if (!in) throw std::runtime_error("missing test fixture: " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

RunResult run_zoomtrack(const std::vector<std::string>& args, const Env& env,
                        const std::string& stdin_text, int timeout_s) {
  std::vector<std::string> argv{ZOOMTRACK_BINARY};
  auto mapped = with_mapped_database(args);
  argv.insert(argv.end(), mapped.begin(), mapped.end());
  return run_program(argv, with_mapped_database(args, env), stdin_text, timeout_s);
}

RunResult run_program(const std::vector<std::string>& argv, const Env& env, const std::string& stdin_text,
                      int timeout_s) {
  TempDir io;
  write_file(io.file("in"), stdin_text);
  pid_t pid = spawn(argv, env, io.file("in"), io.file("out"), io.file("err"));
  RunResult result;
  result.exit_code = wait_with_timeout(pid, timeout_s);
  result.out = read_file(io.file("out"));
  result.err = read_file(io.file("err"));
  return result;
}

ServeProcess::ServeProcess(const std::string& db, const Env& env, const std::vector<std::string>& extra_args)
    : dir_(std::make_unique<TempDir>()) {
  log_path_ = dir_->file("serve.log");
  write_file(dir_->file("in"), "");
  std::vector<std::string> args{ZOOMTRACK_BINARY, "--db", db, "serve", "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto mapped_env = with_mapped_database(args, env);
  args = with_mapped_database(args);
  pid_ = spawn(args, mapped_env, dir_->file("in"), dir_->file("out"), log_path_);
  // serve prints "listening on http(s)://127.0.0.1:PORT" once it is bound.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = read_file(log_path_);
    auto at = text.find("listening on ");
    if (at != std::string::npos && (at = text.find("://127.0.0.1:", at)) != std::string::npos) {
      https_ = text.compare(at - 5, 5, "https") == 0;
      port_ = std::atoi(text.c_str() + at + 13);
      if (port_ > 0) break;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("serve exited: " + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (port_ <= 0) {
    stop();
    throw std::runtime_error("serve did not start: " + read_file(log_path_));
  }
  // Bound is not yet accepting: wait for /healthz.
  for (int i = 0; i < 200; ++i) {
    auto c = client();
    if (auto res = c.Get("/healthz"); res && res->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop();
  throw std::runtime_error("serve does not answer /healthz: " + read_file(log_path_));
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) stop();
}

std::string ServeProcess::base_url() const {
  return (https_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
}

httplib::Client ServeProcess::client() const {
  httplib::Client c(base_url());
  // The tests' certificates are self-signed; what is checked is that TLS is served at all.
  c.enable_server_certificate_verification(false);
  c.set_connection_timeout(5);
  c.set_read_timeout(10);
  return c;
}

int ServeProcess::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int code = wait_with_timeout(pid_, 20);
  pid_ = -1;
  return code;
}

std::string ServeProcess::log() const { return read_file(log_path_); }

std::string token_of(const std::string& url) { return url.substr(url.rfind('/') + 1); }

std::string path_of(const std::string& url) { return url.substr(url.find('/', url.find("://") + 3)); }

nlohmann::json show_lesson(const std::string& db, int64_t id) {
  auto r = run_zoomtrack({"--db", db, "sessions", "show", std::to_string(id), "--json"});
  if (r.exit_code != 0) throw std::runtime_error("sessions show " + std::to_string(id) + " failed: " + r.err);
  return nlohmann::json::parse(r.out);
}

}  // namespace zt::test
