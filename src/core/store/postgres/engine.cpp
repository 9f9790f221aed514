// The PostgreSQL engine (libpq): one database that several zoomtrack processes share. A write
// transaction that decides anything first takes one transaction-scoped advisory lock, so the
// writes of all processes are ordered as SQLite's file lock orders them: a lesson's first click,
// a webhook delivery, a claim on the Telegram outbox and the audit chain's next link are each
// decided once, by the database, whichever process asks. Each process still group-commits its
// own writes, so the lock is taken once per batch, not once per click; and a batch of repeated
// clicks, which decide nothing (Store::WriteOrder::when_asked), takes none: two serve on one
// database then write side by side instead of in turn.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/store/internal.hpp"
#include "core/store/postgres/schema.hpp"
#include "core/util/database_url.hpp"
#include "core/util/text.hpp"

namespace zt {
namespace {

// The advisory lock keys: "ZTWR" (writes) and "ZTMG" (migrations).
constexpr int64_t write_lock_key = 0x5a545752;
constexpr int64_t migration_lock_key = 0x5a544d47;

bool starts_with(const char* text, const char* prefix) {
  return text && std::string_view(text).rfind(prefix, 0) == 0;
}

// PostgreSQL's SQLSTATE as the store's error codes. A lost connection has no SQLSTATE at all.
[[noreturn]] void throw_postgres(const char* sqlstate, const std::string& message) {
  std::string state = sqlstate ? sqlstate : "";
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014") {
    throw Error(ErrorCode::busy, "the database is busy", "another zoomtrack holds a write lock; try again");
  }
  if (starts_with(sqlstate, "23")) {
    throw Error(ErrorCode::conflict, fmt::format("database constraint failed: {}", message));
  }
  if (state.empty() || starts_with(sqlstate, "08") || starts_with(sqlstate, "53") || starts_with(sqlstate, "57P") ||
      starts_with(sqlstate, "58") || state == "25006" || state == "42501") {
    throw Error(ErrorCode::storage, fmt::format("the database cannot take writes: {}", message),
                "check that PostgreSQL is running, reachable and writable, and its disk space");
  }
  throw Error(ErrorCode::runtime, fmt::format("database error: {}", message));
}

std::string first_line(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool succeeded(const PGresult* result) {
  auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

// A failed result (null when the connection is gone) as the store's error; frees it.
[[noreturn]] void throw_failed(PGconn* connection, PGresult* result) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string state = sqlstate ? sqlstate : "";
  std::string message = first_line(result ? PQresultErrorMessage(result) : PQerrorMessage(connection));
  if (result) PQclear(result);
  throw_postgres(state.empty() ? nullptr : state.c_str(), message);
}

// SQL with PostgreSQL's `$N` parameters, and where each one is in it.
struct NumberedSql {
  struct Parameter {
    size_t at, size;
    int number;
  };
  std::string text;
  std::vector<Parameter> parameters;
};

// SQLite's `?` and `?N` as PostgreSQL's `$N`; a bare `?` takes the number after the highest so
// far, as SQLite numbers it. Quoted text is left as it is.
NumberedSql numbered_parameters(const std::string& sql) {
  NumberedSql numbered;
  auto& out = numbered.text;
  out.reserve(sql.size() + 16);
  int highest = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char ch = sql[i];
    if (quote) {
      out += ch;
      if (ch == quote) quote = 0;
      continue;
    }
    if (ch == '\'' || ch == '"') {
      quote = ch;
      out += ch;
      continue;
    }
    if (ch != '?') {
      out += ch;
      continue;
    }
    size_t digits = i + 1;
    while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
    int number = highest + 1;
    if (digits > i + 1) std::from_chars(sql.data() + i + 1, sql.data() + digits, number);
    highest = std::max(highest, number);
    auto token = "$" + std::to_string(number);
    numbered.parameters.push_back({out.size(), token.size(), number});
    out += token;
    i = digits - 1;
  }
  return numbered;
}

// PostgreSQL's text is valid UTF-8 without NUL, where SQLite stores any bytes: what a client
// sent that is not (a User-Agent with \xff, a name with \u0000) is stored with U+FFFD in its
// place, as every output shows it on either engine. Refusing it would turn a student away.
std::string storable_text(std::string_view text) {
  bool clean = is_valid_utf8(text) && text.find('\0') == std::string_view::npos;
  if (clean) return std::string(text);
  auto repaired = valid_utf8(text);
  for (size_t at; (at = repaired.find('\0')) != std::string::npos;) repaired.replace(at, 1, "\xEF\xBF\xBD");
  return repaired;
}

constexpr Oid int8_oid = 20;
constexpr Oid text_oid = 25;
constexpr Oid float8_oid = 701;

// The statements prepared on one connection, by SQL text and parameter types: PostgreSQL parses
// and plans each once per connection, as SQLite's prepared statements are, instead of at every
// run (which cost the server more CPU than the click's own insert).
class PreparedStatements {
 public:
  explicit PreparedStatements(PGconn* connection) : connection_(connection) {}

