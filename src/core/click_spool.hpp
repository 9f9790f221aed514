#pragma once
// The click spool: when the database cannot take a write (read-only, disk full, locked past the
// busy timeout, damaged), a click is appended to `{db}.spool` and fsync'd instead, so that the
// student still reaches the lesson and the click is not lost. Spooled clicks are replayed into
// the database in order, each exactly once: its id is unique among the stored clicks.
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/lesson.hpp"

namespace zt {

struct SpooledClick {
  std::string id;  // random; the store refuses a second click with the same id
  std::string track_token;
  Click click;
};

class ClickSpool {
 public:
  explicit ClickSpool(std::string path);

  const std::string& path() const { return path_; }

  // Appends and fsyncs. Throws Error(storage) when even that fails.
  void append(const SpooledClick& click);

  // How many clicks wait to be replayed (0 without a spool file).
  size_t pending() const;

  // Under an exclusive lock on the file (serve and reconcile may both try): hands every spooled
  // click, oldest first, to `store_all`, and empties the spool only once it returned. When it
  // throws, the spool is kept as it was. A line torn by a crash mid-append was never
  // acknowledged (its 302 waited for the fsync): it is dropped. Returns how many were handed over.
  size_t replay(const std::function<void(const std::vector<SpooledClick>&)>& store_all);

 private:
  std::string path_;
  std::mutex mutex_;  // appends from this process's threads
};

// "{db}.spool": beside the database, on the same disk.
std::string spool_path_for(const std::string& db_path);

}  // namespace zt
