#include "core/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <iterator>

#include "core/error.hpp"

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
};

constexpr const char* lesson_columns =
    "id, teacher, teacher_name, teacher_zoom_email, student, student_name, zoom_url, meeting_id, "
    "track_token, leave_token, base_url, status, created_at, scheduled_at, expires_at, "
    "started_at, ended_at, end_source";

[[noreturn]] void rethrow_sqlite(const SQLite::Exception& e) {
  int code = e.getErrorCode() & 0xff;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    throw Error(ErrorCode::busy, "the database is busy", "another zoomtrack holds a write lock; try again");
  }
  if (code == SQLITE_CONSTRAINT) {
    throw Error(ErrorCode::conflict, fmt::format("database constraint failed: {}", e.what()));
  }
  throw Error(ErrorCode::runtime, fmt::format("database error: {}", e.what()));
}

// Locks the store and turns SQLite's exceptions into core errors.
template <class F>
auto guarded(std::recursive_mutex& mutex, F&& body) {
  std::lock_guard lock(mutex);
  try {
    return body();
  } catch (const SQLite::Exception& e) {
    rethrow_sqlite(e);
  }
}

void bind_time(SQLite::Statement& q, int index, const std::optional<TimePoint>& t) {
  if (t) q.bind(index, format_utc(*t));
  else q.bind(index);
}

std::optional<TimePoint> time_column(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return parse_utc(c.getString());
}

TimePoint required_time(const SQLite::Column& c) {
  auto t = time_column(c);
  if (!t) throw Error(ErrorCode::runtime, fmt::format("bad time in column {}", c.getName()));
  return *t;
}

Lesson read_lesson(SQLite::Statement& q) {
  Lesson l;
  l.id = q.getColumn(0).getInt64();
  l.teacher = q.getColumn(1).getString();
  l.teacher_name = q.getColumn(2).getString();
  l.teacher_zoom_email = q.getColumn(3).getString();
  l.student = q.getColumn(4).getString();
  l.student_name = q.getColumn(5).getString();
  l.zoom_url = q.getColumn(6).getString();
  l.meeting_id = q.getColumn(7).getString();
  l.track_token = q.getColumn(8).getString();
  l.leave_token = q.getColumn(9).getString();
  l.base_url = q.getColumn(10).getString();
  l.status = parse_lesson_status(q.getColumn(11).getString());
  l.created_at = required_time(q.getColumn(12));
  l.scheduled_at = time_column(q.getColumn(13));
  l.expires_at = time_column(q.getColumn(14));
  l.started_at = time_column(q.getColumn(15));
  l.ended_at = time_column(q.getColumn(16));
  if (!q.getColumn(17).isNull()) l.end_source = parse_end_source(q.getColumn(17).getString());
  return l;
}

std::vector<Lesson> read_lessons(SQLite::Statement& q) {
  std::vector<Lesson> lessons;
  while (q.executeStep()) lessons.push_back(read_lesson(q));
  return lessons;
}

Segment read_segment(SQLite::Statement& q) {
  Segment s;
  s.source = q.getColumn(0).getString();
  s.meeting_uuid = q.getColumn(1).getString();
  s.connection_id = q.getColumn(2).getString();
  s.participant_id = q.getColumn(3).getString();
  s.host_id = q.getColumn(4).getString();
  s.email = q.getColumn(5).getString();
  s.name = q.getColumn(6).getString();
  s.join_time = time_column(q.getColumn(7));
  s.leave_time = time_column(q.getColumn(8));
  s.leave_reason = q.getColumn(9).getString();
  return s;
}

WebhookEventRecord read_event(SQLite::Statement& q, bool with_body) {
  WebhookEventRecord e;
  e.id = q.getColumn(0).getInt64();
  e.delivery_key = q.getColumn(1).getString();
  e.received_at = required_time(q.getColumn(2));
  e.event = q.getColumn(3).getString();
  e.event_ts = q.getColumn(4).getInt64();
  e.meeting_id = q.getColumn(5).getString();
  e.meeting_uuid = q.getColumn(6).getString();
  e.outcome = q.getColumn(7).getString();
  e.detail = q.getColumn(8).getString();
  if (!q.getColumn(9).isNull()) e.lesson_id = q.getColumn(9).getInt64();
  if (with_body) e.body = q.getColumn(10).getString();
  return e;
}

}  // namespace