  // The name of `sql` prepared with these parameter types (prepared now, the first time).
  const std::string& name_of(const std::string& sql, const std::vector<Oid>& types) {
    std::string key = sql;
    key.push_back('\0');
    for (auto type : types) key += std::to_string(type) + ",";
    auto found = names_.find(key);
    if (found != names_.end()) return found->second;
    auto name = "zt" + std::to_string(names_.size() + 1);
    PGresult* result = PQprepare(connection_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data());
    if (!succeeded(result)) throw_failed(connection_, result);
    PQclear(result);
    return names_.emplace(std::move(key), std::move(name)).first->second;
  }
  PGconn* connection() const { return connection_; }

 private:
  PGconn* connection_;
  std::unordered_map<std::string, std::string> names_;
};

class PgStatement final : public SqlStatement {
 public:
  PgStatement(PreparedStatements& prepared, const std::string& sql)
      : prepared_(prepared), connection_(prepared.connection()), sql_(numbered_parameters(sql)) {}

  // The SQL to run: NULL parameters written in as the literal NULL.
  std::string sql_with_nulls() const {
    std::string text;
    size_t from = 0;
    for (const auto& p : sql_.parameters) {
      auto index = static_cast<size_t>(p.number - 1);
      bool null = index >= present_.size() || !present_[index];
      if (!null) continue;
      text.append(sql_.text, from, p.at - from);
      text += "NULL";
      from = p.at + p.size;
    }
    text.append(sql_.text, from, std::string::npos);
    return text;
  }
  ~PgStatement() override { clear_result(); }

  void bind(int index, int64_t value) override { set(index, std::to_string(value), int8_oid); }
  void bind(int index, double value) override { set(index, fmt::format("{}", value), float8_oid); }
  void bind(int index, std::string_view value) override { set(index, storable_text(value), text_oid); }
  // Unknown-typed: PostgreSQL converts the text to the column's type.
  void bind_as_column(int index, std::string_view text) override { set(index, storable_text(text), 0); }
  // PostgreSQL infers no type for a parameter that is only ever tested with IS NULL, as SQLite's
  // `?1 IS NULL OR ...` filters do: a NULL is written into the SQL as the literal NULL instead,
  // which means the same, and its parameter slot is left unused (typed text, so it needs none).
  void bind(int index) override {
    slot(index);
    present_[static_cast<size_t>(index - 1)] = false;
    types_[static_cast<size_t>(index - 1)] = text_oid;
  }
  using SqlStatement::bind;

  bool executeStep() override {
    if (!result_) run();
    return ++row_ < PQntuples(result_);
  }
  int64_t exec() override {
    run();
    const char* changed = PQcmdTuples(result_);
    return changed && *changed ? std::strtoll(changed, nullptr, 10) : 0;
  }
  int columnCount() override { return result_ ? PQnfields(result_) : 0; }
  void reset() override {
    clear_result();
    values_.clear();
    present_.clear();
    types_.clear();
  }

 private:
  bool column_is_null(int index) override { return PQgetisnull(result_, row_, index) != 0; }
  int64_t column_int64(int index) override {
    const char* text = PQgetvalue(result_, row_, index);
    if (*text == 't') return 1;  // a boolean expression
    if (*text == 'f') return 0;
    return std::strtoll(text, nullptr, 10);
  }
  double column_double(int index) override { return std::strtod(PQgetvalue(result_, row_, index), nullptr); }
  std::string_view column_text(int index) override {
    return {PQgetvalue(result_, row_, index), static_cast<size_t>(PQgetlength(result_, row_, index))};
  }
  std::string column_name(int index) override { return PQfname(result_, index); }

  void slot(int index) {
    auto size = static_cast<size_t>(index);
    if (values_.size() < size) {
      values_.resize(size);
      present_.resize(size, false);
      types_.resize(size, 0);
    }
  }
  void set(int index, std::string value, Oid type) {
    slot(index);
    values_[static_cast<size_t>(index - 1)] = std::move(value);
    present_[static_cast<size_t>(index - 1)] = true;
    types_[static_cast<size_t>(index - 1)] = type;
  }

