#pragma once
// The only owner of SQL. The database is a SQLite file (WAL mode) or, given a postgresql://
// URL, a PostgreSQL database that several zoomtrack processes share. Writes go through one
// writer connection inside Store::write (one transaction, group-committed; on PostgreSQL it
// also takes a lock that orders the writes of every process, as SQLite's file lock does), so
// readers never see half a change; reads outside a write use a pool of reader connections and
// never wait for the writer's commit.
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/rules/lesson.hpp"
#include "core/rules/pay.hpp"
#include "core/rules/pay_period.hpp"
#include "core/store/sql.hpp"

namespace zt {

struct LessonFilter {
  std::vector<LessonStatus> statuses;  // any of these; all when empty
  std::string teacher;
  std::string student;
  std::string ref;
  std::optional<TimePoint> from;  // by start, or by creation for lessons not started
  std::optional<TimePoint> to;
  // For a list that shows no links: the Zoom URL, tokens, base URL and teacher email come back
  // empty instead of being read for every row.
  bool without_links = false;
};

// The lessons a report reads: started in [from, to), not void; one teacher's or student's when
// given.
struct ReportFilter {
  TimePoint from{};
  TimePoint to{};
  std::string teacher;
  std::string student;
  bool first_clicks = false;  // look up each scheduled lesson's first real click (lateness)
};

// A lesson as a report reads it, with its student's first real click when the filter asks for it
// and the lesson was scheduled (lateness; nothing is looked up for the others).
struct ReportLesson {
  Lesson lesson;
  std::optional<TimePoint> first_real_click;
  std::optional<Pay> locked_pay = {};  // a lesson a closed period holds: what it froze
};

struct StoreOptions {
  int busy_timeout_ms = 10000;
  // Off for the commands that only read: a mistyped --db must not create an empty database.
  bool create = true;
  // Reader connections open at once, at most: a PostgreSQL connection is a server process.
  // 0: as many as threads read at once (SQLite's are cheap); PostgreSQL's default is 16.
  size_t max_readers = 0;
};

// The counts /metrics and healthz read.
struct LessonCount {
  std::string status;
  int64_t count = 0;
};

// One lesson as verify replays it: its row (none when the row is gone) and the audit rows that
// name it, by id.
struct LessonTrail {
  int64_t lesson_id = 0;
  std::optional<Lesson> lesson;
  std::vector<AuditRow> audit;
};

class Store {
 public:
  static constexpr int schema_version = 10;