Store::Store(const std::string& path, StoreOptions options) : path_(path) {
  guarded(mutex_, [&] {
    db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->setBusyTimeout(options.busy_timeout_ms);
    db_->exec("PRAGMA foreign_keys = ON");
    // WAL lets serve read while the CLI writes. FULL makes each commit durable before we answer
    // (the 302 is sent only after the click is on disk).
    db_->exec("PRAGMA journal_mode = WAL");
    db_->exec("PRAGMA synchronous = FULL");
    migrate();
  });
}

Store::~Store() = default;

void Store::migrate() {
  int found_app = db_->execAndGet("PRAGMA application_id").getInt();
  int version = db_->execAndGet("PRAGMA user_version").getInt();
  if (found_app != 0 && found_app != application_id) {
    throw Error(ErrorCode::runtime, fmt::format("{} is not a zoomtrack database", path_),
                "point --db at a zoomtrack database or a new file");
  }
  if (version > schema_version) {
    throw Error(ErrorCode::runtime,
                fmt::format("{} has schema version {}, newer than this zoomtrack ({}); left untouched",
                            path_, version, schema_version),
                "upgrade zoomtrack");
  }
  for (int step = version; step < schema_version; ++step) {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::EXCLUSIVE);
    // Another process may have migrated while we waited for the lock.
    if (db_->execAndGet("PRAGMA user_version").getInt() > step) continue;
    db_->exec(migrations[static_cast<size_t>(step)]);
    db_->exec(fmt::format("PRAGMA application_id = {}", application_id));
    db_->exec(fmt::format("PRAGMA user_version = {}", step + 1));
    tx.commit();
  }
}

struct Store::PendingWrite {
  const std::function<void()>* body;
  std::exception_ptr error;
  bool done = false;
};

namespace {
// Set while this thread runs a batch, so that a nested write joins it instead of waiting for it.
thread_local bool inside_write = false;
// What the body now running asked to do once its changes are committed.
thread_local std::vector<std::function<void()>>* body_after_commit = nullptr;
}  // namespace

void Store::after_commit(std::function<void()> action) {
  if (body_after_commit) body_after_commit->push_back(std::move(action));
  else action();
}

void Store::write(const std::function<void()>& body) {
  if (inside_write) return body();
  PendingWrite pending{&body, nullptr, false};
  std::unique_lock lock(queue_mutex_);
  queue_.push_back(&pending);
  while (!pending.done) {
    if (committing_) {
      queue_changed_.wait(lock);
      continue;
    }
    // Lead: commit everything queued so far, ours included, in one transaction.
    committing_ = true;
    auto batch = std::move(queue_);
    queue_.clear();
    lock.unlock();
    commit_batch(batch);
    lock.lock();
    for (auto* p : batch) p->done = true;
    committing_ = false;
    queue_changed_.notify_all();
  }
  if (pending.error) std::rethrow_exception(pending.error);
}

void Store::commit_batch(const std::vector<PendingWrite*>& batch) {
  std::lock_guard lock(mutex_);
  inside_write = true;
  std::vector<std::function<void()>> committed_actions;
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    for (auto* pending : batch) {
      std::vector<std::function<void()>> actions;
      body_after_commit = &actions;
      db_->exec("SAVEPOINT body");
      try {
        (*pending->body)();
        db_->exec("RELEASE body");
        std::move(actions.begin(), actions.end(), std::back_inserter(committed_actions));
      } catch (...) {
        pending->error = std::current_exception();
        db_->exec("ROLLBACK TO body");
        db_->exec("RELEASE body");
      }
      body_after_commit = nullptr;
    }
    tx.commit();
    inside_write = false;
    for (auto& action : committed_actions) action();
  } catch (const SQLite::Exception& e) {
    body_after_commit = nullptr;
    // The transaction itself failed (busy past the timeout, disk full): nothing was committed.
    std::exception_ptr failure;
    try {
      rethrow_sqlite(e);
    } catch (...) {
      failure = std::current_exception();
    }
    for (auto* pending : batch) {
      if (!pending->error) pending->error = failure;
    }
  }
  inside_write = false;
}