  void run() {
    clear_result();
    std::vector<const char*> values(values_.size());
    bool any_null = false;
    for (size_t i = 0; i < values_.size(); ++i) {
      values[i] = present_[i] ? values_[i].c_str() : nullptr;
      any_null = any_null || !present_[i];
    }
    // Parameters the statement has but nothing bound: NULL too.
    for (const auto& p : sql_.parameters) any_null = any_null || static_cast<size_t>(p.number) > values_.size();
    auto text = any_null ? sql_with_nulls() : std::string();
    const auto& name = prepared_.name_of(any_null ? text : sql_.text, types_);
    auto* result = PQexecPrepared(connection_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                  nullptr, 0);
    if (!succeeded(result)) throw_failed(connection_, result);
    result_ = result;
  }
  void clear_result() {
    if (result_) PQclear(result_);
    result_ = nullptr;
    row_ = -1;
  }

  PreparedStatements& prepared_;
  PGconn* connection_;
  NumberedSql sql_;
  std::vector<std::string> values_;
  std::vector<bool> present_;
  std::vector<Oid> types_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

class PgConnection final : public Store::Connection {
 public:
  explicit PgConnection(PGconn* connection) : connection_(connection), prepared_(connection) {}
  ~PgConnection() override {
    finalize_statements();
    PQfinish(connection_);
  }

  SqlEngine engine() const override { return SqlEngine::postgres; }
  void exec(const std::string& sql) override {
    PGresult* result = PQexec(connection_, sql.c_str());
    if (!succeeded(result)) throw_failed(connection_, result);
    PQclear(result);
  }
  std::unique_ptr<SqlStatement> prepare(const std::string& sql) override {
    return std::make_unique<PgStatement>(prepared_, sql);
  }
  bool usable() const override { return PQstatus(connection_) == CONNECTION_OK; }

 private:
  PGconn* connection_;
  PreparedStatements prepared_;
};

int64_t single_int(Store::Connection& c, const std::string& sql) {
  auto q = c.prepare(sql);
  if (!q->executeStep() || q->getColumn(0).isNull()) return 0;
  return q->getColumn(0).getInt64();
}

class PgEngine final : public Store::Engine {
 public:
  PgEngine(const std::string& url, const StoreOptions& options) : url_(url), options_(options) {}

  std::unique_ptr<Store::Connection> open_writer() override {
    auto writer = connect();
    migrate(*writer);
    return writer;
  }

  std::unique_ptr<Store::Connection> open_reader() override { return connect(); }

  void begin_write(Store::Connection& writer) override { Store::Query(writer, "BEGIN")->exec(); }
  bool order_writes(Store::Connection& writer) override {
    Store::Query q(writer, "SELECT pg_advisory_xact_lock(?)");
    q->bind(1, write_lock_key);
    q->executeStep();
    return true;
  }
  void commit_write(Store::Connection& writer) override { writer.exec("COMMIT"); }
  void rollback_write(Store::Connection& writer) override {
    try {
      if (writer.usable()) writer.exec("ROLLBACK");
    } catch (const Error&) {
      // The transaction is gone with its connection; nothing was committed.
    }
  }

  // A session advisory lock on a connection of its own: released when the run ends or its
  // process dies (the server closes the connection).
  std::unique_ptr<Store::RunLock> try_lock_run(const std::string& job) override {
    struct HeldLock : Store::RunLock {
      std::unique_ptr<PgConnection> connection;
    };
    auto held = std::make_unique<HeldLock>();
    held->connection = connect();
    // FNV-1a of the job's name: the same key in every build, so that versions agree.
    uint64_t hash = 0xcbf29ce484222325;
    for (unsigned char ch : "zoomtrack run " + job) hash = (hash ^ ch) * 0x100000001b3;
    auto key = static_cast<int64_t>(hash & 0x7fffffffffffffff);
    if (single_int(*held->connection, fmt::format("SELECT CASE WHEN pg_try_advisory_lock({}) THEN 1 ELSE 0 END", key)) == 0) {
      return nullptr;
    }
    return held;
  }

  void begin_snapshot(Store::Connection& reader) override {
    reader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  void end_snapshot(Store::Connection& reader) override { reader.exec("ROLLBACK"); }

  void after_copy(Store::Connection& writer) override {
    for (const auto* table : postgres_tables_with_ids) {
      writer.exec(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), "
                              "COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)",
                              table));
    }
  }

  void copy_to(Store& store, const std::string& path) override {
    {
      Store copy(path);
      store.copy_into(copy);
    }
    finish_sqlite_copy(path);
  }

