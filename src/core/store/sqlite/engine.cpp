// The SQLite engine: one file in WAL mode, its numbered migrations, and statements on
// sqlite3_stmt. A database file that is not ours is refused before anything is written to it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <thread>

#include "core/store/sqlite/connection.hpp"

namespace zt {
namespace {

// "ZTRK": marks the file as ours, so we never migrate somebody else's database.
constexpr int application_id = 0x5a54524b;

// Append-only: a released step is never edited; a change is a new step.
constexpr std::array migrations{
    R"sql(
CREATE TABLE lessons (
  id INTEGER PRIMARY KEY,
  teacher TEXT NOT NULL,
  teacher_name TEXT NOT NULL DEFAULT '',
  teacher_zoom_email TEXT NOT NULL DEFAULT '',
  student TEXT NOT NULL,
  student_name TEXT NOT NULL DEFAULT '',
  zoom_url TEXT NOT NULL,
  meeting_id TEXT NOT NULL,
  track_token TEXT NOT NULL UNIQUE,
  leave_token TEXT NOT NULL UNIQUE,
  base_url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('created','active','ended','final','expired','needs_review','void')),
  created_at TEXT NOT NULL,
  scheduled_at TEXT,
  expires_at TEXT,
  started_at TEXT,
  ended_at TEXT,
  end_source TEXT
);
CREATE INDEX lessons_by_meeting ON lessons(meeting_id, started_at);
CREATE INDEX lessons_by_start ON lessons(started_at);
CREATE INDEX lessons_by_status ON lessons(status);

CREATE TABLE clicks (
  id INTEGER PRIMARY KEY,
  lesson_id INTEGER NOT NULL REFERENCES lessons(id),
  at TEXT NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('real','preview')),
  method TEXT NOT NULL
);
CREATE INDEX clicks_by_lesson ON clicks(lesson_id, kind, at);

CREATE TABLE end_signals (
  id INTEGER PRIMARY KEY,
  lesson_id INTEGER NOT NULL REFERENCES lessons(id),
  source TEXT NOT NULL,
  at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  forced INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX end_signals_by_lesson ON end_signals(lesson_id);

CREATE TABLE segments (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  meeting_id TEXT NOT NULL,
  meeting_uuid TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  participant_id TEXT NOT NULL DEFAULT '',
  host_id TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  join_time TEXT,
  leave_time TEXT,
  leave_reason TEXT NOT NULL DEFAULT '',
  UNIQUE (source, meeting_uuid, connection_id)
);
CREATE INDEX segments_by_meeting ON segments(meeting_id);

CREATE TABLE meeting_ends (
  meeting_uuid TEXT PRIMARY KEY,
  meeting_id TEXT NOT NULL,
  end_time TEXT NOT NULL
);
CREATE INDEX meeting_ends_by_meeting ON meeting_ends(meeting_id, end_time);

CREATE TABLE webhook_events (
  id INTEGER PRIMARY KEY,
  delivery_key TEXT NOT NULL,
  duplicate_of INTEGER REFERENCES webhook_events(id),
  received_at TEXT NOT NULL,
  event TEXT NOT NULL,
  event_ts INTEGER NOT NULL,
  meeting_id TEXT NOT NULL DEFAULT '',
  meeting_uuid TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  lesson_id INTEGER REFERENCES lessons(id)
);
CREATE UNIQUE INDEX webhook_events_first_delivery ON webhook_events(delivery_key)
  WHERE duplicate_of IS NULL;
CREATE INDEX webhook_events_by_outcome ON webhook_events(outcome);
CREATE INDEX webhook_events_by_lesson ON webhook_events(lesson_id);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  lesson_id INTEGER NOT NULL REFERENCES lessons(id),
  at TEXT NOT NULL,
  who TEXT NOT NULL,
  source TEXT NOT NULL,
  action TEXT NOT NULL,
  old_value TEXT NOT NULL DEFAULT '',
  new_value TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_lesson ON audit(lesson_id);
)sql",
    // 2: the teacher's connections through indexes (a crowded meeting costs a lesson nothing),
    // spooled clicks replayed once, and a row to probe whether the database takes writes.
    R"sql(
ALTER TABLE segments ADD COLUMN is_host INTEGER
  GENERATED ALWAYS AS (participant_id <> '' AND participant_id = host_id) VIRTUAL;
ALTER TABLE segments ADD COLUMN at TEXT GENERATED ALWAYS AS (COALESCE(join_time, leave_time)) VIRTUAL;
CREATE INDEX segments_by_host ON segments(meeting_id, is_host, at);
CREATE INDEX segments_by_email ON segments(meeting_id, email COLLATE NOCASE, at);
CREATE INDEX segments_by_name ON segments(meeting_id, name, at);

ALTER TABLE clicks ADD COLUMN spool_id TEXT;
CREATE UNIQUE INDEX clicks_by_spool_id ON clicks(spool_id) WHERE spool_id IS NOT NULL;

CREATE TABLE write_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);
)sql",
    // 3: the caller's idempotency key, one lesson per key, and the lessons not yet started by
    // teacher and student, where a retried `link create` without a key finds its first copy.
    R"sql(