bool Store::healthy() {
  try {
    return guarded(mutex_, [&] { return db_->execAndGet("SELECT 1").getInt() == 1; });
  } catch (const Error&) {
    return false;
  }
}

int64_t Store::insert_lesson(const Lesson& l) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_,
                        "INSERT INTO lessons (teacher, teacher_name, teacher_zoom_email, student, "
                        "student_name, zoom_url, meeting_id, track_token, leave_token, base_url, "
                        "status, created_at, scheduled_at, expires_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, l.teacher);
    q.bind(2, l.teacher_name);
    q.bind(3, l.teacher_zoom_email);
    q.bind(4, l.student);
    q.bind(5, l.student_name);
    q.bind(6, l.zoom_url);
    q.bind(7, l.meeting_id);
    q.bind(8, l.track_token);
    q.bind(9, l.leave_token);
    q.bind(10, l.base_url);
    q.bind(11, to_string(l.status));
    q.bind(12, format_utc(l.created_at));
    bind_time(q, 13, l.scheduled_at);
    bind_time(q, 14, l.expires_at);
    q.exec();
    return db_->getLastInsertRowid();
  });
}

std::optional<Lesson> Store::find_lesson_where(const char* where, const std::string& value) {
  return guarded(mutex_, [&]() -> std::optional<Lesson> {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM lessons WHERE {} = ?", lesson_columns, where));
    q.bind(1, value);
    if (!q.executeStep()) return std::nullopt;
    return read_lesson(q);
  });
}

std::optional<Lesson> Store::find_lesson(int64_t id) {
  return find_lesson_where("id", std::to_string(id));
}

std::optional<Lesson> Store::find_lesson_by_track_token(const std::string& token) {
  return find_lesson_where("track_token", token);
}

std::optional<Lesson> Store::find_lesson_by_leave_token(const std::string& token) {
  return find_lesson_where("leave_token", token);
}

std::vector<Lesson> Store::list_lessons(const LessonFilter& f) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, fmt::format(
        "SELECT {} FROM lessons WHERE (?1 IS NULL OR status = ?1) AND (?2 = '' OR teacher = ?2) "
        "AND (?3 = '' OR student = ?3) AND (?4 IS NULL OR COALESCE(started_at, created_at) >= ?4) "
        "AND (?5 IS NULL OR COALESCE(started_at, created_at) < ?5) ORDER BY id",
        lesson_columns));
    if (f.status) q.bind(1, to_string(*f.status));
    else q.bind(1);
    q.bind(2, f.teacher);
    q.bind(3, f.student);
    bind_time(q, 4, f.from);
    bind_time(q, 5, f.to);
    return read_lessons(q);
  });
}

std::vector<Lesson> Store::lessons_started_between(TimePoint from, TimePoint to) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM lessons WHERE started_at >= ? AND "
                                          "started_at < ? ORDER BY started_at, id",
                                          lesson_columns));
    q.bind(1, format_utc(from));
    q.bind(2, format_utc(to));
    return read_lessons(q);
  });
}

std::optional<TimePoint> Store::next_start_on_meeting(const Lesson& lesson) {
  return guarded(mutex_, [&]() -> std::optional<TimePoint> {
    SQLite::Statement q(*db_, "SELECT MIN(started_at) FROM lessons WHERE meeting_id = ?1 "
                              "AND id <> ?3 AND status <> 'void' "
                              "AND (started_at > ?2 OR (started_at = ?2 AND id > ?3))");
    q.bind(1, lesson.meeting_id);
    bind_time(q, 2, lesson.started_at);
    q.bind(3, lesson.id);
    q.executeStep();
    return time_column(q.getColumn(0));
  });
}

