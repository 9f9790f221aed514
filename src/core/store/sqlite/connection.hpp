#pragma once
// The SQLite side of the store's connections, for store/sqlite's files.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <chrono>

#include "core/store/internal.hpp"

namespace zt {

// NOMUTEX: a connection is only ever used by one thread at a time (the writer under
// writer_mutex_, a reader taken from the pool), so SQLite's own lock around every call is pure
// cost: a million-row report makes tens of millions of them.
class SqliteConnection final : public Store::Connection {
 public:
  SqliteConnection(const std::string& path, int flags, int busy_timeout_ms);
  ~SqliteConnection() override { finalize_statements(); }

  SqlEngine engine() const override { return SqlEngine::sqlite; }
  void exec(const std::string& sql) override;
  std::unique_ptr<SqlStatement> prepare(const std::string& sql) override;

  SQLite::Database db;

 private:
  // While another process holds the write lock, look again every millisecond until the busy
  // timeout. SQLite's own handler backs off to 100 ms sleeps: a writer that takes the lock again
  // soon after releasing it (reconcile's batches) then kept serve's clicks waiting for seconds.
  static int wait_for_lock(void* connection, int attempts);

  std::chrono::milliseconds busy_timeout_;
  std::chrono::steady_clock::time_point busy_since_;
};

// SQLite's exceptions as the store's errors: busy, conflict, storage (cannot write), runtime.
[[noreturn]] void rethrow_sqlite(const SQLite::Exception& e);

// Store::copy_to on SQLite: the online backup API, from this connection's read snapshot.
void copy_sqlite_database(SqliteConnection& source, const std::string& path);

}  // namespace zt
