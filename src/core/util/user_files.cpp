#include "core/util/user_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/util/crypto.hpp"
#include "core/util/error.hpp"

namespace zt {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void refuse_output(const std::string& path, const std::string& why, const std::string& hint = "") {
  throw Error(ErrorCode::runtime, fmt::format("cannot write {}: {}", path, why), hint);
}

// What a file that is neither regular nor a directory is, in words.
std::string kind_of(fs::file_status status) {
  switch (status.type()) {
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    default: return "not a regular file";
  }
}

struct Followed {
  fs::path path;
  bool magic = false;  // passed through /proc: /dev/stdout, /dev/fd/N name an open file, not a path
};

// The final target of a chain of symlinks, which may not exist yet (`-o link` where the link
// dangles creates its target, as a shell's `>` does).
Followed follow_symlinks(const std::string& path) {
  fs::path p(path);
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return {p};
    // /dev/stdout -> /proc/self/fd/1 -> wherever the shell redirected it: write to the open
    // file itself. Renaming over the file it names would cut off a `>> log` it was appending to.
    if (p.string().starts_with("/proc/")) return {p, true};
    auto next = fs::read_symlink(p, ec);
    if (ec) refuse_output(path, ec.message());
    p = next.is_absolute() ? next : p.parent_path() / next;
  }
  refuse_output(path, "too many levels of symbolic links");
}

void fsync_or_refuse(const std::string& path, const fs::path& file, int flags) {
  int fd = ::open(file.c_str(), flags | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    refuse_output(path, std::strerror(err), "check the disk");
  }
  ::close(fd);
}

void write_through(const std::string& path, const fs::path& target,
                   const std::function<void(std::ostream&)>& produce) {
  // Appending truncates nothing: a device ignores it, a FIFO or a shell's redirection gets the
  // output after what it already has.
  std::ofstream out(target, std::ios::binary | std::ios::app);
  if (!out) refuse_output(path, std::strerror(errno));
  produce(out);
  out.flush();
  if (!out) refuse_output(path, std::strerror(errno));
}

void replace_atomically(const std::string& path, const fs::path& target,
                        const std::function<void(std::ostream&)>& produce) {
  auto parent = target.parent_path();
  if (parent.empty()) parent = ".";
  fs::path temp = target;
  temp += fmt::format(".tmp-{}-{}", ::getpid(), random_token(6));
  auto remove_temp = [&] {
    std::error_code ignored;
    fs::remove(temp, ignored);
  };
  {
    std::ofstream out(temp, std::ios::binary);
    int open_errno = errno;
    if (!out) refuse_output(path, std::strerror(open_errno), "check that the directory is writable");
    try {
      produce(out);
    } catch (...) {
      out.close();
      remove_temp();
      throw;
    }
    out.flush();
    if (!out) {
      int write_errno = errno;
      remove_temp();
      refuse_output(path, std::strerror(write_errno), "check the disk has room");
    }
  }
  try {
    // On disk before it replaces the old file, and the rename on disk before we say it is done.
    fsync_or_refuse(path, temp, O_RDONLY);
    std::error_code ec;
    fs::rename(temp, target, ec);
    if (ec) refuse_output(path, ec.message());
  } catch (...) {
    remove_temp();
    throw;
  }
  fsync_or_refuse(path, parent, O_RDONLY | O_DIRECTORY);
}

}  // namespace

std::string read_small_file(const std::string& path, size_t max_bytes, const std::string& what,
                            const std::string& hint) {
  auto refuse = [&](const std::string& why) {
    throw Error(ErrorCode::invalid_argument, fmt::format("cannot read {} {}: {}", what, path, why), hint);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) refuse(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) refuse("it is a directory");
  // A device or FIFO may never end, or never answer: only a file has a size to check.
  if (!S_ISREG(st.st_mode)) refuse("it is not a regular file");
  if (static_cast<size_t>(st.st_size) > max_bytes) refuse(fmt::format("it is larger than {} bytes", max_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(std::strerror(errno));
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > max_bytes) refuse(fmt::format("it is larger than {} bytes", max_bytes));  // it grew
  return text;
}

OutputTarget resolve_output_target(const std::string& path, bool devices) {
  if (path.empty()) refuse_output(path, "the file name is empty", "give a file name, for example payroll.csv");
  auto example = [](const fs::path& dir) {
    return "give a file name, for example " + (dir / "payroll.csv").lexically_normal().string();
  };
  if (path.back() == '/') refuse_output(path, "it is a directory", example(path));
  auto [target, magic] = follow_symlinks(path);
  if (magic) {
    if (devices) return {target, true};
    refuse_output(path, "it names an open file, not a file to replace", "give the name of a regular file");
  }
  std::error_code ec;
  auto status = fs::status(target, ec);
  if (fs::exists(status)) {
    if (fs::is_directory(status)) refuse_output(path, "it is a directory", example(target));
    if (fs::is_regular_file(status)) return {target, false};
    bool writable_through = fs::is_character_file(status) || fs::is_fifo(status);
    if (writable_through && devices) return {target, true};
    refuse_output(path, "it is " + kind_of(status), "give the name of a regular file");
  }
  auto parent = target.parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::exists(parent, ec)) refuse_output(path, fmt::format("directory {} does not exist", parent.string()), "create it first");
  if (!fs::is_directory(parent, ec)) refuse_output(path, fmt::format("{} is not a directory", parent.string()));
  return {target, false};
}

void write_output_file(const std::string& path, const std::function<void(std::ostream&)>& produce) {
  auto target = resolve_output_target(path, true);
  if (target.write_through) write_through(path, target.path, produce);
  else replace_atomically(path, target.path, produce);
}

}  // namespace zt