ALTER TABLE lessons ADD COLUMN ref TEXT;
CREATE UNIQUE INDEX lessons_by_ref ON lessons(ref) WHERE ref IS NOT NULL;
CREATE INDEX lessons_not_started ON lessons(teacher, student) WHERE status = 'created';
)sql",
    // 4: one teacher's or one student's lessons in a period, by start, through an
    // index rather than a scan of every lesson.
    R"sql(
CREATE INDEX lessons_by_teacher_start ON lessons(teacher, started_at);
CREATE INDEX lessons_by_student_start ON lessons(student, started_at);
)sql",
    // 5: pay periods (their locked lessons and the adjustments paid after them), staff start
    // corrections, and a hash-chained audit trail. The audit table is rebuilt to take rows that
    // belong to a period rather than a lesson; every existing row is kept and chained in id order
    // (zt_audit_hash is registered on the migrating connection; see audit_hash).
    R"sql(
CREATE TABLE periods (
  id INTEGER PRIMARY KEY,
  label TEXT NOT NULL,
  from_utc TEXT NOT NULL,
  to_utc TEXT NOT NULL,
  tz TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('closed','reopened')),
  closed_at TEXT NOT NULL,
  closed_by TEXT NOT NULL,
  lessons INTEGER NOT NULL,
  duration_s INTEGER NOT NULL,
  minutes INTEGER NOT NULL,
  needs_review INTEGER NOT NULL,
  adjustments INTEGER NOT NULL,
  columns TEXT NOT NULL,
  digest TEXT NOT NULL,
  reopened_at TEXT,
  reopened_by TEXT NOT NULL DEFAULT '',
  reopen_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX periods_by_status ON periods(status, from_utc);

CREATE TABLE period_lessons (
  period_id INTEGER NOT NULL REFERENCES periods(id),
  lesson_id INTEGER NOT NULL REFERENCES lessons(id),
  listed INTEGER NOT NULL,
  teacher TEXT NOT NULL,
  student TEXT NOT NULL,
  status TEXT NOT NULL,
  scheduled_at TEXT,
  started_at TEXT,
  ended_at TEXT,
  end_source TEXT,
  paid_s INTEGER NOT NULL,
  PRIMARY KEY (period_id, lesson_id)
);
CREATE INDEX period_lessons_by_lesson ON period_lessons(lesson_id);
CREATE INDEX period_lessons_by_start ON period_lessons(started_at, lesson_id) WHERE listed = 1;

CREATE TABLE adjustments (
  id INTEGER PRIMARY KEY,
  lesson_id INTEGER NOT NULL REFERENCES lessons(id),
  period_id INTEGER NOT NULL REFERENCES periods(id),
  at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  old_paid_s INTEGER NOT NULL,
  new_paid_s INTEGER NOT NULL,
  source TEXT NOT NULL,
  reason TEXT NOT NULL,
  who TEXT NOT NULL,
  teacher TEXT NOT NULL,
  student TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  end_source TEXT,
  withdrawn_at TEXT
);
CREATE INDEX adjustments_by_lesson ON adjustments(lesson_id);
CREATE INDEX adjustments_by_period ON adjustments(period_id);
CREATE INDEX adjustments_by_at ON adjustments(at) WHERE withdrawn_at IS NULL;

