#include "core/click_spool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace zt {
namespace {

[[noreturn]] void spool_failed(const std::string& what, const std::string& path) {
  throw Error(ErrorCode::storage, fmt::format("cannot {} the click spool {}: {}", what, path, std::strerror(errno)),
              "free disk space or fix the permissions of the database's directory");
}

// Closes the descriptor and releases its lock, however the scope is left.
struct LockedFile {
  int fd = -1;
  LockedFile(const std::string& path, int flags, const char* what) {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == ENOENT && !(flags & O_CREAT)) return;
      spool_failed(what, path);
    }
    if (::flock(fd, LOCK_EX) != 0) spool_failed("lock", path);
  }
  ~LockedFile() {
    if (fd >= 0) ::close(fd);
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
};

std::string to_line(const SpooledClick& s) {
  nlohmann::json j{{"id", s.id},
                   {"token", s.track_token},
                   {"at", format_utc(s.click.at)},
                   {"ip", s.click.ip},
                   {"user_agent", s.click.user_agent},
                   {"kind", s.click.kind},
                   {"method", s.click.method}};
  // Replace invalid UTF-8 (a hostile User-Agent) rather than fail to spool a real click.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<SpooledClick> from_line(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    auto at = parse_utc(j.at("at").get<std::string>());
    if (!at) return std::nullopt;
    SpooledClick s{j.at("id").get<std::string>(), j.at("token").get<std::string>(), {}};
    s.click = {0, *at, j.at("ip").get<std::string>(), j.at("user_agent").get<std::string>(),
               j.at("kind").get<std::string>(), j.at("method").get<std::string>()};
    return s;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string read_all(int fd, const std::string& path) {
  std::string text;
  char buffer[65536];
  for (;;) {
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) spool_failed("read", path);
    if (n == 0) return text;
    text.append(buffer, static_cast<size_t>(n));
  }
}

void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) spool_failed("write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string spool_path_for(const std::string& db_path) { return db_path + ".spool"; }

ClickSpool::ClickSpool(std::string path) : path_(std::move(path)) {}

void ClickSpool::append(const SpooledClick& click) {
  auto line = to_line(click);
  std::lock_guard lock(mutex_);
  LockedFile file(path_, O_RDWR | O_APPEND | O_CREAT, "open");
  // A line torn by a crash mid-append must not swallow this one: start it on a line of its own.
  char last = '\n';
  auto size = ::lseek(file.fd, 0, SEEK_END);
  if (size > 0 && ::pread(file.fd, &last, 1, size - 1) == 1 && last != '\n') write_all(file.fd, "\n", path_);
  write_all(file.fd, line, path_);
  if (::fsync(file.fd) != 0) spool_failed("fsync", path_);
}

size_t ClickSpool::pending() const {
  struct stat info{};
  if (::stat(path_.c_str(), &info) != 0 || info.st_size == 0) return 0;
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::string text;
  try {
    text = read_all(fd, path_);
  } catch (const Error&) {
  }
  ::close(fd);
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

size_t ClickSpool::replay(const std::function<void(const std::vector<SpooledClick>&)>& store_all) {
  LockedFile file(path_, O_RDWR, "open");
  if (file.fd < 0) return 0;
  auto text = read_all(file.fd, path_);
  std::vector<SpooledClick> clicks;
  size_t begin = 0;
  for (size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1) {
    if (auto click = from_line(text.substr(begin, end - begin))) clicks.push_back(std::move(*click));
  }
  if (!clicks.empty()) store_all(clicks);
  if (::ftruncate(file.fd, 0) != 0 || ::fsync(file.fd) != 0) spool_failed("empty", path_);
  return clicks.size();
}

}  // namespace zt