std::optional<Lesson> Store::previous_lesson_on_meeting(const Lesson& lesson) {
  return guarded(mutex_, [&]() -> std::optional<Lesson> {
    SQLite::Statement q(*db_, fmt::format(
        "SELECT {} FROM lessons WHERE meeting_id = ?1 AND id <> ?3 AND status <> 'void' "
        "AND (started_at < ?2 OR (started_at = ?2 AND id < ?3)) "
        "ORDER BY started_at DESC, id DESC LIMIT 1",
        lesson_columns));
    q.bind(1, lesson.meeting_id);
    bind_time(q, 2, lesson.started_at);
    q.bind(3, lesson.id);
    if (!q.executeStep()) return std::nullopt;
    return read_lesson(q);
  });
}

std::vector<Lesson> Store::lessons_started_on_meeting(const std::string& meeting_id,
                                                      TimePoint from, TimePoint to) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM lessons WHERE meeting_id = ? AND "
                                          "started_at >= ? AND started_at <= ? "
                                          "ORDER BY started_at, id",
                                          lesson_columns));
    q.bind(1, meeting_id);
    q.bind(2, format_utc(from));
    q.bind(3, format_utc(to));
    return read_lessons(q);
  });
}

std::vector<Lesson> Store::lessons_with_status(LessonStatus status) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM lessons WHERE status = ? ORDER BY id",
                                          lesson_columns));
    q.bind(1, to_string(status));
    return read_lessons(q);
  });
}

bool Store::has_lessons_on_meeting(const std::string& meeting_id) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "SELECT EXISTS (SELECT 1 FROM lessons WHERE meeting_id = ?)");
    q.bind(1, meeting_id);
    q.executeStep();
    return q.getColumn(0).getInt() != 0;
  });
}

std::vector<Lesson> Store::unstarted_lessons_on_meeting(const std::string& meeting_id) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM lessons WHERE meeting_id = ? AND "
                                          "started_at IS NULL AND status = 'created' ORDER BY id",
                                          lesson_columns));
    q.bind(1, meeting_id);
    return read_lessons(q);
  });
}

void Store::update_lesson_state(int64_t id, LessonStatus status,
                                const std::optional<TimePoint>& started,
                                const std::optional<TimePoint>& ended,
                                const std::optional<EndSource>& source) {
  guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "UPDATE lessons SET status = ?, started_at = ?, ended_at = ?, "
                              "end_source = ? WHERE id = ?");
    q.bind(1, to_string(status));
    bind_time(q, 2, started);
    bind_time(q, 3, ended);
    if (source) q.bind(4, to_string(*source));
    else q.bind(4);
    q.bind(5, id);
    q.exec();
  });
}

std::vector<LessonCount> Store::count_lessons_by_status() {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "SELECT status, COUNT(*) FROM lessons GROUP BY status ORDER BY status");
    std::vector<LessonCount> counts;
    while (q.executeStep()) counts.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64()});
    return counts;
  });
}

void Store::insert_click(int64_t lesson_id, const Click& c) {
  guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "INSERT INTO clicks (lesson_id, at, ip, user_agent, kind, method) "
                              "VALUES (?,?,?,?,?,?)");
    q.bind(1, lesson_id);
    q.bind(2, format_utc(c.at));
    q.bind(3, c.ip);
    q.bind(4, c.user_agent);
    q.bind(5, c.kind);
    q.bind(6, c.method);
    q.exec();
  });
}

std::vector<Click> Store::clicks_for(int64_t lesson_id) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "SELECT id, at, ip, user_agent, kind, method FROM clicks "
                              "WHERE lesson_id = ? ORDER BY id");
    q.bind(1, lesson_id);
    std::vector<Click> clicks;
    while (q.executeStep()) {
      clicks.push_back({q.getColumn(0).getInt64(), required_time(q.getColumn(1)),
                        q.getColumn(2).getString(), q.getColumn(3).getString(),
                        q.getColumn(4).getString(), q.getColumn(5).getString()});
    }
    return clicks;
  });
}