CREATE TABLE start_signals (
  id INTEGER PRIMARY KEY,
  lesson_id INTEGER NOT NULL REFERENCES lessons(id),
  at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  forced INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL,
  who TEXT NOT NULL
);
CREATE INDEX start_signals_by_lesson ON start_signals(lesson_id);

CREATE TABLE audit_chained (
  id INTEGER PRIMARY KEY,
  lesson_id INTEGER REFERENCES lessons(id),
  period_id INTEGER REFERENCES periods(id),
  at TEXT NOT NULL,
  who TEXT NOT NULL,
  source TEXT NOT NULL,
  action TEXT NOT NULL,
  old_value TEXT NOT NULL DEFAULT '',
  new_value TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL
);
WITH RECURSIVE chain(id, lesson_id, at, who, source, action, old_value, new_value, reason, hash) AS (
  SELECT id, lesson_id, at, who, source, action, old_value, new_value, reason,
         zt_audit_hash('', id, lesson_id, NULL, at, who, source, action, old_value, new_value, reason)
    FROM audit WHERE id = (SELECT MIN(id) FROM audit)
  UNION ALL
  SELECT a.id, a.lesson_id, a.at, a.who, a.source, a.action, a.old_value, a.new_value, a.reason,
         zt_audit_hash(chain.hash, a.id, a.lesson_id, NULL, a.at, a.who, a.source, a.action, a.old_value,
                       a.new_value, a.reason)
    FROM chain CROSS JOIN audit a ON a.id = (SELECT MIN(id) FROM audit WHERE id > chain.id)
)
INSERT INTO audit_chained (id, lesson_id, period_id, at, who, source, action, old_value, new_value, reason, hash)
  SELECT id, lesson_id, NULL, at, who, source, action, old_value, new_value, reason, hash FROM chain;
DROP TABLE audit;
ALTER TABLE audit_chained RENAME TO audit;
CREATE INDEX audit_by_lesson ON audit(lesson_id);
CREATE INDEX audit_by_period ON audit(period_id) WHERE period_id IS NOT NULL;
)sql",
    // 6: the Telegram outbox: one row per message to one chat about one lesson, stored with the
    // lesson and sent afterwards. A queued row is due at next_attempt_at; a sender claims it by
    // moving next_attempt_at past its lease, so two senders never send it twice.
    R"sql(
CREATE TABLE telegram_deliveries (
  id INTEGER PRIMARY KEY,
  lesson_id INTEGER NOT NULL REFERENCES lessons(id),
  role TEXT NOT NULL CHECK (role IN ('student','teacher')),
  chat TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','sent','failed')),
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  sent_at TEXT,
  message_id INTEGER,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX telegram_deliveries_due ON telegram_deliveries(next_attempt_at) WHERE state = 'queued';
CREATE INDEX telegram_deliveries_by_lesson ON telegram_deliveries(lesson_id);
)sql",
    // 7: the teacher's connections by how they stand at the lesson's start: still open, or left
    // after it. A teacher who rejoined a thousand times before this lesson's click costs the
    // lesson nothing; by join time alone every earlier connection that day was read again.
    R"sql(
