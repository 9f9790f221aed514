#pragma once
// The click spool: when the database cannot take a write (read-only, disk full, locked past the
// busy timeout, damaged), a click is appended to `{db}.spool` and fsync'd instead, so that the
// student still reaches the lesson and the click is not lost. Spooled clicks are replayed into
// the database in order, each exactly once: its id is unique among the stored clicks.
//
// A line that cannot be applied (unreadable, or refused by the caller: unknown token,
// impossible time, invalid field) goes to `{spool}.rejected` with its reason and never holds
// back the lines after it.
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/rules/lesson.hpp"
#include "core/store/store.hpp"

namespace zt {

struct SpooledClick {
  std::string id;  // random; the store refuses a second click with the same id
  std::string track_token;
  Click click;
};

// What one replay did. The reasons are the first few only: memory stays flat whatever the spool.
struct SpoolReplay {
  size_t stored = 0;    // handed to the database, each once
  size_t rejected = 0;  // moved to the rejected file
  std::vector<std::string> rejections;  // "spool line 3: unknown tracking token", at most max_reasons
  static constexpr size_t max_reasons = 20;
};

// One batch as the spool hands it over: every line read, and for each either its click or why
// it could not be read.
struct SpoolLine {
  size_t number = 0;  // 1-based, in the spool as it was when the replay began
  std::string text;
  std::optional<SpooledClick> click;
  std::string unreadable;  // why `click` is empty
};

class ClickSpool {
 public:
  explicit ClickSpool(std::string path);

  const std::string& path() const { return path_; }
  std::string rejected_path() const { return path_ + ".rejected"; }

  // Appends and fsyncs. Throws Error(storage) when even that fails.
  void append(const SpooledClick& click);

  // Keeps `bytes` allocated for the spool beyond its end (fallocate, the file's size unchanged),
  // so that appends still find room on a disk that is otherwise full. Called again after each
  // append and replay to top it up. Returns false when it cannot, with errno set (serve tries
  // again each second); EOPNOTSUPP (the filesystem cannot preallocate) gives up the reserve.
  bool keep_reserve(size_t bytes);
  // keep_reserve again with the size given before, when the reserve is not held.
  void top_up_reserve();
  bool reserve_held() const;

  // How many clicks wait to be replayed (0 without a spool file).
  size_t pending() const;
  // How many lines the rejected file holds.
  size_t rejected_lines() const;

  // Applies one batch: returns, for each line that was read, the reason it was refused, or an
  // empty string once it is stored. Throws (Error busy or storage) when the database cannot
  // take the batch at all: nothing of the batch was stored then.
  using StoreBatch = std::function<std::vector<std::string>(const std::vector<SpooledClick>&)>;

  // Under an exclusive lock on the file (serve and reconcile may both try): reads the spool a
  // batch at a time (memory does not grow with its size), hands each batch to `store_batch`,
  // writes the refused and unreadable lines to the rejected file, and empties the spool at the
  // end. When a batch throws, the lines from that batch on are kept for the next replay and the
  // error is rethrown. A line torn by a crash mid-append (the last one, without its newline)
  // was never acknowledged (its 302 waited for the fsync): it is dropped.
  SpoolReplay replay(const StoreBatch& store_batch);

  static constexpr size_t batch_lines = 256;
  static constexpr size_t max_line_bytes = 16 * 1024;

 private:
  std::string path_;
  std::mutex mutex_;  // appends from this process's threads
  std::atomic<size_t> reserve_bytes_{0};
};

// "{db}.spool": beside a SQLite database, on the same disk; ./zoomtrack.spool for PostgreSQL.
std::string spool_path_for(const Store& store);

}  // namespace zt
