#pragma once
// Private to the store's .cpp files: connections with their prepared statements, and the row
// readers they share. Nothing outside src/core/store includes this.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/util/error.hpp"
#include "core/store/store.hpp"

namespace zt {

// One SQLite connection and its prepared statements. Preparing costs more than running the
// indexed lookups of the hot paths, so each statement is prepared once per connection.
class Store::Connection {
 public:
  Connection(const std::string& path, int flags, int busy_timeout_ms);
  Connection(const Connection&) = delete;  // SQLite's busy handler holds its address
  Connection& operator=(const Connection&) = delete;
  SQLite::Database db;

 private:
  friend class Store::Query;
  static int wait_for_lock(void* connection, int attempts);
  // By SQL text. Unordered: SQL texts share long prefixes, which an ordered map compares again
  // at every level. Its values stay where they are when it grows.
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> idle_statements_;
  std::chrono::milliseconds busy_timeout_;
  std::chrono::steady_clock::time_point busy_since_;
};

// A statement borrowed from its connection for one use. It is reset when given back, so that it
// holds no read snapshot open; one that is borrowed already (a query run while iterating another)
// is prepared afresh.
class Store::Query {
 public:
  Query(Connection& connection, const std::string& sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  SQLite::Statement* operator->() { return statement_.get(); }
  SQLite::Statement& operator*() { return *statement_; }

 private:
  std::unique_ptr<SQLite::Statement>& idle_;  // where this SQL's statement waits between uses
  std::unique_ptr<SQLite::Statement> statement_;
};

[[noreturn]] void rethrow_sqlite(const SQLite::Exception& e);

// The store whose write this thread is running: its reads must see the write's own changes.
const Store* store_writing_on_this_thread();

template <class F>
auto Store::read(F&& body) {
  try {
    if (store_writing_on_this_thread() == this) return body(*writer_);
    std::unique_ptr<Connection> reader;
    {
      std::lock_guard lock(readers_mutex_);
      if (!idle_readers_.empty()) {
        reader = std::move(idle_readers_.back());
        idle_readers_.pop_back();
      }
    }
    if (!reader) reader = open_reader();
    struct GiveBack {
      Store& store;
      std::unique_ptr<Connection>& reader;
      ~GiveBack() {
        std::lock_guard lock(store.readers_mutex_);
        store.idle_readers_.push_back(std::move(reader));
      }
    } give_back{*this, reader};
    return body(*reader);
  } catch (const SQLite::Exception& e) {
    rethrow_sqlite(e);
  }
}

template <class F>
auto Store::change(F&& body) {
  using Result = decltype(body(*writer_));
  auto run = [&]() -> Result {
    try {
      return body(*writer_);
    } catch (const SQLite::Exception& e) {
      rethrow_sqlite(e);
    }
  };
  if (store_writing_on_this_thread() == this) return run();
  if constexpr (std::is_void_v<Result>) {
    write(run);
  } else {
    std::optional<Result> result;
    write([&] { result = run(); });
    return std::move(*result);
  }
}

// The lessons table's columns in the order read_lesson reads them.
extern const char* const lesson_columns;
Lesson read_lesson(SQLite::Statement& q);

// SQL functions the migrations need (zt_audit_hash), on the connection that migrates.
void register_store_functions(SQLite::Database& db);
// Appends one row to the hash-chained audit trail: its hash covers its content and the hash of
// the row before it, found through the primary key.
void append_audit(Store::Connection& c, std::optional<int64_t> lesson_id, std::optional<int64_t> period_id,
                  const AuditEntry& entry);

void bind_time(SQLite::Statement& q, int index, const std::optional<TimePoint>& t);
void bind_int(SQLite::Statement& q, int index, const std::optional<int64_t>& n);
std::optional<int64_t> int_column(const SQLite::Column& c);
std::optional<TimePoint> time_column(const SQLite::Column& c);
TimePoint required_time(const SQLite::Column& c);

}  // namespace zt