DROP INDEX segments_by_host;
DROP INDEX segments_by_email;
DROP INDEX segments_by_name;
CREATE INDEX segments_by_host_leave ON segments(meeting_id, is_host, leave_time, at);
CREATE INDEX segments_by_email_leave ON segments(meeting_id, email COLLATE NOCASE, leave_time, at);
CREATE INDEX segments_by_name_leave ON segments(meeting_id, name, leave_time, at);
)sql",
    // 8: fewer pages per webhook delivery. The duplicate check's key leads with Zoom's event_ts,
    // a function of the body as the hash is, so a new delivery lands at the index's end: keyed by
    // the hash alone, each one dirtied a random page that the commit wrote out whole. Outcomes
    // are indexed only where a later run looks for them (reconcile retries received and
    // unmatched events; staff look for errors): the full index cost every delivery an entry and
    // no query used it. segments_by_meeting is the prefix of the teacher indexes. The host and
    // email indexes hold only the connections they can find: most participants are guests, many
    // without an email, and each index entry is written at the join and again at the leave.
    R"sql(
DROP INDEX segments_by_host_leave;
DROP INDEX segments_by_email_leave;
CREATE INDEX segments_by_host_leave ON segments(meeting_id, leave_time, at) WHERE is_host = 1;
CREATE INDEX segments_by_email_leave ON segments(meeting_id, email COLLATE NOCASE, leave_time, at)
  WHERE email <> '';
DROP INDEX webhook_events_first_delivery;
CREATE UNIQUE INDEX webhook_events_first_delivery ON webhook_events(event_ts, delivery_key)
  WHERE duplicate_of IS NULL;
DROP INDEX webhook_events_by_outcome;
CREATE INDEX webhook_events_to_retry ON webhook_events(outcome, id)
  WHERE outcome IN ('received', 'unmatched', 'error');
DROP INDEX segments_by_meeting;
)sql",
    // 9: presence and pay. The student's Zoom e-mail and the booked length; where the start came
    // from (every started lesson so far: a click, or staff); the presence measured once a lesson
    // has an end; and the no_show status. SQLite cannot alter a CHECK constraint: widening the list
    // of statuses invalidates no stored row, so the table's SQL is edited in place (writable_schema,
    // as SQLite documents for such changes) instead of copying every lesson. A closed period
    // freezes each lesson's pay with the policy it was computed under and the figures it read.
    // All segments of a meeting by time: the student's presence, bounded by the lesson's window.
    // On the expression rather than the generated column `at`, so that only queries naming the
    // expression use it: on `at`, SQLite preferred it to the teacher's indexes (migration 8).
    R"sql(
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''void''))', '''void'',''no_show''))')
  WHERE type = 'table' AND name = 'lessons';
PRAGMA writable_schema = RESET;
ALTER TABLE lessons ADD COLUMN student_zoom_email TEXT NOT NULL DEFAULT '';
ALTER TABLE lessons ADD COLUMN length_s INTEGER;
ALTER TABLE lessons ADD COLUMN start_source TEXT;
ALTER TABLE lessons ADD COLUMN presence TEXT NOT NULL DEFAULT '';
ALTER TABLE lessons ADD COLUMN teacher_present_s INTEGER;
ALTER TABLE lessons ADD COLUMN together_s INTEGER;
ALTER TABLE lessons ADD COLUMN teacher_late_s INTEGER;
UPDATE lessons SET start_source = CASE WHEN EXISTS (SELECT 1 FROM start_signals s WHERE s.lesson_id = lessons.id)
  THEN 'manual' ELSE 'click' END WHERE started_at IS NOT NULL;
CREATE INDEX lessons_by_meeting_schedule ON lessons(meeting_id, scheduled_at);
CREATE INDEX segments_by_meeting_time ON segments(meeting_id, COALESCE(join_time, leave_time));
ALTER TABLE period_lessons ADD COLUMN pay_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE period_lessons ADD COLUMN pay_basis TEXT NOT NULL DEFAULT 'click';
ALTER TABLE period_lessons ADD COLUMN pay_note TEXT NOT NULL DEFAULT '';
ALTER TABLE period_lessons ADD COLUMN start_source TEXT;
ALTER TABLE period_lessons ADD COLUMN teacher_present_s INTEGER;
ALTER TABLE period_lessons ADD COLUMN together_s INTEGER;
ALTER TABLE period_lessons ADD COLUMN teacher_late_s INTEGER;
ALTER TABLE period_lessons ADD COLUMN length_s INTEGER;
)sql",
    // 10: from here on a transition's audited "from" state is the row as it was stored (before, it
    // was the caller's copy, which could be stale when one delivery changed two lessons). A
    // trail that has rows already gets one hash-chained marker row, so that verify checks each
    // change against the one before it only from the marker on, and an older trail still verifies.
    R"sql(
