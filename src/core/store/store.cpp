#include "core/store/store.hpp"

#include <array>
#include <iterator>
#include <thread>

#include "core/store/internal.hpp"
#include "core/store/write_turn.hpp"

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


// Set while this thread runs a batch, so that a nested write joins it instead of waiting for it
// and reads see the batch's own changes.
thread_local const Store* writing_store = nullptr;
// What the body now running asked to do once its changes are committed.
thread_local std::vector<std::function<void()>>* body_after_commit = nullptr;

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

}  // namespace

const Store* store_writing_on_this_thread() { return writing_store; }

namespace {

// SQLite's exceptions as the store's errors (busy, storage, ...); any other as it is.
std::exception_ptr as_store_error(std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const SQLite::Exception& e) {
    try {
      rethrow_sqlite(e);
    } catch (...) {
      return std::current_exception();
    }
  } catch (...) {
  }
  return failure;
}

}  // namespace

[[noreturn]] void rethrow_sqlite(const SQLite::Exception& e) {
  int code = e.getErrorCode() & 0xff;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    throw Error(ErrorCode::busy, "the database is busy", "another zoomtrack holds a write lock; try again");
  }
  if (code == SQLITE_CONSTRAINT) {
    throw Error(ErrorCode::conflict, fmt::format("database constraint failed: {}", e.what()));
  }
  if (cannot_write(code)) {
    throw Error(ErrorCode::storage, fmt::format("the database cannot take writes: {}", e.what()),
                "check the disk space and the permissions of the database file");
  }
  throw Error(ErrorCode::runtime, fmt::format("database error: {}", e.what()));
}

void bind_time(SQLite::Statement& q, int index, const std::optional<TimePoint>& t) {
  if (t) q.bind(index, format_utc(*t));
  else q.bind(index);
}

std::optional<TimePoint> time_column(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  // Parsed in place: a copy of every time read would be a heap allocation per column per row.
  const char* text = c.getText();  // before getBytes, as SQLite asks
  return parse_utc(std::string_view(text, static_cast<size_t>(c.getBytes())));
}

TimePoint required_time(const SQLite::Column& c) {
  auto t = time_column(c);
  if (!t) throw Error(ErrorCode::runtime, fmt::format("bad time in column {}", c.getName()));
  return *t;
}

// NOMUTEX: a connection is only ever used by one thread at a time (the writer under
// writer_mutex_, a reader taken from the pool), so SQLite's own lock around every call is pure
// cost: a million-row report makes tens of millions of them.
Store::Connection::Connection(const std::string& path, int flags, int busy_timeout_ms)
    : db(path, flags | SQLITE_OPEN_NOMUTEX), busy_timeout_(busy_timeout_ms) {
  sqlite3_busy_handler(db.getHandle(), &Connection::wait_for_lock, this);
  db.exec("PRAGMA foreign_keys = ON");
}

// While another process holds the write lock, look again every millisecond until the busy
// timeout. SQLite's own handler backs off to 100 ms sleeps: a writer that takes the lock again
// soon after releasing it (reconcile's batches) then kept serve's clicks waiting for seconds.
int Store::Connection::wait_for_lock(void* connection, int attempts) {
  auto& self = *static_cast<Connection*>(connection);
  auto now = std::chrono::steady_clock::now();
  if (attempts == 0) self.busy_since_ = now;
  if (now - self.busy_since_ >= self.busy_timeout_) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

Store::Query::Query(Connection& connection, const std::string& sql) : idle_(connection.idle_statements_[sql]) {
  statement_ = idle_ ? std::move(idle_) : std::make_unique<SQLite::Statement>(connection.db, sql);
}

Store::Query::~Query() {
  statement_->tryReset();
  statement_->clearBindings();
  if (!idle_) idle_ = std::move(statement_);
}

Store::Store(const std::string& path, StoreOptions options) : path_(path), options_(options) {
  // SQLite counts every allocation under one global mutex unless told otherwise, before its
  // first use. Nothing reads the counts, and under a click load the threads queued on that mutex.
  static const bool allocations_uncounted = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)allocations_uncounted;
  try {
    int flags = SQLite::OPEN_READWRITE | (options.create ? SQLite::OPEN_CREATE : 0);
    writer_ = std::make_unique<Connection>(path, flags, options.busy_timeout_ms);
    // Before anything writes, the journal mode included: another application's file stays as it was.
    refuse_foreign_database();
    // WAL lets readers go on while the writer commits. FULL makes each commit durable before we
    // answer (the 302 is sent only after the click is on disk).
    writer_->db.exec("PRAGMA journal_mode = WAL");
    writer_->db.exec("PRAGMA synchronous = FULL");
    // Every write runs in a savepoint, so SQLite copies each page it changes to a statement
    // journal, which spills to a temporary file past 64 KiB: two thirds of a webhook's write
    // calls went there. In memory it costs the batch's changed pages, until its commit.
    writer_->db.exec("PRAGMA temp_store = MEMORY");
    register_store_functions(writer_->db);
    migrate();
  } catch (const SQLite::Exception& e) {
    rethrow_open_failure(path, e);
  }
}