std::optional<TimePoint> Store::first_real_click(int64_t lesson_id) {
  return guarded(mutex_, [&]() -> std::optional<TimePoint> {
    SQLite::Statement q(*db_, "SELECT MIN(at) FROM clicks WHERE lesson_id = ? AND kind = 'real'");
    q.bind(1, lesson_id);
    q.executeStep();
    return time_column(q.getColumn(0));
  });
}

void Store::insert_end_signal(int64_t lesson_id, const EndSignal& s) {
  guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "INSERT INTO end_signals (lesson_id, source, at, received_at, forced, "
                              "detail) VALUES (?,?,?,?,?,?)");
    q.bind(1, lesson_id);
    q.bind(2, to_string(s.source));
    q.bind(3, format_utc(s.at));
    q.bind(4, format_utc(s.received_at));
    q.bind(5, s.forced ? 1 : 0);
    q.bind(6, s.detail);
    q.exec();
  });
}

std::vector<EndSignal> Store::end_signals_for(int64_t lesson_id) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "SELECT id, source, at, received_at, forced, detail FROM end_signals "
                              "WHERE lesson_id = ? ORDER BY id");
    q.bind(1, lesson_id);
    std::vector<EndSignal> signals;
    while (q.executeStep()) {
      signals.push_back({q.getColumn(0).getInt64(), parse_end_source(q.getColumn(1).getString()),
                         required_time(q.getColumn(2)), required_time(q.getColumn(3)),
                         q.getColumn(4).getInt() != 0, q.getColumn(5).getString()});
    }
    return signals;
  });
}

namespace {

constexpr const char* upsert_segment_sql =
    "INSERT INTO segments (source, meeting_id, meeting_uuid, connection_id, participant_id, "
    "host_id, email, name, join_time, leave_time, leave_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
    // Every merge is commutative, so the row is the same whatever order the deliveries (and
    // re-deliveries that disagree) arrive in: the earliest join, the latest leave with its
    // reason, and for text the greatest value ('' loses to any). "Last write wins" made a
    // lesson's end flip back and forth under a stream of conflicting copies.
    "ON CONFLICT (source, meeting_uuid, connection_id) DO UPDATE SET "
    "meeting_id = MIN(meeting_id, excluded.meeting_id), "
    "participant_id = MAX(participant_id, excluded.participant_id), "
    "host_id = MAX(host_id, excluded.host_id), "
    "email = MAX(email, excluded.email), "
    "name = MAX(name, excluded.name), "
    "join_time = MIN(COALESCE(join_time, excluded.join_time), COALESCE(excluded.join_time, join_time)), "
    "leave_time = MAX(COALESCE(leave_time, excluded.leave_time), COALESCE(excluded.leave_time, leave_time)), "
    "leave_reason = CASE WHEN excluded.leave_time IS NULL THEN leave_reason "
    "  WHEN leave_time IS NULL OR excluded.leave_time > leave_time THEN excluded.leave_reason "
    "  WHEN excluded.leave_time = leave_time THEN MAX(leave_reason, excluded.leave_reason) "
    "  ELSE leave_reason END";

void upsert_segment(SQLite::Database& db, const std::string& meeting_id, const Segment& s,
                    bool is_join) {
  SQLite::Statement q(db, upsert_segment_sql);
  q.bind(1, s.source);
  q.bind(2, meeting_id);
  q.bind(3, s.meeting_uuid);
  q.bind(4, s.connection_id);
  q.bind(5, s.participant_id);
  q.bind(6, s.host_id);
  q.bind(7, s.email);
  q.bind(8, s.name);
  bind_time(q, 9, is_join ? s.join_time : std::nullopt);
  bind_time(q, 10, is_join ? std::nullopt : s.leave_time);
  q.bind(11, is_join ? std::string() : s.leave_reason);
  q.exec();
}

}  // namespace