INSERT INTO audit (id, lesson_id, period_id, at, who, source, action, old_value, new_value, reason, hash)
  SELECT last.id + 1, NULL, NULL, now.at, 'zoomtrack', 'migration', 'audit_format', '',
         'transitions record the row they changed', 'schema 10',
         zt_audit_hash(last.hash, last.id + 1, NULL, NULL, now.at, 'zoomtrack', 'migration', 'audit_format', '',
                       'transitions record the row they changed', 'schema 10')
    FROM (SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1) AS last,
         (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now') AS at) AS now;
)sql",
};

// Opening is where a wrong --db shows: say which file and what to do, not only SQLite's words.
[[noreturn]] void rethrow_open_failure(const std::string& path, const SQLite::Exception& e) {
  switch (e.getErrorCode() & 0xff) {
    case SQLITE_NOTADB:
      throw Error(ErrorCode::runtime, fmt::format("{} is not a SQLite database", path),
                  "point --db at the zoomtrack database, or at a new file name to start one");
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw Error(ErrorCode::storage, fmt::format("{} cannot be written: {}", path, e.what()),
                  "let this user write the file and its directory (SQLite keeps its journal beside it)");
    case SQLITE_CANTOPEN:
      throw Error(ErrorCode::storage, fmt::format("cannot open {}: {}", path, e.what()),
                  "check that the path is right and that this user may read and write it");
    default:
      rethrow_sqlite(e);
  }
}

bool cannot_write(int code) {
  switch (code) {
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
      return true;
    default:
      return false;
  }
}

[[noreturn]] void throw_sqlite(int extended_code, const char* message) {
  int code = extended_code & 0xff;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    throw Error(ErrorCode::busy, "the database is busy", "another zoomtrack holds a write lock; try again");
  }
  if (code == SQLITE_CONSTRAINT) {
    throw Error(ErrorCode::conflict, fmt::format("database constraint failed: {}", message));
  }
  if (cannot_write(code)) {
    throw Error(ErrorCode::storage, fmt::format("the database cannot take writes: {}", message),
                "check the disk space and the permissions of the database file");
  }
  throw Error(ErrorCode::runtime, fmt::format("database error: {}", message));
}