 private:
  // A request never waits long for a server that does not answer: connecting gives up after
  // the busy timeout (libpq counts whole seconds, 2 at least), and so does a write the server
  // does not acknowledge (tcp_user_timeout). While the server is down, a new attempt is made
  // at most every half second; in between the store fails at once, so clicks go to the spool
  // without waiting.
  std::unique_ptr<PgConnection> connect() {
    auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(failure_mutex_);
      if (now < retry_after_) {
        throw Error(ErrorCode::storage, fmt::format("cannot reach {}: {}", redact_database_url(url_), last_failure_),
                    "check that PostgreSQL is running and reachable");
      }
    }
    auto timeout_s = std::max(2, options_.busy_timeout_ms / 1000);
    auto user_timeout_ms = std::to_string(std::max(1000, options_.busy_timeout_ms));
    auto connect_timeout = std::to_string(timeout_s);
    const char* keys[] = {"dbname", "connect_timeout", "tcp_user_timeout", "application_name", nullptr};
    const char* values[] = {url_.c_str(), connect_timeout.c_str(), user_timeout_ms.c_str(), "zoomtrack", nullptr};
    PGconn* raw = PQconnectdbParams(keys, values, 1);
    if (!raw || PQstatus(raw) != CONNECTION_OK) {
      // libpq's message names the host and port, never the password.
      std::string message = without_database_password(url_, first_line(raw ? PQerrorMessage(raw) : "out of memory"));
      if (raw) PQfinish(raw);
      {
        std::lock_guard lock(failure_mutex_);
        retry_after_ = now + std::chrono::milliseconds(500);
        last_failure_ = message;
      }
      throw Error(ErrorCode::storage, fmt::format("cannot connect to {}: {}", redact_database_url(url_), message),
                  "check that PostgreSQL is running and reachable, and the URL's user, password and database");
    }
    auto connection = std::make_unique<PgConnection>(raw);
    // Times are stored as text; lock waits end with the busy timeout, as SQLite's do.
    connection->exec(fmt::format("SET lock_timeout = {}; SET client_min_messages = warning",
                                 std::max(1, options_.busy_timeout_ms)));
    return connection;
  }

  void migrate(Store::Connection& c) {
    c.exec(fmt::format("SELECT pg_advisory_lock({})", migration_lock_key));
    struct Unlock {
      Store::Connection& c;
      ~Unlock() {
        try {
          c.exec(fmt::format("SELECT pg_advisory_unlock({})", migration_lock_key));
        } catch (const Error&) {
        }
      }
    } unlock{c};
    bool ours = single_int(c, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() "
                              "AND tablename = 'zoomtrack_schema'") != 0;
    if (!ours) {
      if (single_int(c, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()") != 0) {
        throw Error(ErrorCode::runtime, fmt::format("{} is not a zoomtrack database", redact_database_url(url_)),
                    "it holds another application's tables and was left untouched; point --db at a zoomtrack "
                    "database or an empty one");
      }
      if (!options_.create) {
        throw Error(ErrorCode::runtime, fmt::format("{} holds no zoomtrack database yet", redact_database_url(url_)),
                    "start one with 'zoomtrack init --db URL'");
      }
      c.exec("BEGIN");
      c.exec(postgres_schema);
      c.exec(fmt::format("CREATE TABLE zoomtrack_schema (version INTEGER NOT NULL); "
                         "INSERT INTO zoomtrack_schema (version) VALUES ({})",
                         postgres_schema_version));
      c.exec("COMMIT");
    }
    auto version = single_int(c, "SELECT version FROM zoomtrack_schema");
    if (version > Store::schema_version) {
      throw Error(ErrorCode::runtime,
                  fmt::format("{} has schema version {}, newer than this zoomtrack ({}); left untouched",
                              redact_database_url(url_), version, Store::schema_version),
                  "upgrade zoomtrack");
    }
    for (auto step = version; step < Store::schema_version; ++step) {
      c.exec("BEGIN");
      c.exec(postgres_migration(static_cast<int>(step)));
      c.exec(fmt::format("UPDATE zoomtrack_schema SET version = {}", step + 1));
      c.exec("COMMIT");
    }
  }

  std::string url_;
  StoreOptions options_;
  std::mutex failure_mutex_;
  std::chrono::steady_clock::time_point retry_after_{};
  std::string last_failure_;
};

}  // namespace

std::unique_ptr<Store::Engine> postgres_engine(const std::string& url, const StoreOptions& options) {
  return std::make_unique<PgEngine>(url, options);
}

}  // namespace zt
