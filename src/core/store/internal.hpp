#pragma once
// Private to the store's .cpp files: connections with their prepared statements, the engine
// behind them, and the row readers they share. Nothing outside src/core/store includes this.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/store/sql.hpp"
#include "core/store/store.hpp"
#include "core/util/error.hpp"

namespace zt {

// One connection to the database and its prepared statements. Preparing costs more than running
// the indexed lookups of the hot paths, so each statement is prepared once per connection.
class Store::Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  virtual ~Connection() = default;

  virtual SqlEngine engine() const = 0;
  // Runs SQL that takes no parameters and returns no rows; several statements are allowed.
  virtual void exec(const std::string& sql) = 0;
  // A new statement (Query borrows a cached one instead).
  virtual std::unique_ptr<SqlStatement> prepare(const std::string& sql) = 0;
  // False once the connection is lost (a database server gone away): the pool drops it.
  virtual bool usable() const { return true; }

 protected:
  // Before the connection itself closes: a statement must not outlive its connection.
  void finalize_statements() { idle_statements_.clear(); }

 private:
  friend class Store::Query;
  // By SQL text. Unordered: SQL texts share long prefixes, which an ordered map compares again
  // at every level. Its values stay where they are when it grows.
  std::unordered_map<std::string, std::unique_ptr<SqlStatement>> idle_statements_;
};

// What differs between engines beyond the SQL text: opening connections (and migrating the
// schema), how a write transaction starts, and the online copy. store/sqlite and store/postgres.
class Store::Engine {
 public:
  virtual ~Engine() = default;
  // The connection every write goes through; the schema is migrated on the first one.
  virtual std::unique_ptr<Connection> open_writer() = 0;
  virtual std::unique_ptr<Connection> open_reader() = 0;
  // BEGIN, COMMIT and ROLLBACK of one group-committed write.
  virtual void begin_write(Connection& writer) = 0;
  // Store::order_writes: waits until the write transaction begun on `writer` is the only one
  // that orders its changes; true when that is news (the database may have changed since the
  // transaction began). SQLite's BEGIN IMMEDIATE did that already.
  virtual bool order_writes(Connection& /*writer*/) { return false; }
  virtual void commit_write(Connection& writer) = 0;
  virtual void rollback_write(Connection& writer) = 0;
  // Store::lock_run: tried again every few milliseconds until `wait` has passed.
  virtual std::unique_ptr<Store::RunLock> try_lock_run(const std::string& job) = 0;
  // Store::copy_to: a consistent copy as one new SQLite file.
  virtual void copy_to(Store& store, const std::string& path) = 0;
  // A read transaction whose queries all see one snapshot (copy_into's source), and its end.
  virtual void begin_snapshot(Connection& reader) = 0;
  virtual void end_snapshot(Connection& reader) = 0;
  // After copy_into wrote rows with their ids: where the next ids come from is set past them.
  virtual void after_copy(Connection& /*writer*/) {}

 protected:
  // Store::read, for the engines' own copies.
  static void read(Store& store, const std::function<void(Connection&)>& body);
};

std::unique_ptr<Store::Engine> sqlite_engine(const std::string& path, const StoreOptions& options);
std::unique_ptr<Store::Engine> postgres_engine(const std::string& url, const StoreOptions& options);
// A SQLite file just written (a copy): made one self-contained file (no -wal) and checked with
// PRAGMA integrity_check.
void finish_sqlite_copy(const std::string& path);

// A statement borrowed from its connection for one use. It is reset when given back, so that it
// holds no read snapshot open; one that is borrowed already (a query run while iterating another)
// is prepared afresh.
class Store::Query {
 public:
  Query(Connection& connection, const std::string& sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  SqlStatement* operator->() { return statement_.get(); }
  SqlStatement& operator*() { return *statement_; }

 private:
  std::unique_ptr<SqlStatement>& idle_;  // where this SQL's statement waits between uses
  std::unique_ptr<SqlStatement> statement_;
};

// The store whose write this thread is running: its reads must see the write's own changes.
const Store* store_writing_on_this_thread();

template <class F>
auto Store::read(F&& body) {
  if (store_writing_on_this_thread() == this) return body(writer());
  struct GiveBack {
    Store& store;
    std::unique_ptr<Connection> reader;
    ~GiveBack() { store.give_back_reader(std::move(reader)); }
  } borrowed{*this, take_reader()};
  return body(*borrowed.reader);
}

template <class F>
auto Store::change(F&& body) {
  using Result = decltype(body(writer()));
  auto run = [&]() -> Result { return body(writer()); };
  if (store_writing_on_this_thread() == this) return run();
  if constexpr (std::is_void_v<Result>) {
    write(run);
  } else {
    std::optional<Result> result;
    write([&] { result = run(); });
    return std::move(*result);
  }
}

// Where the engines' SQL differs, each difference named once.
// `column = param`, ignoring ASCII case, as the email indexes compare (SQLite's NOCASE,
// PostgreSQL's index on lower(email)).
inline std::string equal_ignoring_case(SqlEngine engine, const std::string& column, const std::string& param) {
  if (engine == SqlEngine::postgres) return fmt::format("lower({}) = lower({})", column, param);
  return fmt::format("{} = {} COLLATE NOCASE", column, param);
}
// The ids of a JSON array bound to `param` (id_list), as a one-column subquery.
inline std::string ids_from_json(SqlEngine engine, const std::string& param) {
  if (engine == SqlEngine::postgres) return fmt::format("SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST({} AS json))", param);
  return fmt::format("SELECT value FROM json_each({})", param);
}

// A statement whose SQL differs by engine, built once for each: `static const EngineSql sql(build)`.
class EngineSql {
 public:
  template <class Build>
  explicit EngineSql(Build build) : sqlite_(build(SqlEngine::sqlite)), postgres_(build(SqlEngine::postgres)) {}
  const std::string& operator()(const Store::Connection& c) const {
    return c.engine() == SqlEngine::postgres ? postgres_ : sqlite_;
  }

 private:
  std::string sqlite_;
  std::string postgres_;
};

// Runs an INSERT ... RETURNING id: the new row's id.
inline int64_t inserted_id(SqlStatement& q) {
  if (!q.executeStep()) throw Error(ErrorCode::runtime, "an insert returned no id");
  auto id = q.getColumn(0).getInt64();
  while (q.executeStep()) {
  }
  return id;
}

// The lessons table's columns in the order read_lesson reads them.
extern const char* const lesson_columns;
Lesson read_lesson(SqlStatement& q);

// Appends one row to the hash-chained audit trail: its hash covers its content and the hash of
// the row before it, found through the primary key.
void append_audit(Store::Connection& c, std::optional<int64_t> lesson_id, std::optional<int64_t> period_id,
                  const AuditEntry& entry);

void bind_time(SqlStatement& q, int index, const std::optional<TimePoint>& t);
void bind_int(SqlStatement& q, int index, const std::optional<int64_t>& n);
std::optional<int64_t> int_column(const SqlColumn& c);
std::optional<TimePoint> time_column(const SqlColumn& c);
TimePoint required_time(const SqlColumn& c);

}  // namespace zt