void sqlite_audit_hash(sqlite3_context* context, int argc, sqlite3_value** argv) {
  auto text = [&](int i) {
    const auto* value = sqlite3_value_text(argv[i]);
    return value ? std::string(reinterpret_cast<const char*>(value), static_cast<size_t>(sqlite3_value_bytes(argv[i])))
                 : std::string();
  };
  auto id = [&](int i) -> std::optional<int64_t> {
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return std::nullopt;
    return sqlite3_value_int64(argv[i]);
  };
  if (argc != 11) {
    sqlite3_result_error(context, "zt_audit_hash takes 11 arguments", -1);
    return;
  }
  AuditRow row{*id(1), id(2), id(3), text(4), text(5), text(6), text(7), text(8), text(9), text(10), ""};
  auto hash = audit_hash(text(0), row);
  sqlite3_result_text(context, hash.c_str(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
}


// A statement on sqlite3_stmt: texts bound as copies (SQLITE_TRANSIENT), columns read in place.
class SqliteStatement final : public SqlStatement {
 public:
  SqliteStatement(sqlite3* db, const std::string& sql) : db_(db) {
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &statement_, nullptr);
    if (rc != SQLITE_OK) fail(rc);
  }
  ~SqliteStatement() override { sqlite3_finalize(statement_); }

  void bind(int index, int64_t value) override { check(sqlite3_bind_int64(statement_, index, value)); }
  void bind(int index, double value) override { check(sqlite3_bind_double(statement_, index, value)); }
  void bind(int index, std::string_view value) override {
    check(sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bind(int index) override { check(sqlite3_bind_null(statement_, index)); }
  using SqlStatement::bind;

  bool executeStep() override {
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(rc);
  }
  int64_t exec() override {
    while (executeStep()) {
    }
    return sqlite3_changes64(db_);
  }
  int columnCount() override { return sqlite3_column_count(statement_); }
  void reset() override {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  bool column_is_null(int index) override { return sqlite3_column_type(statement_, index) == SQLITE_NULL; }
  int64_t column_int64(int index) override { return sqlite3_column_int64(statement_, index); }
  double column_double(int index) override { return sqlite3_column_double(statement_, index); }
  std::string_view column_text(int index) override {
    const auto* text = sqlite3_column_text(statement_, index);  // before the size, as SQLite asks
    return {reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(statement_, index))};
  }
  std::string column_name(int index) override { return sqlite3_column_name(statement_, index); }

  void check(int rc) {
    if (rc != SQLITE_OK) fail(rc);
  }
  [[noreturn]] void fail(int rc) {
    // The statement is left ready to run again: the error belongs to this run only.
    std::string message = sqlite3_errmsg(db_);
    int extended = sqlite3_extended_errcode(db_);
    sqlite3_reset(statement_);
    throw_sqlite(extended ? extended : rc, message.c_str());
  }

  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

void register_store_functions(SQLite::Database& db) {
  int rc = sqlite3_create_function_v2(db.getHandle(), "zt_audit_hash", 11, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                      nullptr, sqlite_audit_hash, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw Error(ErrorCode::runtime, "cannot register the audit hash function");
}

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, int flags, int busy_timeout_ms)
    : db(path, flags | SQLITE_OPEN_NOMUTEX), busy_timeout_(busy_timeout_ms) {
  sqlite3_busy_handler(db.getHandle(), &SqliteConnection::wait_for_lock, this);
  db.exec("PRAGMA foreign_keys = ON");
}

void SqliteConnection::exec(const std::string& sql) {
  try {
    db.exec(sql);
  } catch (const SQLite::Exception& e) {
    rethrow_sqlite(e);
  }
}

std::unique_ptr<SqlStatement> SqliteConnection::prepare(const std::string& sql) {
  return std::make_unique<SqliteStatement>(db.getHandle(), sql);
}

// While another process holds the write lock, look again every millisecond until the busy
// timeout. SQLite's own handler backs off to 100 ms sleeps: a writer that takes the lock again
// soon after releasing it (reconcile's batches) then kept serve's clicks waiting for seconds.
int SqliteConnection::wait_for_lock(void* connection, int attempts) {
  auto& self = *static_cast<SqliteConnection*>(connection);
  auto now = std::chrono::steady_clock::now();
  if (attempts == 0) self.busy_since_ = now;
  if (now - self.busy_since_ >= self.busy_timeout_) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

namespace {

class SqliteEngine final : public Store::Engine {
 public:
  SqliteEngine(const std::string& path, const StoreOptions& options) : path_(path), options_(options) {
    // SQLite counts every allocation under one global mutex unless told otherwise, before its
    // first use. Nothing reads the counts, and under a click load the threads queued on that mutex.
    static const bool allocations_uncounted = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
    (void)allocations_uncounted;
  }

  std::unique_ptr<Store::Connection> open_writer() override {
    try {
      int flags = SQLite::OPEN_READWRITE | (options_.create ? SQLite::OPEN_CREATE : 0);
      auto writer = std::make_unique<SqliteConnection>(path_, flags, options_.busy_timeout_ms);
      // Before anything writes, the journal mode included: another application's file stays as it was.
      refuse_foreign_database(writer->db);
      // WAL lets readers go on while the writer commits. FULL makes each commit durable before we
      // answer (the 302 is sent only after the click is on disk).
      writer->db.exec("PRAGMA journal_mode = WAL");
      writer->db.exec("PRAGMA synchronous = FULL");
      // Every write runs in a savepoint, so SQLite copies each page it changes to a statement
      // journal, which spills to a temporary file past 64 KiB: two thirds of a webhook's write
      // calls went there. In memory it costs the batch's changed pages, until its commit.
      writer->db.exec("PRAGMA temp_store = MEMORY");
      register_store_functions(writer->db);
      migrate(writer->db);
      return writer;
    } catch (const SQLite::Exception& e) {
      rethrow_open_failure(path_, e);
    }
  }

  std::unique_ptr<Store::Connection> open_reader() override {
    try {
      auto reader = std::make_unique<SqliteConnection>(path_, SQLite::OPEN_READWRITE, options_.busy_timeout_ms);
      reader->db.exec("PRAGMA query_only = ON");
      return reader;
    } catch (const SQLite::Exception& e) {
      rethrow_open_failure(path_, e);
    }
  }

  void copy_to(Store& store, const std::string& path) override {
    read(store, [&](Store::Connection& c) { copy_sqlite_database(static_cast<SqliteConnection&>(c), path); });
  }
  // A lock file beside the database: flock is released by the kernel when the process dies.
  std::unique_ptr<Store::RunLock> try_lock_run(const std::string& job) override {
    struct FileLock : Store::RunLock {
      int fd;
      explicit FileLock(int fd) : fd(fd) {}
      ~FileLock() override { ::close(fd); }
    };
    auto path = fmt::format("{}.{}.lock", path_, job);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(ErrorCode::storage, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return nullptr;
    }
    return std::make_unique<FileLock>(fd);
  }

  void begin_snapshot(Store::Connection& reader) override { reader.exec("BEGIN"); }
  void end_snapshot(Store::Connection& reader) override { reader.exec("ROLLBACK"); }

  void begin_write(Store::Connection& writer) override { Store::Query(writer, "BEGIN IMMEDIATE")->exec(); }
  void commit_write(Store::Connection& writer) override { Store::Query(writer, "COMMIT")->exec(); }
  void rollback_write(Store::Connection& writer) override {
    sqlite3* db = static_cast<SqliteConnection&>(writer).db.getHandle();
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  // A zoomtrack database carries our application_id from its first migration on. Another
  // application's file has another id, or none with a schema of its own (a user_version, tables).
  void refuse_foreign_database(SQLite::Database& db) {
    int found_app = db.execAndGet("PRAGMA application_id").getInt();
    if (found_app == application_id) return;
    bool foreign = found_app != 0 || db.execAndGet("PRAGMA user_version").getInt() != 0 ||
                   db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() != 0;
    if (foreign) {
      throw Error(ErrorCode::runtime, fmt::format("{} is not a zoomtrack database", path_),
                  "it belongs to another application and was left untouched; point --db at a zoomtrack database or a new file");
    }
  }

  void migrate(SQLite::Database& db) {
    int version = db.execAndGet("PRAGMA user_version").getInt();
    if (version > Store::schema_version) {
      throw Error(ErrorCode::runtime,
                  fmt::format("{} has schema version {}, newer than this zoomtrack ({}); left untouched",
                              path_, version, Store::schema_version),
                  "upgrade zoomtrack");
    }
    for (int step = version; step < Store::schema_version; ++step) {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::EXCLUSIVE);
      // Another process may have migrated while we waited for the lock.
      if (db.execAndGet("PRAGMA user_version").getInt() > step) continue;
      db.exec(migrations[static_cast<size_t>(step)]);
      db.exec(fmt::format("PRAGMA application_id = {}", application_id));
      db.exec(fmt::format("PRAGMA user_version = {}", step + 1));
      tx.commit();
    }
  }

  std::string path_;
  StoreOptions options_;
};
}  // namespace

[[noreturn]] void rethrow_sqlite(const SQLite::Exception& e) { throw_sqlite(e.getErrorCode(), e.what()); }

std::unique_ptr<Store::Engine> sqlite_engine(const std::string& path, const StoreOptions& options) {
  return std::make_unique<SqliteEngine>(path, options);
}

}  // namespace zt
