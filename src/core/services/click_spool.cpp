#include "core/services/click_spool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"

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

void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) spool_failed("write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads a file a line at a time through a fixed buffer; a line longer than `max_bytes` is cut
// there (and said to be) while the rest of it is skipped.
class LineReader {
 public:
  LineReader(int fd, const std::string& path, size_t max_bytes) : fd_(fd), path_(path), max_bytes_(max_bytes) {}

  // False at the end of the file. A last line without its newline is `torn`.
  bool next(std::string& line, bool& too_long, bool& torn) {
    line.clear();
    too_long = torn = false;
    for (;;) {
      if (pos_ == len_ && !fill()) {
        torn = !line.empty() || too_long;
        return torn;
      }
      auto* begin = buffer_ + pos_;
      auto* newline = static_cast<char*>(std::memchr(begin, '\n', len_ - pos_));
      size_t n = newline ? static_cast<size_t>(newline - begin) : len_ - pos_;
      size_t room = max_bytes_ > line.size() ? max_bytes_ - line.size() : 0;
      if (n > room) too_long = true;
      line.append(begin, std::min(n, room));
      pos_ += n;
      offset_ += n;
      if (newline) {
        ++pos_;
        ++offset_;
        return true;
      }
    }
  }
  // Where the next line begins.
  off_t offset() const { return offset_; }

 private:
  bool fill() {
    for (;;) {
      auto n = ::read(fd_, buffer_, sizeof buffer_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) spool_failed("read", path_);
      pos_ = 0;
      len_ = static_cast<size_t>(n);
      return n > 0;
    }
  }

  int fd_;
  const std::string& path_;
  size_t max_bytes_;
  char buffer_[64 * 1024];
  size_t pos_ = 0, len_ = 0;
  off_t offset_ = 0;
};

// Moves everything from `from` on to the start of the file, in place (a full disk has no room
// for a copy), and cuts the file there: the lines before `from` are done with.
void drop_before(int fd, off_t from, const std::string& path) {
  if (from == 0) return;
  char buffer[64 * 1024];
  off_t read_at = from, write_at = 0;
  for (;;) {
    auto n = ::pread(fd, buffer, sizeof buffer, read_at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) spool_failed("read", path);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      auto w = ::pwrite(fd, buffer + done, static_cast<size_t>(n - done), write_at);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) spool_failed("write", path);
      done += w;
      write_at += w;
    }
    read_at += n;
  }
  if (::ftruncate(fd, write_at) != 0 || ::fsync(fd) != 0) spool_failed("shorten", path);
}

std::string rejected_line(const SpoolLine& line, const std::string& reason) {
  nlohmann::json j{{"line", line.number}, {"reason", reason}, {"text", line.text}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Reads the next batch of lines; false when there are none left.
bool read_batch(LineReader& reader, size_t& number, std::vector<SpoolLine>& batch) {
  batch.clear();
  std::string text;
  bool too_long = false, torn = false;
  while (batch.size() < ClickSpool::batch_lines && reader.next(text, too_long, torn)) {
    ++number;
    if (torn) break;  // never acknowledged: dropped
    SpoolLine line{number, text, std::nullopt, ""};
    if (too_long) line.unreadable = fmt::format("line longer than {} bytes", ClickSpool::max_line_bytes);
    else if (text.empty()) continue;
    else if (!(line.click = from_line(text))) line.unreadable = "unreadable line";
    batch.push_back(std::move(line));
  }
  return !batch.empty();
}

}  // namespace

std::string spool_path_for(const Store& store) {
  // A PostgreSQL database is shared by several servers: each keeps its own spool where it runs.
  return store.engine() == SqlEngine::postgres ? "zoomtrack.spool" : store.path() + ".spool";
}

ClickSpool::ClickSpool(std::string path) : path_(std::move(path)) {}

namespace {

// Allocates room for `bytes` past the end of the file without changing its size: appends then
// write into blocks the disk has already given us.
bool reserve_after_end(int fd, size_t bytes) {
  if (bytes == 0) return true;
  auto size = ::lseek(fd, 0, SEEK_END);
  return size >= 0 && ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size + static_cast<off_t>(bytes)) == 0;
}

}  // namespace

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
  reserve_after_end(file.fd, reserve_bytes_);  // on a full disk it cannot: reserve_held() says so
}

