#pragma once
// What zoomtrack does with lessons: create them, take clicks and end signals, correct them.
// Every change goes through refresh(), which re-derives the lesson from its facts with
// lesson_rules and writes the transition and its cause in the same transaction.
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/rules/click_filter.hpp"
#include "core/services/click_spool.hpp"
#include "core/rules/lesson.hpp"
#include "core/rules/lesson_rules.hpp"
#include "core/store/store.hpp"

namespace zt {

class Error;

struct ServiceOptions {
  std::string base_url = "http://127.0.0.1:8080";
  Seconds grace = default_grace;
  Seconds link_lifetime = std::chrono::days{7};  // expires_at when none is given
  Seconds max_lesson = default_max_lesson;  // longer lessons go to needs_review, never paid as is
  PayPolicy pay_policy = {};  // what lessons outside closed periods pay (sessions show, period close)
  std::string spool_path = {};  // the click spool; empty: spool_path_for(the database)
};

// Why a lesson changed, for the audit trail.
struct Cause {
  std::string source;  // "click", "leave_url", "webhook", "zoom_api", "reconcile", "manual", "handover"
  std::string reason;
  std::string who = "zoomtrack";
};

// Told about every transition once it is committed (never about one rolled back): serve logs
// them. It must not throw.
using TransitionHook = std::function<void(const Lesson& before, const LessonState& after, const Cause& cause)>;
// Told what an operator must know at once (a click spooled because the database cannot write).
using WarningHook = std::function<void(const std::string& message)>;

struct ClickRequest {
  bool is_head = false;
  bool explicit_open = false;  // ?open=1 from the preview page
  std::string user_agent;
  std::string ip;
  RequestSignals signals = {};  // its Fetch Metadata and purpose headers; secure_origin is the service's to say
};

struct ClickOutcome {
  ClickKind kind = ClickKind::preview;
  Lesson lesson;         // after the click
  bool spooled = false;  // the database could not take it: it waits in the click spool
};

// Whether the database takes writes now, and how many clicks wait in the spool.
struct StorageHealth {
  bool takes_writes = false;
  size_t spooled_clicks = 0;  // in the spool file and held in memory
  size_t held_clicks = 0;     // of those, held in memory: not even the spool could be written
  bool spool_reserve_held = true;
  std::string problem;  // why it does not take writes
  bool ok() const { return takes_writes && spooled_clicks == 0 && spool_reserve_held; }
};

struct CreateOptions {
  // Store a lesson even when one not started yet has the same teacher, student, Zoom URL and
  // scheduled time (a real second lesson, not a retried command).
  bool allow_duplicate = false;
};

struct CreatedLesson {
  Lesson lesson;
  bool existing = false;  // its ref named a lesson stored before: nothing new was stored
};

struct LessonDetail {
  Lesson lesson;
  Pay pay;               // under the policy in force: the frozen one for a lesson a closed period holds
  PayPolicy pay_policy;
  std::string pay_sentence;  // explain_pay
  std::vector<Click> clicks;
  std::vector<EndSignal> end_signals;
  std::vector<WebhookEventRecord> events;
  std::vector<Segment> segments;
  std::vector<AuditEntry> audit;
  std::vector<TelegramDelivery> telegram;
};
void to_json(nlohmann::json& j, const LessonDetail& detail);

// A caller's --ref as it is stored and looked up: trimmed; throws invalid_argument for control or
// bidi characters and bytes that are not UTF-8.
std::string normalized_ref(std::string_view ref);

// Validates the rows and builds the lessons they describe, not stored yet; errors name their row
// when there are several. Needs no database: a refused command need not open (or create) one.
std::vector<Lesson> build_lessons(const std::vector<NewLesson>& rows, const ServiceOptions& options,
                                  TimePoint now);

class LessonService {
 public:
  LessonService(Store& store, const Clock& clock, ServiceOptions options);

  // Validates every row before storing any; stores all of them in one transaction, or none.
  // A row whose ref names a stored lesson with the same fields gives that lesson back (a
  // retry); with other fields it is a conflict. A row without a ref that repeats a lesson not
  // started yet is a conflict unless options.allow_duplicate.
  std::vector<CreatedLesson> create_lessons(const std::vector<NewLesson>& rows, CreateOptions options = {});

  // Throws not_found for an unknown token (writing nothing) and gone for a void or expired
  // lesson. The click, and the lesson's start for the first real one, are committed in one
  // transaction before this returns; when the database cannot take it, the click is spooled.
  ClickOutcome record_click(const std::string& track_token, const ClickRequest& request);