void Store::record_join(const std::string& meeting_id, const Segment& segment) {
  guarded(mutex_, [&] { upsert_segment(*db_, meeting_id, segment, true); });
}

void Store::record_leave(const std::string& meeting_id, const Segment& segment) {
  guarded(mutex_, [&] { upsert_segment(*db_, meeting_id, segment, false); });
}

std::optional<Segment> Store::find_segment(const std::string& source, const std::string& meeting_uuid,
                                           const std::string& connection_id) {
  return guarded(mutex_, [&]() -> std::optional<Segment> {
    SQLite::Statement q(*db_,
                        "SELECT source, meeting_uuid, connection_id, participant_id, host_id, "
                        "email, name, join_time, leave_time, leave_reason FROM segments "
                        "WHERE source = ? AND meeting_uuid = ? AND connection_id = ?");
    q.bind(1, source);
    q.bind(2, meeting_uuid);
    q.bind(3, connection_id);
    if (!q.executeStep()) return std::nullopt;
    return read_segment(q);
  });
}

std::vector<Segment> Store::segments_between(const std::string& meeting_id, TimePoint from,
                                             const std::optional<TimePoint>& to) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_,
                        "SELECT source, meeting_uuid, connection_id, participant_id, host_id, "
                        "email, name, join_time, leave_time, leave_reason FROM segments "
                        "WHERE meeting_id = ?1 AND (leave_time IS NULL OR leave_time >= ?2) "
                        "AND (?3 IS NULL OR join_time IS NULL OR join_time < ?3) "
                        "ORDER BY join_time, id");
    q.bind(1, meeting_id);
    q.bind(2, format_utc(from));
    bind_time(q, 3, to);
    std::vector<Segment> segments;
    while (q.executeStep()) segments.push_back(read_segment(q));
    return segments;
  });
}

void Store::record_meeting_end(const std::string& meeting_id, const std::string& meeting_uuid,
                               TimePoint end_time) {
  guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "INSERT INTO meeting_ends (meeting_uuid, meeting_id, end_time) "
                              "VALUES (?,?,?) ON CONFLICT (meeting_uuid) DO UPDATE SET "
                              "end_time = MAX(end_time, excluded.end_time)");
    q.bind(1, meeting_uuid);
    q.bind(2, meeting_id);
    q.bind(3, format_utc(end_time));
    q.exec();
  });
}

std::optional<TimePoint> Store::meeting_end_of(const std::string& meeting_uuid) {
  return guarded(mutex_, [&]() -> std::optional<TimePoint> {
    SQLite::Statement q(*db_, "SELECT end_time FROM meeting_ends WHERE meeting_uuid = ?");
    q.bind(1, meeting_uuid);
    if (!q.executeStep()) return std::nullopt;
    return required_time(q.getColumn(0));
  });
}

std::vector<TimePoint> Store::meeting_ends_between(const std::string& meeting_id, TimePoint from,
                                                   const std::optional<TimePoint>& to) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "SELECT end_time FROM meeting_ends WHERE meeting_id = ?1 "
                              "AND end_time >= ?2 AND (?3 IS NULL OR end_time <= ?3) "
                              "ORDER BY end_time");
    q.bind(1, meeting_id);
    q.bind(2, format_utc(from));
    bind_time(q, 3, to);
    std::vector<TimePoint> ends;
    while (q.executeStep()) ends.push_back(required_time(q.getColumn(0)));
    return ends;
  });
}