  // `path`: a SQLite file, or a postgresql:// (postgres://) URL.
  explicit Store(const std::string& path, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The --db as given, with a URL's password masked: fit for messages.
  const std::string& path() const { return path_; }
  SqlEngine engine() const { return engine_kind_; }

  // How a write's body is ordered with the writes of other processes on the same database.
  enum class WriteOrder {
    // Ordered from its first statement: what it reads is what the writes before it made.
    serial,
    // Not ordered until it calls order_writes(): it reads first, and only asks to be ordered
    // when what it read says it has something to decide. A body that only adds a fact nobody
    // decides on (a repeated click) then waits for no other process.
    when_asked,
  };

  // Runs `body` atomically and durably: its changes are committed (fsync'd) when write returns,
  // and rolled back when it throws. Concurrent writers share one transaction and one fsync
  // (group commit); a failing body undoes only itself. A write inside a body joins the body's
  // transaction.
  void write(const std::function<void()>& body, WriteOrder order = WriteOrder::serial);
  // Inside a WriteOrder::when_asked body: from now on it is ordered with every other writer.
  // True when what it read before may have changed meanwhile (read it again); false when it
  // could not have (SQLite: one writer at a time) or the body was ordered already.
  bool order_writes();
  // Runs `action` once the current write's changes are committed; never if they roll back.
  // Outside a write it runs at once. Actions must not throw or write to the store.
  void after_commit(std::function<void()> action);
  // Inside a write: runs `body` in its own savepoint. When it throws, only its changes (and its
  // after_commit actions) are undone and the exception is rethrown; the write goes on.
  void attempt(const std::function<void()>& body);

  // Held while one run of a job (reconcile) goes on, in whichever process: a second run asking
  // for the same job waits up to `wait`, then gets nullptr. Released when destroyed.
  class RunLock {
   public:
    virtual ~RunLock() = default;
  };
  std::unique_ptr<RunLock> lock_run(const std::string& job, std::chrono::milliseconds wait);

  // A write that changes nothing but must reach the disk: does the database take writes now?
  void probe_write(TimePoint now);

  // Lessons.
  int64_t insert_lesson(const Lesson& lesson);
  std::optional<Lesson> find_lesson(int64_t id);
  std::optional<Lesson> find_lesson_by_track_token(const std::string& token);
  std::optional<Lesson> find_lesson_by_leave_token(const std::string& token);
  std::optional<Lesson> find_lesson_by_ref(const std::string& ref);
  // A lesson not started yet with the same teacher, student, Zoom URL and scheduled time.
  std::optional<Lesson> find_unstarted_twin(const Lesson& lesson);
  std::vector<Lesson> list_lessons(const LessonFilter& filter);
  // Streams the lessons one at a time (memory does not grow with their number), by id.
  void for_each_lesson(const LessonFilter& filter, const std::function<void(const Lesson&)>& visit);
  // Streams a report's lessons (started in [from, to), not void) by (start, id), as they are
  // paid: a lesson a closed pay period holds is read as the period locked it (and only where its
  // locked start falls), the others as they are now. Filtered in SQL, through an index on
  // teacher or student when one is given.
  void for_each_report_lesson(const ReportFilter& filter, const std::function<void(const ReportLesson&)>& visit);
  // Ids of lessons in `status`, after `after_id`, by id, at most `limit`: reconcile's batches.
  std::vector<int64_t> lesson_ids_with_status(LessonStatus status, int64_t after_id, int limit);
  // The neighbours of a lesson on its meeting, ordered by (started_at, id).
  std::optional<TimePoint> next_start_on_meeting(const Lesson& lesson);
  std::optional<Lesson> previous_lesson_on_meeting(const Lesson& lesson);
  std::vector<Lesson> lessons_started_on_meeting(const std::string& meeting_id, TimePoint from,
                                                 TimePoint to);
  // Every lesson on a meeting, whatever its status, by id: whether a webhook has a lesson at all.
  bool has_lessons_on_meeting(const std::string& meeting_id);
  // Status created, or no_show (a student who comes after all still starts it).
  std::vector<Lesson> unstarted_lessons_on_meeting(const std::string& meeting_id);
  void update_lesson_state(int64_t id, LessonStatus status, const std::optional<TimePoint>& started,
                           const std::optional<TimePoint>& ended, const std::optional<EndSource>& source,
                           const std::optional<StartSource>& start_source, const Presence& presence);
  // The earliest scheduled time after this lesson's of another lesson on its meeting (not void):
  // where this lesson's window for a start from Zoom closes.
  std::optional<TimePoint> next_scheduled_on_meeting(const Lesson& lesson);
  std::vector<LessonCount> count_lessons_by_status();
  // The newest lessons after `after_id` that a click may still reach (not void, expired or
  // final), newest first, at most `limit`: serve keeps their links for when it cannot read.
  std::vector<Lesson> newest_clickable_lessons(int64_t after_id, int limit);

  // Clicks and end signals. A click replayed from the spool carries its spool id: inserting it
  // a second time returns false and stores nothing.
  bool insert_click(int64_t lesson_id, const Click& click, const std::string& spool_id = "");
  std::vector<Click> clicks_for(int64_t lesson_id);
  std::optional<TimePoint> first_real_click(int64_t lesson_id);
  void insert_end_signal(int64_t lesson_id, const EndSignal& signal);
  std::vector<EndSignal> end_signals_for(int64_t lesson_id);

  // Zoom participants and meeting instances, keyed by meeting, not by lesson.
  // Merges what a delivery tells of one connection into its segment (merge_segments) and
  // returns the segment as stored before, if it was, and as stored now.
  struct SegmentMerge {
    std::optional<Segment> before;
    Segment merged;
  };
  SegmentMerge record_segment(const std::string& meeting_id, const Segment& delivered);
  std::vector<Segment> segments_between(const std::string& meeting_id, TimePoint from,
                                        const std::optional<TimePoint>& to);
  // The teacher's connections only (the host, or the lesson's teacher email or name), through
  // indexes: a meeting's crowd of other participants costs nothing here.
  std::vector<Segment> teacher_segments_between(const std::string& meeting_id, TimePoint from,
                                                const std::optional<TimePoint>& to,
                                                const std::string& teacher_email,
                                                const std::string& teacher_name);
  void record_meeting_end(const std::string& meeting_id, const std::string& meeting_uuid,
                          TimePoint end_time);
  // The end stored for one meeting instance (the latest reported), if any.
  std::optional<TimePoint> meeting_end_of(const std::string& meeting_uuid);
  std::vector<TimePoint> meeting_ends_between(const std::string& meeting_id, TimePoint from,
                                              const std::optional<TimePoint>& to);

  // Webhook deliveries. When a delivery with the same key was stored before, stores this one as
  // a "duplicate" row (without its body) and returns true; a new delivery stores nothing here.
  bool insert_webhook_duplicate(WebhookEventRecord& event);
  // Stores a new delivery as it is, outcome included; sets its id.
  void insert_webhook_event(WebhookEventRecord& event);
  void set_webhook_outcome(int64_t id, const std::string& outcome, const std::string& detail,
                           std::optional<int64_t> lesson_id);
  std::vector<WebhookEventRecord> list_webhook_events(const std::string& outcome, bool with_body);
  std::vector<WebhookEventRecord> webhook_events_for(int64_t lesson_id);
  // One stored event with its raw body.
  std::optional<WebhookEventRecord> find_webhook_event(int64_t id);

  // The Telegram outbox (store_telegram.cpp). A new delivery is queued and due at `now`.
  int64_t insert_telegram_delivery(int64_t lesson_id, const std::string& role, const std::string& chat,
                                   TimePoint now);
  // Claims up to `limit` queued deliveries due at `now`, oldest due first (only those in `ids`
  // when it is not empty): none of them is due again before `lease_until`, so another sender
  // does not take them meanwhile. In one write.
  std::vector<TelegramDelivery> claim_telegram_deliveries(TimePoint now, TimePoint lease_until, size_t limit,
                                                          const std::vector<int64_t>& ids);
  // Stores an attempt's result: state, attempts, next_attempt_at, sent_at, message_id, last_error.
  void record_telegram_attempt(const TelegramDelivery& delivery);
  // Claimed deliveries not attempted: due again at `due`.
  void release_telegram_deliveries(const std::vector<int64_t>& ids, TimePoint due);
  // A 429 slows the whole outbox: no queued delivery is due before `until`.
  void delay_telegram_outbox(TimePoint until);
  std::vector<TelegramDelivery> telegram_deliveries_for(int64_t lesson_id);
  std::vector<TelegramDelivery> telegram_deliveries(const std::vector<int64_t>& ids);
  int64_t count_queued_telegram_deliveries();
  // When the next queued delivery (of `ids`, when not empty) is due.
  std::optional<TimePoint> next_telegram_due(const std::vector<int64_t>& ids);

  // Audit trail: every transition and staff correction, and every pay period's close and reopen.
  // Each row is hash-chained to the one before it (see audit_hash).
  void insert_audit(int64_t lesson_id, const AuditEntry& entry);
  void insert_period_audit(int64_t period_id, const AuditEntry& entry);
  std::vector<AuditEntry> audit_for(int64_t lesson_id);
  // Every row of the trail, by id: what verify walks.
  void for_each_audit_row(const std::function<void(const AuditRow&)>& visit);
  // The newest row's id and hash; {0, ""} for an empty trail.
  std::pair<int64_t, std::string> audit_head();
  // Every lesson id that has a row or audit rows, ascending, with both: lessons by id and their
  // audit rows by (lesson_id, id), merged in one read snapshot through the primary key and
  // audit_by_lesson. Memory holds one lesson's trail at a time, however many lessons there are.
  void for_each_lesson_trail(const std::function<void(const LessonTrail&)>& visit);

  // Staff start corrections (sessions start).
  void insert_start_signal(int64_t lesson_id, const StartSignal& signal);
  std::vector<StartSignal> start_signals_for(int64_t lesson_id);

  // Pay periods.
  std::vector<PayPeriod> closed_periods_overlapping(TimePoint from, TimePoint to);
  std::optional<PayPeriod> closed_period_containing(TimePoint t);
  std::optional<PayPeriod> find_period(int64_t id);
  std::vector<PayPeriod> list_periods();
  // A new closed period with zero totals: set_period_totals fills them once its lessons are locked.
  int64_t insert_period(const PayPeriod& period);
  void set_period_totals(const PayPeriod& period);
  void mark_period_reopened(int64_t id, TimePoint at, const std::string& who, const std::string& reason);
  // The lessons that started in [from, to) and no closed period holds: what a close locks.
  std::vector<Lesson> unlocked_lessons_started_between(TimePoint from, TimePoint to);
  // `listed`: one of the period's report rows (false for void lessons, and for lessons whose
  // start moved into the period after it closed: those are paid by adjustments).
  // Frozen with the lesson: what it pays (`pay`, under `pay_policy`, to_string(PayPolicy)) and
  // the figures that pay was computed from.
  void insert_period_lesson(int64_t period_id, const Lesson& lesson, bool listed, const Pay& pay,
                            const std::string& pay_policy);
  std::optional<LessonLock> lock_of(int64_t lesson_id);
  void for_each_lock(const std::function<void(int64_t lesson_id, const LessonLock&)>& visit);
  void insert_adjustment(const Adjustment& adjustment);
  // Adjustments paid in [from, to), by time; withdrawn ones (their period was reopened) are gone.
  void for_each_adjustment_between(TimePoint from, TimePoint to, const std::function<void(const Adjustment&)>& visit);
  std::vector<Adjustment> adjustments_for_period_lessons(int64_t period_id);
  std::vector<Adjustment> adjustments_for_lesson(int64_t lesson_id);
  void withdraw_adjustments_for_period_lessons(int64_t period_id, TimePoint at);

  // Writes a consistent copy of the whole database to `path` (a new SQLite file): with SQLite's
  // online backup API, or from PostgreSQL with copy_into. One read snapshot, so writers go on
  // meanwhile. The copy is one self-contained file (rollback journal, no -wal) and has passed
  // PRAGMA integrity_check when this returns.
  void copy_to(const std::string& path);
  // Copies every row, ids and audit hashes as they are, into `target`, which must hold no
  // lesson, event or period yet (either engine): one read snapshot of this database, one write
  // of the target. Returns the rows copied per table.
  std::vector<std::pair<std::string, int64_t>> copy_into(Store& target);

  // A connection and a statement borrowed from it: defined in store_internal.hpp, for the
  // store's own files only.
  class Connection;
  class Query;
  class Engine;

 private:
  struct PendingWrite;

  std::optional<Lesson> find_lesson_where(const std::string& sql, const std::string& value);
  void lead_batch();
  void commit_batch(const std::vector<std::shared_ptr<PendingWrite>>& batch);
  std::exception_ptr try_commit_batch(const std::vector<std::shared_ptr<PendingWrite>>& batch);
  // Runs `body` on the writer inside this thread's write, else on a pooled reader connection.
  template <class F>
  auto read(F&& body);
  // Runs `body` on the writer: inside this thread's write, or in a write of its own.
  template <class F>
  auto change(F&& body);
  // A reader from the pool, or a new one while fewer than options_.max_readers are open; else
  // waits for one, up to the busy timeout.
  std::unique_ptr<Connection> take_reader();
  void give_back_reader(std::unique_ptr<Connection> reader);
  // The writer connection, opened again first when its server went away.
  Connection& writer();

  std::string path_;
  StoreOptions options_;
  SqlEngine engine_kind_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Connection> writer_;
  std::mutex writer_mutex_;  // the writer connection, held by the batch being committed
  bool batch_ordered_ = false;  // the batch being committed has been ordered (order_writes)

  std::mutex readers_mutex_;  // the idle reader connections below, and their count
  std::condition_variable reader_returned_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  size_t open_readers_ = 0;

  std::mutex queue_mutex_;  // the group-commit queue below
  std::vector<std::shared_ptr<PendingWrite>> queue_;
  bool committing_ = false;  // a leader is committing a batch, or about to take the queue
};

}  // namespace zt
