#include "core/services/backup.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/util/crypto.hpp"
#include "core/util/error.hpp"
#include "core/util/user_files.hpp"

namespace zt {
namespace {

namespace fs = std::filesystem;

// The live database's files: writing a database over any of them would damage it.
const char* const live_suffixes[] = {"", "-wal", "-shm", "-journal", ".spool"};
// Files that SQLite applies to a database of this name when it opens it, whatever the database
// holds: a WAL is replayed, a hot journal rolled back.
const char* const hot_suffixes[] = {"-wal", "-journal"};

void refuse(ErrorCode code, const std::string& target, const std::string& why, const std::string& hint = "") {
  throw Error(code, fmt::format("cannot back up to {}: {}", target, why), hint);
}

void check_target(const std::string& db, const std::string& target, const fs::path& dir) {
  std::error_code ec;
  if (target.empty()) refuse(ErrorCode::invalid_argument, "''", "the file name is empty", "give a file name");
  if (target.back() == '/' || fs::is_directory(target, ec)) {
    refuse(ErrorCode::invalid_argument, target, "it is a directory",
           "give a file name, for example " + (fs::path(target) / "zoomtrack-backup.db").lexically_normal().string());
  }
  if (!fs::exists(dir, ec)) {
    refuse(ErrorCode::runtime, target, fmt::format("the directory {} does not exist", dir.string()), "create it first");
  }
  if (!fs::is_directory(dir, ec)) refuse(ErrorCode::runtime, target, fmt::format("{} is not a directory", dir.string()));
  auto live = fs::weakly_canonical(db, ec);
  auto wanted = fs::weakly_canonical(target, ec);
  for (const char* suffix : live_suffixes) {
    auto file = live.string() + suffix;
    bool same = wanted.string() == file || (fs::exists(target, ec) && fs::equivalent(target, file, ec));
    if (same) {
      refuse(ErrorCode::invalid_argument, target,
             *suffix ? fmt::format("it is the live database's {} file", suffix + 1) : "it is the live database itself",
             "write the backup to another file, for example in another directory");
    }
  }
  for (const char* suffix : hot_suffixes) {
    // An empty one holds nothing to apply.
    if (fs::exists(target + suffix, ec) && fs::file_size(target + suffix, ec) > 0) {
      refuse(ErrorCode::conflict, target,
             fmt::format("{}{} exists beside it (a program has the old copy open, or stopped while writing it)",
                         target, suffix),
             fmt::format("stop that program, or remove {}{} if the old copy is not needed", target, suffix));
    }
  }
}

// What SQLite may have left beside the copy while writing it; none of it is part of the copy.
void remove_companions(const fs::path& temp) {
  std::error_code ignored;
  for (const char* suffix : {"-journal", "-wal", "-shm"}) fs::remove(temp.string() + suffix, ignored);
}

void remove_temporary(const fs::path& temp) {
  std::error_code ignored;
  fs::remove(temp, ignored);
  remove_companions(temp);
}

void fsync_path(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    throw Error(ErrorCode::runtime, fmt::format("cannot sync {}: {}", path.string(), std::strerror(err)),
                "check the disk");
  }
  ::close(fd);
}

// The file the copy replaces: a symlink is followed to it. A device, FIFO or socket is refused: a
// database copied into /dev/null or a pipe is no backup, and as root the rename would replace
// the device node itself.
std::string regular_target(const std::string& requested) {
  std::error_code ec;
  auto status = fs::status(requested, ec);
  if (fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status)) {
    refuse(ErrorCode::invalid_argument, requested, "it is not a regular file (a device, FIFO or socket)",
           "give the name of a regular file");
  }
  if (!fs::is_symlink(fs::symlink_status(requested, ec))) return requested;
  return resolve_output_target(requested, false).path.string();
}

}  // namespace

BackupResult backup_database(Store& store, const std::string& requested) {
  auto target = regular_target(requested);
  fs::path dir = fs::path(target).parent_path();
  if (dir.empty()) dir = ".";
  check_target(store.path(), target, dir);
  // Hidden, beside the target: the rename stays on one file system, and a copy being written
  // never looks like a finished one.
  auto temp = dir / fmt::format(".{}.tmp-{}-{}", fs::path(target).filename().string(), ::getpid(), random_token(6));
  try {
    try {
      store.copy_to(temp.string());
    } catch (const Error& e) {
      // The store speaks of "the copy"; the user knows it by the name they gave.
      refuse(e.code(), target, e.what(), e.hint());
    }
    std::error_code ec;
    // The copy holds what the database holds: no more readable than the database itself.
    auto mode = fs::status(store.path(), ec).permissions();
    if (!ec) fs::permissions(temp, mode & fs::perms::all, ec);
    fsync_path(temp, O_RDONLY);
    remove_companions(temp);
    fs::rename(temp, target, ec);
    if (ec) refuse(ErrorCode::runtime, target, ec.message(), "check that the directory is writable");
  } catch (...) {
    remove_temporary(temp);
    throw;
  }
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
  std::error_code ec;
  return {target, fs::file_size(target, ec)};
}

}  // namespace zt