bool ClickSpool::keep_reserve(size_t bytes) {
  std::lock_guard lock(mutex_);
  reserve_bytes_ = bytes;
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  bool held = fd >= 0 && reserve_after_end(fd, bytes);
  int error = errno;
  if (fd >= 0) ::close(fd);
  // A filesystem that cannot preallocate never will: no reserve then, rather than a /healthz
  // that says degraded for ever.
  if (!held && error == EOPNOTSUPP) reserve_bytes_ = 0;
  errno = error;
  return held;
}

void ClickSpool::top_up_reserve() {
  size_t bytes = reserve_bytes_;
  if (bytes > 0 && !reserve_held()) keep_reserve(bytes);
}

// From the file itself, not from what this process last did: reconcile empties the spool (and
// frees its blocks) too, and appends use the reserve up.
bool ClickSpool::reserve_held() const {
  size_t bytes = reserve_bytes_;
  if (bytes == 0) return true;
  struct stat info{};
  if (::stat(path_.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
  return static_cast<size_t>(info.st_blocks) * 512 >= static_cast<size_t>(info.st_size) + bytes;
}

namespace {

size_t count_lines(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t lines = 0;
  char buffer[64 * 1024];
  for (;;) {
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    lines += static_cast<size_t>(std::count(buffer, buffer + n, '\n'));
  }
  ::close(fd);
  return lines;
}

}  // namespace

size_t ClickSpool::pending() const {
  struct stat info{};
  if (::stat(path_.c_str(), &info) != 0 || info.st_size == 0) return 0;
  return count_lines(path_);
}

size_t ClickSpool::rejected_lines() const { return count_lines(rejected_path()); }

SpoolReplay ClickSpool::replay(const StoreBatch& store_batch) {
  SpoolReplay result;
  LockedFile file(path_, O_RDWR, "open");
  if (file.fd < 0) return result;
  struct stat info{};
  if (::fstat(file.fd, &info) == 0 && info.st_size == 0) return result;  // keeps its reserve
  LineReader reader(file.fd, path_, max_line_bytes);
  std::vector<SpoolLine> batch;
  size_t number = 0;
  for (off_t batch_start = 0; read_batch(reader, number, batch); batch_start = reader.offset()) {
    std::vector<SpooledClick> clicks;
    for (const auto& line : batch) {
      if (line.click) clicks.push_back(*line.click);
    }
    std::vector<std::string> refusals;
    try {
      if (!clicks.empty()) refusals = store_batch(clicks);
      refusals.resize(clicks.size());
      std::string rejected;
      size_t next_click = 0;
      for (const auto& line : batch) {
        auto reason = line.click ? refusals[next_click++] : line.unreadable;
        if (reason.empty()) {
          ++result.stored;
          continue;
        }
        rejected += rejected_line(line, reason);
        ++result.rejected;
        if (result.rejections.size() < SpoolReplay::max_reasons) {
          result.rejections.push_back(fmt::format("spool line {}: {}", line.number, reason));
        }
      }
      if (!rejected.empty()) {
        LockedFile out(rejected_path(), O_WRONLY | O_APPEND | O_CREAT, "open the rejected file of");
        write_all(out.fd, rejected, rejected_path());
        if (::fsync(out.fd) != 0) spool_failed("fsync the rejected file of", path_);
      }
    } catch (...) {
      // This batch and the ones after it wait for the next replay; the ones before are stored.
      drop_before(file.fd, batch_start, path_);
      throw;
    }
  }
  if (::ftruncate(file.fd, 0) != 0 || ::fsync(file.fd) != 0) spool_failed("empty", path_);
  reserve_after_end(file.fd, reserve_bytes_);
  return result;
}

}  // namespace zt
