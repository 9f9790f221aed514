#pragma once
// `zoomtrack backup FILE`: a consistent copy of the live database, checked, put in place
// atomically.
#include <cstdint>
#include <string>

#include "core/store/store.hpp"

namespace zt {

struct BackupResult {
  std::string path;
  std::uintmax_t bytes = 0;
};

// Copies the database to a temporary file beside `target` (the store takes the snapshot and
// checks the copy's integrity), fsyncs it, renames it over `target` and fsyncs the directory:
// `target` is either the old file or the whole new copy, never half of one. On any failure
// nothing is left behind. Refuses the live database's own files as a target.
BackupResult backup_database(Store& store, const std::string& target);

}  // namespace zt
