#pragma once
// The only owner of SQL. One SQLite file in WAL mode; every multi-statement write runs inside
// Store::write, one IMMEDIATE transaction, so readers never see half a change.
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/lesson.hpp"

namespace SQLite {
class Database;
}

namespace zt {

struct LessonFilter {
  std::optional<LessonStatus> status;
  std::string teacher;
  std::string student;
  std::optional<TimePoint> from;  // by start, or by creation for lessons not started
  std::optional<TimePoint> to;
};

struct StoreOptions {
  int busy_timeout_ms = 10000;
};

// The counts /metrics and healthz read.
struct LessonCount {
  std::string status;
  int64_t count = 0;
};

class Store {
 public:
  static constexpr int schema_version = 1;

  explicit Store(const std::string& path, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  // Runs `body` atomically and durably: its changes are committed (fsync'd) when write returns,
  // and rolled back when it throws. Concurrent writers share one transaction and one fsync
  // (group commit), each body in its own savepoint, so a failing body undoes only itself.
  // A write inside a body joins the body's transaction.
  void write(const std::function<void()>& body);
  // Runs `action` once the current write's changes are committed; never if they roll back.
  // Outside a write it runs at once. Actions must not throw or write to the store.
  void after_commit(std::function<void()> action);

  bool healthy();

  // Lessons.
  int64_t insert_lesson(const Lesson& lesson);
  std::optional<Lesson> find_lesson(int64_t id);
  std::optional<Lesson> find_lesson_by_track_token(const std::string& token);
  std::optional<Lesson> find_lesson_by_leave_token(const std::string& token);
  std::vector<Lesson> list_lessons(const LessonFilter& filter);
  std::vector<Lesson> lessons_started_between(TimePoint from, TimePoint to);
  // The neighbours of a lesson on its meeting, ordered by (started_at, id).
  std::optional<TimePoint> next_start_on_meeting(const Lesson& lesson);
  std::optional<Lesson> previous_lesson_on_meeting(const Lesson& lesson);
  std::vector<Lesson> lessons_started_on_meeting(const std::string& meeting_id, TimePoint from,
                                                 TimePoint to);
  std::vector<Lesson> lessons_with_status(LessonStatus status);
  // Every lesson on a meeting, whatever its status, by id: whether a webhook has a lesson at all.
  bool has_lessons_on_meeting(const std::string& meeting_id);
  std::vector<Lesson> unstarted_lessons_on_meeting(const std::string& meeting_id);  // status created
  void update_lesson_state(int64_t id, LessonStatus status, const std::optional<TimePoint>& started,
                           const std::optional<TimePoint>& ended,
                           const std::optional<EndSource>& source);
  std::vector<LessonCount> count_lessons_by_status();

  // Clicks and end signals.
  void insert_click(int64_t lesson_id, const Click& click);
  std::vector<Click> clicks_for(int64_t lesson_id);
  std::optional<TimePoint> first_real_click(int64_t lesson_id);
  void insert_end_signal(int64_t lesson_id, const EndSignal& signal);
  std::vector<EndSignal> end_signals_for(int64_t lesson_id);

  // Zoom participants and meeting instances, keyed by meeting, not by lesson.
  void record_join(const std::string& meeting_id, const Segment& segment);
  void record_leave(const std::string& meeting_id, const Segment& segment);
  // One connection's segment as stored (merged from every delivery), if any.
  std::optional<Segment> find_segment(const std::string& source, const std::string& meeting_uuid,
                                      const std::string& connection_id);
  std::vector<Segment> segments_between(const std::string& meeting_id, TimePoint from,
                                        const std::optional<TimePoint>& to);
  void record_meeting_end(const std::string& meeting_id, const std::string& meeting_uuid,
                          TimePoint end_time);
  // The end stored for one meeting instance (the latest reported), if any.
  std::optional<TimePoint> meeting_end_of(const std::string& meeting_uuid);
  std::vector<TimePoint> meeting_ends_between(const std::string& meeting_id, TimePoint from,
                                              const std::optional<TimePoint>& to);

  // Webhook deliveries. insert_webhook_event returns false (and stores a "duplicate" row) when
  // a delivery with the same key was stored before.
  bool insert_webhook_event(WebhookEventRecord& event);
  void set_webhook_outcome(int64_t id, const std::string& outcome, const std::string& detail,
                           std::optional<int64_t> lesson_id);
  std::vector<WebhookEventRecord> list_webhook_events(const std::string& outcome, bool with_body);
  std::vector<WebhookEventRecord> webhook_events_for(int64_t lesson_id);
  // One stored event with its raw body.
  std::optional<WebhookEventRecord> find_webhook_event(int64_t id);

  // Audit trail: every transition and staff correction.
  void insert_audit(int64_t lesson_id, const AuditEntry& entry);
  std::vector<AuditEntry> audit_for(int64_t lesson_id);

 private:
  void migrate();
  std::optional<Lesson> find_lesson_where(const char* sql, const std::string& value);

  struct PendingWrite;
  void commit_batch(const std::vector<PendingWrite*>& batch);

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  std::recursive_mutex mutex_;  // the connection

  std::mutex queue_mutex_;  // the group-commit queue below
  std::condition_variable queue_changed_;
  std::vector<PendingWrite*> queue_;
  bool committing_ = false;
};

}  // namespace zt