Store::~Store() = default;

std::unique_ptr<Store::Connection> Store::open_reader() {
  auto reader = std::make_unique<Connection>(path_, SQLite::OPEN_READWRITE, options_.busy_timeout_ms);
  reader->db.exec("PRAGMA query_only = ON");
  return reader;
}

// A zoomtrack database carries our application_id from its first migration on. Another
// application's file has another id, or none with a schema of its own (a user_version, tables).
void Store::refuse_foreign_database() {
  auto& db = writer_->db;
  int found_app = db.execAndGet("PRAGMA application_id").getInt();
  if (found_app == application_id) return;
  bool foreign = found_app != 0 || db.execAndGet("PRAGMA user_version").getInt() != 0 ||
                 db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() != 0;
  if (foreign) {
    throw Error(ErrorCode::runtime, fmt::format("{} is not a zoomtrack database", path_),
                "it belongs to another application and was left untouched; point --db at a zoomtrack database or a new file");
  }
}

void Store::migrate() {
  auto& db = writer_->db;
  int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > schema_version) {
    throw Error(ErrorCode::runtime,
                fmt::format("{} has schema version {}, newer than this zoomtrack ({}); left untouched",
                            path_, version, schema_version),
                "upgrade zoomtrack");
  }
  for (int step = version; step < schema_version; ++step) {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::EXCLUSIVE);
    // Another process may have migrated while we waited for the lock.
    if (db.execAndGet("PRAGMA user_version").getInt() > step) continue;
    db.exec(migrations[static_cast<size_t>(step)]);
    db.exec(fmt::format("PRAGMA application_id = {}", application_id));
    db.exec(fmt::format("PRAGMA user_version = {}", step + 1));
    tx.commit();
  }
}

// One write waiting in the group-commit queue. Its thread sleeps on its own turn and is woken
// once: when its batch is committed, or when it is its turn to lead the next batch. (A shared
// condition variable woke every waiter at each commit and made them fight for the queue's mutex:
// a third of serve's CPU under a click load.) Shared, so that the leader may still wake it after
// the waiter has returned.
struct Store::PendingWrite {
  explicit PendingWrite(const std::function<void()>& body) : body(body) {}

  const std::function<void()>& body;
  std::exception_ptr error;  // set by the leader before it sets the turn
  WriteTurn turn;
};

void Store::after_commit(std::function<void()> action) {
  if (body_after_commit) body_after_commit->push_back(std::move(action));
  else action();
}

void Store::write(const std::function<void()>& body) {
  if (writing_store == this) return body();
  auto pending = std::make_shared<PendingWrite>(body);
  bool lead;
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(pending);
    lead = !committing_;
    committing_ = true;
  }
  if (lead || pending->turn.wait() == WriteTurn::lead) lead_batch();
  if (pending->error) std::rethrow_exception(pending->error);
}

