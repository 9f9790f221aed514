// The store's backup: a consistent copy of the database through SQLite's online backup API.
#include <fmt/format.h>

#include "core/store/sqlite/connection.hpp"

namespace zt {
namespace {

[[noreturn]] void cannot_write_copy(int code, const std::string& detail) {
  std::string hint;
  switch (code & 0xff) {
    case SQLITE_FULL: hint = "the disk is full: free some space or write the backup elsewhere"; break;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY: hint = "check that the directory exists and is writable"; break;
    case SQLITE_IOERR: hint = "check the disk: it may be full, failing or over a size limit"; break;
    default: break;
  }
  throw Error(ErrorCode::runtime, fmt::format("cannot write the copy: {}", detail), hint);
}

void check_integrity(const std::string& path) {
  SQLite::Database copy(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(copy, "PRAGMA integrity_check");
  std::string problems;
  while (q.executeStep()) {
    auto line = q.getColumn(0).getString();
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  if (!problems.empty()) {
    throw Error(ErrorCode::runtime, fmt::format("the copy failed its integrity check: {}", problems),
                "run 'sqlite3 DB \"PRAGMA integrity_check\"' on the database itself");
  }
}

void copy_pages(SQLite::Database& source, const std::string& path) {
  SQLite::Database copy(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  sqlite3_backup* backup = sqlite3_backup_init(copy.getHandle(), "main", source.getHandle(), "main");
  if (!backup) cannot_write_copy(copy.getErrorCode(), copy.getErrorMsg());
  // Every page in one step, under one read snapshot: the copy is the database as of one commit,
  // however many clicks serve commits meanwhile (in WAL mode they do not wait for us).
  int rc = SQLITE_OK;
  for (int tries = 0; tries < 200; ++tries) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(50);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) cannot_write_copy(rc, copy.getErrorMsg());
}

}  // namespace

void copy_sqlite_database(SqliteConnection& source, const std::string& path) {
  try {
    copy_pages(source.db, path);
  } catch (const SQLite::Exception& e) {
    cannot_write_copy(e.getErrorCode(), e.what());
  }
  finish_sqlite_copy(path);
}

void finish_sqlite_copy(const std::string& path) {
  try {
    // The pages carry the database's WAL mark; a fresh connection reads it and turns the copy
    // into one self-contained file, with nothing in a -wal beside it to lose when it is moved.
    SQLite::Database copy(path, SQLite::OPEN_READWRITE);
    copy.exec("PRAGMA journal_mode = DELETE");
  } catch (const SQLite::Exception& e) {
    cannot_write_copy(e.getErrorCode(), e.what());
  }
  try {
    check_integrity(path);
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorCode::runtime, fmt::format("cannot read the copy back: {}", e.what()));
  }
}

}  // namespace zt
