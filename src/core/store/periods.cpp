// The store's pay periods, their locked lessons, adjustments, staff start corrections and the
// hash-chained audit trail.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <tuple>

#include "core/store/internal.hpp"

namespace zt {
namespace {

constexpr const char* period_columns =
    "id, label, from_utc, to_utc, tz, status, closed_at, closed_by, lessons, duration_s, minutes, "
    "needs_review, adjustments, columns, digest, reopened_at, reopened_by, reopen_reason";

PayPeriod read_period(SqlStatement& q) {
  PayPeriod p;
  p.id = q.getColumn(0).getInt64();
  p.label = q.getColumn(1).getString();
  p.from = required_time(q.getColumn(2));
  p.to = required_time(q.getColumn(3));
  p.tz = q.getColumn(4).getString();
  p.status = q.getColumn(5).getString() == "closed" ? PeriodStatus::closed : PeriodStatus::reopened;
  p.closed_at = required_time(q.getColumn(6));
  p.closed_by = q.getColumn(7).getString();
  p.lessons = q.getColumn(8).getInt64();
  p.duration_s = q.getColumn(9).getInt64();
  p.minutes = q.getColumn(10).getInt64();
  p.needs_review = q.getColumn(11).getInt64();
  p.adjustments = q.getColumn(12).getInt64();
  p.columns = q.getColumn(13).getString();
  p.digest = q.getColumn(14).getString();
  p.reopened_at = time_column(q.getColumn(15));
  p.reopened_by = q.getColumn(16).getString();
  p.reopen_reason = q.getColumn(17).getString();
  return p;
}

std::vector<PayPeriod> read_periods(SqlStatement& q) {
  std::vector<PayPeriod> periods;
  while (q.executeStep()) periods.push_back(read_period(q));
  return periods;
}

void bind_source(SqlStatement& q, int index, const std::optional<EndSource>& source) {
  if (source) q.bind(index, to_string(*source));
  else q.bind(index);
}

std::optional<EndSource> source_column(const SqlColumn& c) {
  if (c.isNull()) return std::nullopt;
  return parse_end_source(c.getString());
}

constexpr const char* adjustment_columns =
    "id, lesson_id, period_id, at, recorded_at, old_paid_s, new_paid_s, source, reason, who, "
    "teacher, student, status, started_at, ended_at, end_source";

Adjustment read_adjustment(SqlStatement& q) {
  Adjustment a;
  a.id = q.getColumn(0).getInt64();
  a.lesson_id = q.getColumn(1).getInt64();
  a.period_id = q.getColumn(2).getInt64();
  a.at = required_time(q.getColumn(3));
  a.recorded_at = required_time(q.getColumn(4));
  a.old_paid_s = q.getColumn(5).getInt64();
  a.new_paid_s = q.getColumn(6).getInt64();
  a.source = q.getColumn(7).getString();
  a.reason = q.getColumn(8).getString();
  a.who = q.getColumn(9).getString();
  a.teacher = q.getColumn(10).getString();
  a.student = q.getColumn(11).getString();
  a.status = parse_lesson_status(q.getColumn(12).getString());
  a.started_at = time_column(q.getColumn(13));
  a.ended_at = time_column(q.getColumn(14));
  a.end_source = source_column(q.getColumn(15));
  return a;
}

// What a report reads of a lesson, live or as a closed period holds it: a million-row report
// reads these eight columns and nothing else (no URLs, tokens or names per row).
constexpr const char* report_columns =
    "id, teacher, student, status, scheduled_at, started_at, ended_at, end_source, start_source, presence, "
    "teacher_present_s, together_s, teacher_late_s, length_s";
// A no-show has no start: it is reported at its booked time.
constexpr const char* no_show_report_columns =
    "id, teacher, student, status, scheduled_at, scheduled_at, ended_at, end_source, start_source, presence, "
    "teacher_present_s, together_s, teacher_late_s, length_s";
constexpr const char* locked_report_columns =
    "pl.lesson_id, pl.teacher, pl.student, pl.status, pl.scheduled_at, pl.started_at, pl.ended_at, pl.end_source, "
    "pl.start_source, '', pl.teacher_present_s, pl.together_s, pl.teacher_late_s, pl.length_s";
constexpr int report_column_count = 14;

Lesson read_report_lesson(SqlStatement& q) {
  Lesson l;
  l.id = q.getColumn(0).getInt64();
  l.teacher = q.getColumn(1).getString();
  l.student = q.getColumn(2).getString();
  l.status = parse_lesson_status(q.getColumn(3).getString());
  l.scheduled_at = time_column(q.getColumn(4));
  l.started_at = time_column(q.getColumn(5));
  l.ended_at = time_column(q.getColumn(6));
  l.end_source = source_column(q.getColumn(7));
  if (!q.getColumn(8).isNull()) l.start_source = parse_start_source(q.getColumn(8).getString());
  l.presence.kind = q.getColumn(9).getString();
  l.presence.teacher_present_s = int_column(q.getColumn(10));
  l.presence.together_s = int_column(q.getColumn(11));
  l.presence.teacher_late_s = int_column(q.getColumn(12));
  l.length_s = int_column(q.getColumn(13));
  l.created_at = l.started_at.value_or(TimePoint{});
  return l;
}

// Locked in a closed period: such a lesson is reported from its period, never from its row.
constexpr const char* is_locked_sql =
    "EXISTS (SELECT 1 FROM period_lessons pl JOIN periods p ON p.id = pl.period_id "
    "WHERE pl.lesson_id = lessons.id AND p.status = 'closed')";

}  // namespace

void append_audit(Store::Connection& c, std::optional<int64_t> lesson_id, std::optional<int64_t> period_id,
                  const AuditEntry& a) {
  AuditRow row{0, lesson_id, period_id, format_utc(a.at), a.who, a.source, a.action, a.old_value,
               a.new_value, a.reason, ""};
  std::string previous;
  {
    // The last row through the primary key: one B-tree descent, however long the trail.
    Store::Query last(c, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (last->executeStep()) {
      row.id = last->getColumn(0).getInt64() + 1;
      previous = last->getColumn(1).getString();
    } else {
      row.id = 1;
    }
  }
  row.hash = audit_hash(previous, row);
  Store::Query q(c, "INSERT INTO audit (id, lesson_id, period_id, at, who, source, action, old_value, "
                    "new_value, reason, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  q->bind(1, row.id);
  if (lesson_id) q->bind(2, *lesson_id);
  else q->bind(2);
  if (period_id) q->bind(3, *period_id);
  else q->bind(3);
  q->bind(4, row.at);
  q->bind(5, row.who);
  q->bind(6, row.source);
  q->bind(7, row.action);
  q->bind(8, row.old_value);
  q->bind(9, row.new_value);
  q->bind(10, row.reason);
  q->bind(11, row.hash);
  q->exec();
}

void Store::insert_audit(int64_t lesson_id, const AuditEntry& entry) {
  change([&](Connection& c) { append_audit(c, lesson_id, std::nullopt, entry); });
}

void Store::insert_period_audit(int64_t period_id, const AuditEntry& entry) {
  change([&](Connection& c) { append_audit(c, std::nullopt, period_id, entry); });
}

namespace {

constexpr const char* audit_columns =
    "id, lesson_id, period_id, at, who, source, action, old_value, new_value, reason, hash";

AuditRow read_audit_row(SqlStatement& q) {
  AuditRow row;
  row.id = q.getColumn(0).getInt64();
  if (!q.getColumn(1).isNull()) row.lesson_id = q.getColumn(1).getInt64();
  if (!q.getColumn(2).isNull()) row.period_id = q.getColumn(2).getInt64();
  row.at = q.getColumn(3).getString();
  row.who = q.getColumn(4).getString();
  row.source = q.getColumn(5).getString();
  row.action = q.getColumn(6).getString();
  row.old_value = q.getColumn(7).getString();
  row.new_value = q.getColumn(8).getString();
  row.reason = q.getColumn(9).getString();
  row.hash = q.getColumn(10).getString();
  return row;
}

}  // namespace

void Store::for_each_audit_row(const std::function<void(const AuditRow&)>& visit) {
  read([&](Connection& c) {
    static const auto sql = fmt::format("SELECT {} FROM audit ORDER BY id", audit_columns);
    Query q(c, sql);
    while (q->executeStep()) visit(read_audit_row(*q));
  });
}

std::pair<int64_t, std::string> Store::audit_head() {
  return read([&](Connection& c) -> std::pair<int64_t, std::string> {
    Query q(c, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!q->executeStep()) return {0, ""};
    return {q->getColumn(0).getInt64(), q->getColumn(1).getString()};
  });
}

// A merge of two ordered scans on one connection: while both statements are open they read one
// snapshot, so a lesson and its audit rows are seen as one write left them.
void Store::for_each_lesson_trail(const std::function<void(const LessonTrail&)>& visit) {
  read([&](Connection& c) {
    static const auto lessons_sql = fmt::format("SELECT {} FROM lessons ORDER BY id", lesson_columns);
    static const auto audit_sql = fmt::format(
        "SELECT {} FROM audit WHERE lesson_id IS NOT NULL ORDER BY lesson_id, id", audit_columns);
    Query lessons(c, lessons_sql);
    Query audit(c, audit_sql);
    bool more_lessons = lessons->executeStep();
    bool more_audit = audit->executeStep();
    constexpr auto none = std::numeric_limits<int64_t>::max();
    LessonTrail trail;
    while (more_lessons || more_audit) {
      auto lesson_id = more_lessons ? lessons->getColumn(0).getInt64() : none;
      auto audited_id = more_audit ? audit->getColumn(1).getInt64() : none;
      trail.lesson_id = std::min(lesson_id, audited_id);
      trail.lesson.reset();
      trail.audit.clear();
      if (lesson_id == trail.lesson_id) {
        trail.lesson = read_lesson(*lessons);
        more_lessons = lessons->executeStep();
      }
      while (more_audit && audit->getColumn(1).getInt64() == trail.lesson_id) {
        trail.audit.push_back(read_audit_row(*audit));
        more_audit = audit->executeStep();
      }
      visit(trail);
    }
  });
}

void Store::insert_start_signal(int64_t lesson_id, const StartSignal& s) {
  change([&](Connection& c) {
    Query q(c, "INSERT INTO start_signals (lesson_id, at, received_at, forced, reason, who) VALUES (?,?,?,?,?,?)");
    q->bind(1, lesson_id);
    q->bind(2, format_utc(s.at));
    q->bind(3, format_utc(s.received_at));
    q->bind(4, s.forced ? 1 : 0);
    q->bind(5, s.reason);
    q->bind(6, s.who);
    q->exec();
  });
}

std::vector<StartSignal> Store::start_signals_for(int64_t lesson_id) {
  return read([&](Connection& c) {
    Query q(c, "SELECT id, at, received_at, forced, reason, who FROM start_signals WHERE lesson_id = ? ORDER BY id");
    q->bind(1, lesson_id);
    std::vector<StartSignal> signals;
    while (q->executeStep()) {
      signals.push_back({q->getColumn(0).getInt64(), required_time(q->getColumn(1)), required_time(q->getColumn(2)),
                         q->getColumn(3).getInt() != 0, q->getColumn(4).getString(), q->getColumn(5).getString()});
    }
    return signals;
  });
}

std::vector<PayPeriod> Store::closed_periods_overlapping(TimePoint from, TimePoint to) {
  return read([&](Connection& c) {
    Query q(c, fmt::format("SELECT {} FROM periods WHERE status = 'closed' AND from_utc < ? AND to_utc > ? "
                           "ORDER BY from_utc",
                           period_columns));
    q->bind(1, format_utc(to));
    q->bind(2, format_utc(from));
    return read_periods(*q);
  });
}

std::optional<PayPeriod> Store::closed_period_containing(TimePoint t) {
  auto periods = closed_periods_overlapping(t, t + Seconds{1});
  if (periods.empty()) return std::nullopt;
  return periods.front();
}

std::optional<PayPeriod> Store::find_period(int64_t id) {
  return read([&](Connection& c) -> std::optional<PayPeriod> {
    Query q(c, fmt::format("SELECT {} FROM periods WHERE id = ?", period_columns));
    q->bind(1, id);
    if (!q->executeStep()) return std::nullopt;
    return read_period(*q);
  });
}

std::vector<PayPeriod> Store::list_periods() {
  return read([&](Connection& c) {
    Query q(c, fmt::format("SELECT {} FROM periods ORDER BY from_utc, id", period_columns));
    return read_periods(*q);
  });
}

int64_t Store::insert_period(const PayPeriod& p) {
  return change([&](Connection& c) {
    Query q(c, "INSERT INTO periods (label, from_utc, to_utc, tz, status, closed_at, closed_by, lessons, "
               "duration_s, minutes, needs_review, adjustments, columns, digest) "
               "VALUES (?,?,?,?,'closed',?,?,0,0,0,0,0,'','') RETURNING id");
    q->bind(1, p.label);
    q->bind(2, format_utc(p.from));
    q->bind(3, format_utc(p.to));
    q->bind(4, p.tz);
    q->bind(5, format_utc(p.closed_at));
    q->bind(6, p.closed_by);
    return inserted_id(*q);
  });
}

void Store::set_period_totals(const PayPeriod& p) {
  change([&](Connection& c) {
    Query q(c, "UPDATE periods SET lessons = ?, duration_s = ?, minutes = ?, needs_review = ?, adjustments = ?, "
               "columns = ?, digest = ? WHERE id = ?");
    q->bind(1, p.lessons);
    q->bind(2, p.duration_s);
    q->bind(3, p.minutes);
    q->bind(4, p.needs_review);
    q->bind(5, p.adjustments);
    q->bind(6, p.columns);
    q->bind(7, p.digest);
    q->bind(8, p.id);
    q->exec();
  });
}

void Store::mark_period_reopened(int64_t id, TimePoint at, const std::string& who, const std::string& reason) {
  change([&](Connection& c) {
    Query q(c, "UPDATE periods SET status = 'reopened', reopened_at = ?, reopened_by = ?, reopen_reason = ? "
               "WHERE id = ?");
    q->bind(1, format_utc(at));
    q->bind(2, who);
    q->bind(3, reason);
    q->bind(4, id);
    q->exec();
  });
}

std::vector<Lesson> Store::unlocked_lessons_started_between(TimePoint from, TimePoint to) {
  std::vector<int64_t> ids;
  read([&](Connection& c) {
    // A no-show has no start: its booked time places it.
    Query q(c, fmt::format("SELECT id FROM lessons WHERE ((started_at >= ?1 AND started_at < ?2) OR (status = "
                           "'no_show' AND scheduled_at >= ?1 AND scheduled_at < ?2)) AND NOT {} "
                           "ORDER BY started_at, id",
                           is_locked_sql));
    q->bind(1, format_utc(from));
    q->bind(2, format_utc(to));
    while (q->executeStep()) ids.push_back(q->getColumn(0).getInt64());
  });
  std::vector<Lesson> lessons;
  for (auto id : ids) lessons.push_back(*find_lesson(id));
  return lessons;
}

void Store::insert_period_lesson(int64_t period_id, const Lesson& l, bool listed, const Pay& pay,
                                 const std::string& pay_policy) {
  change([&](Connection& c) {
    Query q(c, "INSERT INTO period_lessons (period_id, lesson_id, listed, teacher, student, status, scheduled_at, "
               "started_at, ended_at, end_source, paid_s, pay_policy, pay_basis, pay_note, start_source, "
               "teacher_present_s, together_s, teacher_late_s, length_s) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    q->bind(1, period_id);
    q->bind(2, l.id);
    q->bind(3, listed ? 1 : 0);
    q->bind(4, l.teacher);
    q->bind(5, l.student);
    q->bind(6, to_string(l.status));
    bind_time(*q, 7, l.scheduled_at);
    // A no-show has no start: it is reported, and locked, at its booked time.
    bind_time(*q, 8, l.status == LessonStatus::no_show ? l.scheduled_at : l.started_at);
    bind_time(*q, 9, l.ended_at);
    bind_source(*q, 10, l.end_source);
    q->bind(11, pay.paid_s.value_or(0));
    q->bind(12, pay_policy);
    q->bind(13, to_string(pay.basis));
    q->bind(14, pay.note);
    if (l.start_source) q->bind(15, to_string(*l.start_source));
    else q->bind(15);
    bind_int(*q, 16, l.presence.teacher_present_s);
    bind_int(*q, 17, l.presence.together_s);
    bind_int(*q, 18, l.presence.teacher_late_s);
    bind_int(*q, 19, l.length_s);
    q->exec();
  });
}

namespace {
constexpr const char* lock_sql =
    "SELECT pl.period_id, p.label, pl.paid_s, pl.paid_s + COALESCE((SELECT SUM(a.new_paid_s - a.old_paid_s) "
    "FROM adjustments a WHERE a.lesson_id = pl.lesson_id AND a.period_id = pl.period_id "
    "AND a.withdrawn_at IS NULL), 0), pl.lesson_id, pl.pay_policy "
    "FROM period_lessons pl JOIN periods p ON p.id = pl.period_id WHERE p.status = 'closed'";

LessonLock read_lock(SqlStatement& q) {
  return {q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt64(), q.getColumn(3).getInt64(),
          q.getColumn(5).getString()};
}
}  // namespace

std::optional<LessonLock> Store::lock_of(int64_t lesson_id) {
  return read([&](Connection& c) -> std::optional<LessonLock> {
    static const auto sql = fmt::format("{} AND pl.lesson_id = ?", lock_sql);
    Query q(c, sql);
    q->bind(1, lesson_id);
    if (!q->executeStep()) return std::nullopt;
    return read_lock(*q);
  });
}

void Store::for_each_lock(const std::function<void(int64_t lesson_id, const LessonLock&)>& visit) {
  read([&](Connection& c) {
    Query q(c, fmt::format("{} ORDER BY pl.lesson_id", lock_sql));
    while (q->executeStep()) visit(q->getColumn(4).getInt64(), read_lock(*q));
  });
}

void Store::insert_adjustment(const Adjustment& a) {
  change([&](Connection& c) {
    Query q(c, "INSERT INTO adjustments (lesson_id, period_id, at, recorded_at, old_paid_s, new_paid_s, source, "
               "reason, who, teacher, student, status, started_at, ended_at, end_source) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    q->bind(1, a.lesson_id);
    q->bind(2, a.period_id);
    q->bind(3, format_utc(a.at));
    q->bind(4, format_utc(a.recorded_at));
    q->bind(5, a.old_paid_s);
    q->bind(6, a.new_paid_s);
    q->bind(7, a.source);
    q->bind(8, a.reason);
    q->bind(9, a.who);
    q->bind(10, a.teacher);
    q->bind(11, a.student);
    q->bind(12, to_string(a.status));
    bind_time(*q, 13, a.started_at);
    bind_time(*q, 14, a.ended_at);
    bind_source(*q, 15, a.end_source);
    q->exec();
  });
}

void Store::for_each_adjustment_between(TimePoint from, TimePoint to,
                                        const std::function<void(const Adjustment&)>& visit) {
  read([&](Connection& c) {
    Query q(c, fmt::format("SELECT {} FROM adjustments WHERE withdrawn_at IS NULL AND at >= ? AND at < ? "
                           "ORDER BY at, id",
                           adjustment_columns));
    q->bind(1, format_utc(from));
    q->bind(2, format_utc(to));
    while (q->executeStep()) visit(read_adjustment(*q));
  });
}

std::vector<Adjustment> Store::adjustments_for_period_lessons(int64_t period_id) {
  return read([&](Connection& c) {
    Query q(c, fmt::format("SELECT {} FROM adjustments WHERE period_id = ? AND withdrawn_at IS NULL ORDER BY id",
                           adjustment_columns));
    q->bind(1, period_id);
    std::vector<Adjustment> adjustments;
    while (q->executeStep()) adjustments.push_back(read_adjustment(*q));
    return adjustments;
  });
}

std::vector<Adjustment> Store::adjustments_for_lesson(int64_t lesson_id) {
  return read([&](Connection& c) {
    Query q(c, fmt::format("SELECT {} FROM adjustments WHERE lesson_id = ? AND withdrawn_at IS NULL ORDER BY id",
                           adjustment_columns));
    q->bind(1, lesson_id);
    std::vector<Adjustment> adjustments;
    while (q->executeStep()) adjustments.push_back(read_adjustment(*q));
    return adjustments;
  });
}

void Store::withdraw_adjustments_for_period_lessons(int64_t period_id, TimePoint at) {
  change([&](Connection& c) {
    Query q(c, "UPDATE adjustments SET withdrawn_at = ? WHERE period_id = ? AND withdrawn_at IS NULL");
    q->bind(1, format_utc(at));
    q->bind(2, period_id);
    q->exec();
  });
}

void Store::for_each_report_lesson(const ReportFilter& f, const std::function<void(const ReportLesson&)>& visit) {
  // Two streams, each by (start, id), merged: the lessons no closed period holds, read live,
  // and the lessons closed periods hold, read as they were locked. Only the filters given are in
  // the SQL, so that SQLite can use the teacher's or student's index.
  auto filters = [&](const char* table) {
    std::string where;
    if (!f.teacher.empty()) where += fmt::format(" AND {}.teacher = ?", table);
    if (!f.student.empty()) where += fmt::format(" AND {}.student = ?", table);
    return where;
  };
  // The first real click through clicks_by_lesson, only for lessons with a scheduled time: the
  // lessons that have no lateness, and the reports that show none, cost nothing more.
  auto first_click = [&](const char* table) -> std::string {
    if (!f.first_clicks) return "NULL";
    return fmt::format("CASE WHEN {0}.scheduled_at IS NULL THEN NULL ELSE (SELECT MIN(at) FROM clicks "
                       "WHERE clicks.lesson_id = {0}.{1} AND kind = 'real') END",
                       table, std::string(table) == "lessons" ? "id" : "lesson_id");
  };
  read([&](Connection& c) {
    bool any_closed = false;
    {
      Query closed(c, "SELECT EXISTS (SELECT 1 FROM periods WHERE status = 'closed')");
      any_closed = closed->executeStep() && closed->getColumn(0).getInt() != 0;
    }
    // Without a closed period no lesson is locked: spare each lesson the lookup.
    auto not_locked = any_closed ? fmt::format(" AND NOT {}", is_locked_sql) : "";
    Query live(c, fmt::format("SELECT {}, {} FROM lessons WHERE started_at >= ? AND started_at < ? "
                              "AND status <> 'void'{}{} ORDER BY started_at, id",
                              report_columns, first_click("lessons"), filters("lessons"), not_locked));
    // Through lessons_by_status: no-shows are few.
    Query no_shows(c, fmt::format("SELECT {}, NULL FROM lessons WHERE status = 'no_show' AND scheduled_at >= ? "
                                  "AND scheduled_at < ?{}{} ORDER BY scheduled_at, id",
                                  no_show_report_columns, filters("lessons"), not_locked));
    Query locked(c, fmt::format("SELECT {}, {}, pl.paid_s, pl.pay_basis, pl.pay_note FROM period_lessons pl "
                                "JOIN periods p ON p.id = pl.period_id WHERE pl.listed = 1 AND "
                                "p.status = 'closed' AND pl.started_at >= ? AND pl.started_at < ?{} "
                                "ORDER BY pl.started_at, pl.lesson_id",
                                locked_report_columns, first_click("pl"), filters("pl")));
    for (auto* q : {&live, &no_shows, &locked}) {
      int i = 0;
      (*q)->bind(++i, format_utc(f.from));
      (*q)->bind(++i, format_utc(f.to));
      if (!f.teacher.empty()) (*q)->bind(++i, f.teacher);
      if (!f.student.empty()) (*q)->bind(++i, f.student);
    }
    struct Stream {
      Query* query;
      bool is_locked;
      std::optional<ReportLesson> head;
      void next() {
        head.reset();
        if (!(*query)->executeStep()) return;
        head = ReportLesson{read_report_lesson(**query), time_column((*query)->getColumn(report_column_count))};
        if (is_locked) {
          auto& q = **query;
          Pay pay;
          pay.paid_s = q.getColumn(report_column_count + 1).getInt64();
          pay.basis = parse_pay_basis(q.getColumn(report_column_count + 2).getString());
          pay.note = q.getColumn(report_column_count + 3).getString();
          head->locked_pay = pay;
        }
      }
    };
    std::array<Stream, 3> streams{Stream{&live, false, {}}, Stream{&no_shows, false, {}}, Stream{&locked, true, {}}};
    for (auto& stream : streams) stream.next();
    // Merged by (start, id), as each stream is ordered.
    while (true) {
      Stream* first = nullptr;
      for (auto& stream : streams) {
        if (!stream.head) continue;
        const auto& l = stream.head->lesson;
        if (!first || std::tie(*l.started_at, l.id) < std::tie(*first->head->lesson.started_at, first->head->lesson.id)) {
          first = &stream;
        }
      }
      if (!first) break;
      visit(*first->head);
      first->next();
    }
  });
}

}  // namespace zt