  // Whether the request is a person's (real) or a preview, as record_click decides it: the links' scheme says whether
  // browsers send Fetch Metadata. For the checkout link and for a click on a dead link.
  ClickKind classify(const ClickRequest& request) const;

  // Stores the spooled clicks, each once in its own savepoint, and empties the spool; a click
  // that cannot be stored (unknown token, impossible time, invalid field) goes to the rejected
  // file with its reason. Clicks held in memory are spooled first; the spool's reserve is
  // topped up. Throws busy or storage when the database still cannot write.
  SpoolReplay replay_spool();
  // serve, at start and then now and again: remembers the newest links that can still be
  // clicked (up to max_known_links; afterwards only those created since), so that their clicks
  // reach Zoom even while the database cannot be read.
  void remember_recent_links();
  // Replays the spool when it holds clicks, then probes the database with a write.
  StorageHealth check_storage();
  // In the spool file, and held in memory because not even the spool could be written.
  size_t spooled_clicks() const { return spool_.pending() + held_clicks(); }
  size_t held_clicks() const;
  size_t rejected_spool_lines() const { return spool_.rejected_lines(); }
  std::string rejected_spool_path() const { return spool_.rejected_path(); }
  // serve: keeps `bytes` allocated for the spool, so that a full disk still takes clicks.
  bool keep_spool_reserve(size_t bytes) { return spool_.keep_reserve(bytes); }
  bool spool_reserve_held() const { return spool_.reserve_held(); }

  // The teacher's checkout. Throws not_found, gone, or conflict when the student never clicked.
  // The first press is the checkout end; pressing again (or a reload re-sending the form) is
  // recorded and moves nothing. A final lesson records nothing and stays as it is.
  Lesson record_leave(const std::string& leave_token);
  // The lesson a checkout link names, for its confirmation page; nullopt for an unknown token.
  std::optional<Lesson> find_by_leave_token(const std::string& leave_token) {
    return store_.find_lesson_by_leave_token(leave_token);
  }

  // `link send`: queues the lesson's links for Telegram again, to the chats given or, without
  // any, to the chats they went to last time. Returns the new deliveries' ids. Throws conflict
  // for a void or expired lesson.
  std::vector<int64_t> send_telegram_again(int64_t id, std::string student_chat, std::string teacher_chat);

  Lesson get(int64_t id);
  LessonDetail detail(int64_t id);
  std::vector<Lesson> list(const LessonFilter& filter);
  // The same, one at a time: memory does not grow with the number of lessons.
  void for_each(const LessonFilter& filter, const std::function<void(const Lesson&)>& visit) {
    store_.for_each_lesson(filter, visit);
  }

  // Staff corrections, audited. A manual end over a webhook or Zoom API end needs `force`.
  Lesson end_manually(int64_t id, TimePoint at, const std::string& reason, const std::string& who,
                      bool force);
  Lesson void_lesson(int64_t id, const std::string& reason, const std::string& who);
  // The student reached Zoom without clicking: staff set the start. Over a real click it needs
  // `force`. The latest staff start stands until the next one (see resolve_start).
  Lesson start_manually(int64_t id, TimePoint at, const std::string& reason, const std::string& who,
                        bool force);
  // Undoes a void: the lesson is re-derived from its facts.
  Lesson restore(int64_t id, const std::string& reason, const std::string& who);

  // Re-derives a lesson from its facts; writes and audits the change. Call inside Store::write.
  Lesson refresh(const Lesson& lesson, const Cause& cause);
  // refresh() for a lesson whose facts did not change: only time can move it on then (see
  // settles_with_time), so it reads them only when time has. Inside Store::write.
  Lesson settle(const Lesson& lesson, const Cause& cause);
  // Moves a lesson to a status that only time decides (expired, needs_review). Inside write.
  Lesson set_status(const Lesson& lesson, LessonStatus status, const Cause& cause);

  // A booked lesson nobody started, as the no-show rule sees it: how long its teacher was in the
  // meeting in its window so far, and whether they still are. None when its student came (a
  // click, or anyone who counts as the student in Zoom) or it was not booked.
  struct TeacherWait {
    int64_t waited_s = 0;
    bool still_in = false;
    bool window_over = false;
  };
  std::optional<TeacherWait> teacher_wait(const Lesson& lesson);
  // Reconcile's no-show: the teacher waited `waited_s` for a student who never came. Inside write.
  Lesson set_no_show(const Lesson& lesson, int64_t waited_s, const Cause& cause);

  // A setter rather than a ServiceOptions field, so that brace-initialised options stay valid.
  void set_transition_hook(TransitionHook hook) { on_transition_ = std::move(hook); }
  void set_warning_hook(WarningHook hook) { on_warning_ = std::move(hook); }