bool Store::insert_webhook_event(WebhookEventRecord& e) {
  return guarded(mutex_, [&] {
    SQLite::Statement first(*db_, "SELECT id FROM webhook_events WHERE delivery_key = ? "
                                  "AND duplicate_of IS NULL");
    first.bind(1, e.delivery_key);
    std::optional<int64_t> original;
    if (first.executeStep()) original = first.getColumn(0).getInt64();
    if (original) e.outcome = "duplicate";

    SQLite::Statement q(*db_,
                        "INSERT INTO webhook_events (delivery_key, duplicate_of, received_at, "
                        "event, event_ts, meeting_id, meeting_uuid, body, outcome, detail, "
                        "lesson_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, e.delivery_key);
    if (original) q.bind(2, *original);
    else q.bind(2);
    q.bind(3, format_utc(e.received_at));
    q.bind(4, e.event);
    q.bind(5, e.event_ts);
    q.bind(6, e.meeting_id);
    q.bind(7, e.meeting_uuid);
    // A duplicate's body is the original's: keep one copy.
    q.bind(8, original ? std::string() : e.body);
    q.bind(9, e.outcome);
    q.bind(10, original ? fmt::format("same delivery as event {}", *original) : e.detail);
    if (e.lesson_id) q.bind(11, *e.lesson_id);
    else q.bind(11);
    q.exec();
    e.id = db_->getLastInsertRowid();
    return !original;
  });
}

void Store::set_webhook_outcome(int64_t id, const std::string& outcome, const std::string& detail,
                                std::optional<int64_t> lesson_id) {
  guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "UPDATE webhook_events SET outcome = ?, detail = ?, lesson_id = ? "
                              "WHERE id = ?");
    q.bind(1, outcome);
    q.bind(2, detail);
    if (lesson_id) q.bind(3, *lesson_id);
    else q.bind(3);
    q.bind(4, id);
    q.exec();
  });
}

namespace {
constexpr const char* event_columns =
    "id, delivery_key, received_at, event, event_ts, meeting_id, meeting_uuid, outcome, detail, "
    "lesson_id, body";
}

std::vector<WebhookEventRecord> Store::list_webhook_events(const std::string& outcome,
                                                           bool with_body) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM webhook_events WHERE ?1 = '' OR "
                                          "outcome = ?1 ORDER BY id",
                                          event_columns));
    q.bind(1, outcome);
    std::vector<WebhookEventRecord> events;
    while (q.executeStep()) events.push_back(read_event(q, with_body));
    return events;
  });
}

std::vector<WebhookEventRecord> Store::webhook_events_for(int64_t lesson_id) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM webhook_events WHERE lesson_id = ? "
                                          "ORDER BY id",
                                          event_columns));
    q.bind(1, lesson_id);
    std::vector<WebhookEventRecord> events;
    while (q.executeStep()) events.push_back(read_event(q, false));
    return events;
  });
}

std::optional<WebhookEventRecord> Store::find_webhook_event(int64_t id) {
  return guarded(mutex_, [&]() -> std::optional<WebhookEventRecord> {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM webhook_events WHERE id = ?", event_columns));
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return read_event(q, true);
  });
}

void Store::insert_audit(int64_t lesson_id, const AuditEntry& a) {
  guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "INSERT INTO audit (lesson_id, at, who, source, action, old_value, "
                              "new_value, reason) VALUES (?,?,?,?,?,?,?,?)");
    q.bind(1, lesson_id);
    q.bind(2, format_utc(a.at));
    q.bind(3, a.who);
    q.bind(4, a.source);
    q.bind(5, a.action);
    q.bind(6, a.old_value);
    q.bind(7, a.new_value);
    q.bind(8, a.reason);
    q.exec();
  });
}

std::vector<AuditEntry> Store::audit_for(int64_t lesson_id) {
  return guarded(mutex_, [&] {
    SQLite::Statement q(*db_, "SELECT id, at, who, source, action, old_value, new_value, reason "
                              "FROM audit WHERE lesson_id = ? ORDER BY id");
    q.bind(1, lesson_id);
    std::vector<AuditEntry> entries;
    while (q.executeStep()) {
      entries.push_back({q.getColumn(0).getInt64(), required_time(q.getColumn(1)),
                         q.getColumn(2).getString(), q.getColumn(3).getString(),
                         q.getColumn(4).getString(), q.getColumn(5).getString(),
                         q.getColumn(6).getString(), q.getColumn(7).getString()});
    }
    return entries;
  });
}

}  // namespace zt