// Commits everything queued so far (the leader's own write included) in one transaction, then
// hands the lead to the first write queued meanwhile, if any, and wakes the batch.
void Store::lead_batch() {
  std::vector<std::shared_ptr<PendingWrite>> batch;
  {
    std::lock_guard lock(queue_mutex_);
    batch.swap(queue_);
  }
  commit_batch(batch);
  std::shared_ptr<PendingWrite> next_leader;
  {
    std::lock_guard lock(queue_mutex_);
    if (queue_.empty()) committing_ = false;
    else next_leader = queue_.front();
  }
  if (next_leader) next_leader->turn.set(WriteTurn::lead);
  for (auto& pending : batch) pending->turn.set(WriteTurn::committed);
}

namespace {

bool is_busy(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const SQLite::Exception& e) {
    int code = e.getErrorCode() & 0xff;
    return code == SQLITE_BUSY || code == SQLITE_LOCKED;
  } catch (const Error& e) {
    return e.code() == ErrorCode::busy;
  } catch (...) {
    return false;
  }
}

}  // namespace

// SQLite returns BUSY without calling the busy handler in a few WAL cases: a transaction that
// needs the WAL index while another connection runs a checkpoint or restarts the WAL (reconcile's
// batches), a read snapshot gone stale before the first write. Nothing was committed then, so
// the batch is run again, within the busy timeout, rather than send its clicks to the spool.
void Store::commit_batch(const std::vector<std::shared_ptr<PendingWrite>>& batch) {
  std::lock_guard lock(writer_mutex_);
  auto give_up_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
  for (;;) {
    auto failure = try_commit_batch(batch);
    if (!failure) return;
    if (is_busy(failure) && std::chrono::steady_clock::now() < give_up_at) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    // Whatever the failure, every write of the batch is told, or its thread would wait forever.
    auto error = as_store_error(failure);
    for (auto& pending : batch) {
      if (!pending->error) pending->error = error;
    }
    return;
  }
}

// One attempt: nullptr once committed (each body's own error is its own); else why the whole
// transaction failed, with nothing committed and no body's error kept.
std::exception_ptr Store::try_commit_batch(const std::vector<std::shared_ptr<PendingWrite>>& batch) {
  auto& db = writer_->db;
  writing_store = this;
  std::vector<std::function<void()>> committed_actions;
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    for (auto& pending : batch) {
      pending->error = nullptr;
      std::vector<std::function<void()>> actions;
      body_after_commit = &actions;
      // Prepared once: parsing these for every write cost as much as the click's own insert.
      Query(*writer_, "SAVEPOINT body")->exec();
      try {
        pending->body();
        Query(*writer_, "RELEASE body")->exec();
        std::move(actions.begin(), actions.end(), std::back_inserter(committed_actions));
      } catch (...) {
        // A BUSY inside a body is the transaction's, not the body's: the whole batch is retried.
        if (is_busy(std::current_exception())) throw;
        pending->error = std::current_exception();
        Query(*writer_, "ROLLBACK TO body")->exec();
        Query(*writer_, "RELEASE body")->exec();
      }
      body_after_commit = nullptr;
    }
    tx.commit();
  } catch (...) {
    // The transaction itself failed (busy, disk full): nothing was committed.
    body_after_commit = nullptr;
    writing_store = nullptr;
    for (auto& pending : batch) pending->error = nullptr;
    return std::current_exception();
  }
  writing_store = nullptr;
  for (auto& action : committed_actions) action();
  return nullptr;
}

void Store::attempt(const std::function<void()>& body) {
  if (writing_store != this) return write(body);
  size_t actions_before = body_after_commit ? body_after_commit->size() : 0;
  try {
    Query(*writer_, "SAVEPOINT attempt")->exec();
  } catch (const SQLite::Exception& e) {
    rethrow_sqlite(e);
  }
  try {
    body();
    Query(*writer_, "RELEASE attempt")->exec();
  } catch (...) {
    Query(*writer_, "ROLLBACK TO attempt")->exec();
    Query(*writer_, "RELEASE attempt")->exec();
    if (body_after_commit) body_after_commit->resize(actions_before);
    throw;
  }
}

void Store::probe_write(TimePoint now) {
  change([&](Connection& c) {
    Query q(c, "INSERT INTO write_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at");
    q->bind(1, format_utc(now));
    q->exec();
  });
}

}  // namespace zt