  LessonFacts facts_for(const Lesson& lesson);
  // The policy a lesson is paid under: the one its closed period froze, else the school's.
  PayPolicy policy_for(int64_t lesson_id);
  Store& store() { return store_; }
  const Clock& clock() const { return clock_; }
  const ServiceOptions& options() const { return options_; }

 private:
  // Inside a write: the lesson a row names by its ref, or the row stored as a new lesson.
  CreatedLesson store_new_lesson(const NewLesson& row, Lesson lesson, CreateOptions options, TimePoint now);
  // Inside a write: one outbox row per chat given.
  std::vector<int64_t> queue_telegram(int64_t lesson_id, const std::string& student_chat,
                                      const std::string& teacher_chat, TimePoint now);
  // Inside a write: stores one click on the lesson (read inside the same write) and, for the
  // earliest real one, the lesson's start.
  Lesson apply_click(Lesson lesson, const Click& click, const std::string& spool_id);
  // Inside a write: one spooled click, checked as any signal is. Throws when it is refused.
  void store_spooled(const SpooledClick& spooled, TimePoint now);
  // Spools a click the database could not take; when even the spool cannot be written, holds
  // it in memory (bounded) and says so loudly. Throws storage only when memory is full too.
  void spool_or_hold(const SpooledClick& spooled, int64_t lesson_id, const std::string& why);
  // Moves the clicks held in memory to the spool, oldest first; when the spool still cannot be
  // written, stores them in the database directly. Throws when neither takes them.
  void store_held_clicks(TimePoint now);
  // What the spool is for: the database is there but cannot take a write now (busy, storage).
  static bool cannot_write_now(const Error& e);
  // Inside its own write: each click in its own savepoint. Returns why each was refused ("" when
  // stored); throws busy or storage when the database cannot take the batch.
  std::vector<std::string> store_spooled_batch(const std::vector<SpooledClick>& clicks, TimePoint now);
  // A lesson's start ends its meeting's previous lesson (a handover): when a start appears,
  // moves, is voided or restored, the lesson before it is re-derived too. Inside a write.
  void refresh_previous(const Lesson& lesson, const Cause& cause);
  // When the lesson may start from Zoom, the first moment teacher and student were both in the
  // meeting in its window, before `click` (a real click earlier than that stays the start).
  std::optional<TimePoint> zoom_start_of(const Lesson& lesson, const std::optional<TimePoint>& click);
  // [scheduled_at − presence_lead, until): where a booked lesson may start from Zoom.
  std::pair<TimePoint, TimePoint> zoom_window(const Lesson& lesson);
  // The meeting's participants in [from, to) who are not the lesson's teacher, and its teacher's.
  std::vector<Segment> others_between(const Lesson& lesson, TimePoint from, const std::optional<TimePoint>& to);
  std::vector<Segment> teacher_between(const Lesson& lesson, TimePoint from, const std::optional<TimePoint>& to);
  // Throws not_found unless a lesson has this tracking token; remembers the ones found.
  void require_known_track_token(const std::string& token);
  void audit_transition(const Lesson& before, const LessonState& after, const Cause& cause);
  // Writes the lesson's new state and its audit row; a lesson a closed pay period holds whose
  // pay changes gets an adjustment in the same transaction.
  Lesson apply_state(const Lesson& before, const LessonState& after, const Cause& cause);
  void settle_locked_pay(const Lesson& before, const Lesson& after, const Cause& cause);
  Lesson require(int64_t id);

  Store& store_;
  const Clock& clock_;
  ServiceOptions options_;
  TransitionHook on_transition_;
  WarningHook on_warning_;
  ClickSpool spool_;
  // Clicks that not even the spool could take (not a byte left on the disk), oldest first.
  // About 300 bytes each: the bound keeps serve's memory within a few tens of megabytes.
  static constexpr size_t max_held_clicks = 100000;
  mutable std::mutex held_mutex_;
  std::deque<SpooledClick> held_;
  // Tracking links known to name a lesson, with the lesson as last read. A click on one goes
  // straight to its write, which reads the lesson itself; only a token not seen yet is first
  // looked up on a reader, so that a scan of made-up tokens never queues for the writer. Lessons
  // are never deleted and their tokens and Zoom links never change: when the database cannot be
  // read at all (PostgreSQL down), the lesson kept here is enough to send the student to Zoom.
  // Bounded: cleared when full.
  static constexpr size_t max_known_links = 20000;
  void remember_link(const Lesson& lesson);
  std::optional<Lesson> known_link(const std::string& token);
  std::mutex known_links_mutex_;
  std::unordered_map<std::string, Lesson> known_links_;
  int64_t newest_known_link_id_ = 0;
};

}  // namespace zt
