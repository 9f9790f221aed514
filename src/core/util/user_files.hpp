#pragma once
// Files a user names on the command line: what may be read (a regular file of sane size) and how
// an output is written (atomically over a regular file, through a device or FIFO, never over
// anything else). As root, a careless `-o /dev/null` must not replace the system's /dev/null.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

namespace zt {

// Reads `path` whole when it is a regular file (a symlink followed) of at most `max_bytes`.
// Anything else is refused with Error(invalid_argument) naming `what` and the path: a directory,
// a device that never ends, a FIFO no one writes, a file too large for what it claims to be.
// `hint` says what to do about it.
std::string read_small_file(const std::string& path, size_t max_bytes, const std::string& what,
                            const std::string& hint);

// Where an output named `path` goes.
struct OutputTarget {
  std::filesystem::path path;  // the file written: a symlink's final target
  bool write_through = false;  // a character device or FIFO: opened and written, never replaced
};

// A new or regular file (through any symlinks) is replaced atomically; a character device or FIFO,
// or an open file named through /proc (/dev/stdout), is written through when `devices` allows it. A directory, socket, block device, or a device when
// `devices` is false, is refused with Error(runtime) saying what it is.
OutputTarget resolve_output_target(const std::string& path, bool devices);

// Writes what `produce` emits to `path`: a regular file through a temporary file beside it,
// fsync'd and renamed over it (a reader never sees half a file); a device or FIFO directly.
void write_output_file(const std::string& path, const std::function<void(std::ostream&)>& produce);

}  // namespace zt
