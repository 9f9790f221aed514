// The store's lessons, clicks, end signals and audit trail.
#include <fmt/format.h>

#include "core/store/internal.hpp"

namespace zt {

const char* const lesson_columns =
    "id, teacher, teacher_name, teacher_zoom_email, student, student_name, zoom_url, meeting_id, "
    "track_token, leave_token, base_url, status, created_at, scheduled_at, expires_at, "
    "started_at, ended_at, end_source, ref, student_zoom_email, length_s, start_source, presence, "
    "teacher_present_s, together_s, teacher_late_s";

// The same columns, with the ones a list does not show left empty.
constexpr const char* lesson_columns_without_links =
    "id, teacher, teacher_name, '', student, student_name, '', meeting_id, '', '', '', status, created_at, "
    "scheduled_at, expires_at, started_at, ended_at, end_source, ref, '', length_s, start_source, presence, "
    "teacher_present_s, together_s, teacher_late_s";

Lesson read_lesson(SqlStatement& q) {
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
  if (!q.getColumn(18).isNull()) l.ref = q.getColumn(18).getString();
  l.student_zoom_email = q.getColumn(19).getString();
  l.length_s = int_column(q.getColumn(20));
  if (!q.getColumn(21).isNull()) l.start_source = parse_start_source(q.getColumn(21).getString());
  l.presence.kind = q.getColumn(22).getString();
  l.presence.teacher_present_s = int_column(q.getColumn(23));
  l.presence.together_s = int_column(q.getColumn(24));
  l.presence.teacher_late_s = int_column(q.getColumn(25));
  return l;
}

std::optional<int64_t> int_column(const SqlColumn& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

void bind_int(SqlStatement& q, int index, const std::optional<int64_t>& n) {
  if (n) q.bind(index, *n);
  else q.bind(index);
}

namespace {

std::vector<Lesson> read_lessons(SqlStatement& q) {
  std::vector<Lesson> lessons;
  while (q.executeStep()) lessons.push_back(read_lesson(q));
  return lessons;
}

}  // namespace

int64_t Store::insert_lesson(const Lesson& l) {
  return change([&](Connection& c) {
    Query q(c, "INSERT INTO lessons (teacher, teacher_name, teacher_zoom_email, student, "
                        "student_name, zoom_url, meeting_id, track_token, leave_token, base_url, "
                        "status, created_at, scheduled_at, expires_at, ref, student_zoom_email, length_s) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id");
    q->bind(1, l.teacher);
    q->bind(2, l.teacher_name);
    q->bind(3, l.teacher_zoom_email);
    q->bind(4, l.student);
    q->bind(5, l.student_name);
    q->bind(6, l.zoom_url);
    q->bind(7, l.meeting_id);
    q->bind(8, l.track_token);
    q->bind(9, l.leave_token);
    q->bind(10, l.base_url);
    q->bind(11, to_string(l.status));
    q->bind(12, format_utc(l.created_at));
    bind_time(*q, 13, l.scheduled_at);
    bind_time(*q, 14, l.expires_at);
    if (l.ref.empty()) q->bind(15);
    else q->bind(15, l.ref);
    q->bind(16, l.student_zoom_email);
    bind_int(*q, 17, l.length_s);
    return inserted_id(*q);
  });
}

std::optional<Lesson> Store::find_lesson_where(const std::string& sql, const std::string& value) {
  return read([&](Connection& c) -> std::optional<Lesson> {
    Query q(c, sql);
    q->bind(1, value);
    if (!q->executeStep()) return std::nullopt;
    return read_lesson(*q);
  });
}

std::optional<Lesson> Store::find_lesson(int64_t id) {
  // Each lookup's SQL is built once: a click runs two of them.
  static const auto sql = fmt::format("SELECT {} FROM lessons WHERE id = CAST(? AS BIGINT)", lesson_columns);
  return find_lesson_where(sql, std::to_string(id));
}

std::optional<Lesson> Store::find_lesson_by_track_token(const std::string& token) {
  static const auto sql = fmt::format("SELECT {} FROM lessons WHERE track_token = ?", lesson_columns);
  return find_lesson_where(sql, token);
}

std::optional<Lesson> Store::find_lesson_by_leave_token(const std::string& token) {
  static const auto sql = fmt::format("SELECT {} FROM lessons WHERE leave_token = ?", lesson_columns);
  return find_lesson_where(sql, token);
}

std::optional<Lesson> Store::find_lesson_by_ref(const std::string& ref) {
  static const auto sql = fmt::format("SELECT {} FROM lessons WHERE ref = ?", lesson_columns);
  return find_lesson_where(sql, ref);
}

std::optional<Lesson> Store::find_unstarted_twin(const Lesson& l) {
  return read([&](Connection& c) -> std::optional<Lesson> {
    static const auto sql = fmt::format(
        "SELECT {} FROM lessons WHERE status = 'created' AND teacher = ? AND student = ? "
        "AND zoom_url = ? AND scheduled_at IS NOT DISTINCT FROM ? ORDER BY id LIMIT 1",
        lesson_columns);
    Query q(c, sql);
    q->bind(1, l.teacher);
    q->bind(2, l.student);
    q->bind(3, l.zoom_url);
    bind_time(*q, 4, l.scheduled_at);
    if (!q->executeStep()) return std::nullopt;
    return read_lesson(*q);
  });
}

std::vector<Lesson> Store::list_lessons(const LessonFilter& filter) {
  std::vector<Lesson> lessons;
  for_each_lesson(filter, [&](const Lesson& l) { lessons.push_back(l); });
  return lessons;
}

void Store::for_each_lesson(const LessonFilter& f, const std::function<void(const Lesson&)>& visit) {
  // Only the conditions given are in the SQL, so that SQLite can use the teacher's or student's
  // index; each shape is prepared once per connection.
  std::string where = "1 = 1";
  if (!f.statuses.empty()) {
    where += " AND status IN (?";
    for (size_t i = 1; i < f.statuses.size(); ++i) where += ",?";
    where += ")";
  }
  if (!f.teacher.empty()) where += " AND teacher = ?";
  if (!f.student.empty()) where += " AND student = ?";
  if (f.from) where += " AND COALESCE(started_at, created_at) >= ?";
  if (f.to) where += " AND COALESCE(started_at, created_at) < ?";
  if (!f.ref.empty()) where += " AND ref = ?";
  read([&](Connection& c) {
    Query q(c, fmt::format("SELECT {} FROM lessons WHERE {} ORDER BY id",
                           f.without_links ? lesson_columns_without_links : lesson_columns, where));
    int i = 0;
    for (auto status : f.statuses) q->bind(++i, to_string(status));
    if (!f.teacher.empty()) q->bind(++i, f.teacher);
    if (!f.student.empty()) q->bind(++i, f.student);
    if (f.from) q->bind(++i, format_utc(*f.from));
    if (f.to) q->bind(++i, format_utc(*f.to));
    if (!f.ref.empty()) q->bind(++i, f.ref);
    while (q->executeStep()) visit(read_lesson(*q));
  });
}

std::vector<int64_t> Store::lesson_ids_with_status(LessonStatus status, int64_t after_id, int limit) {
  return read([&](Connection& c) {
    Query q(c, "SELECT id FROM lessons WHERE status = ? AND id > ? ORDER BY id LIMIT ?");
    q->bind(1, to_string(status));
    q->bind(2, after_id);
    q->bind(3, limit);
    std::vector<int64_t> ids;
    while (q->executeStep()) ids.push_back(q->getColumn(0).getInt64());
    return ids;
  });
}

std::optional<TimePoint> Store::next_start_on_meeting(const Lesson& lesson) {
  return read([&](Connection& c) -> std::optional<TimePoint> {
    Query q(c, "SELECT MIN(started_at) FROM lessons WHERE meeting_id = ?1 "
                              "AND id <> ?3 AND status <> 'void' "
                              "AND (started_at > ?2 OR (started_at = ?2 AND id > ?3))");
    q->bind(1, lesson.meeting_id);
    bind_time(*q, 2, lesson.started_at);
    q->bind(3, lesson.id);
    q->executeStep();
    return time_column(q->getColumn(0));
  });
}

std::optional<Lesson> Store::previous_lesson_on_meeting(const Lesson& lesson) {
  return read([&](Connection& c) -> std::optional<Lesson> {
    static const std::string sql = fmt::format(
        "SELECT {} FROM lessons WHERE meeting_id = ?1 AND id <> ?3 AND status <> 'void' "
        "AND (started_at < ?2 OR (started_at = ?2 AND id < ?3)) "
        "ORDER BY started_at DESC, id DESC LIMIT 1",
        lesson_columns);
    Query q(c, sql);
    q->bind(1, lesson.meeting_id);
    bind_time(*q, 2, lesson.started_at);
    q->bind(3, lesson.id);
    if (!q->executeStep()) return std::nullopt;
    return read_lesson(*q);
  });
}

std::vector<Lesson> Store::lessons_started_on_meeting(const std::string& meeting_id,
                                                      TimePoint from, TimePoint to) {
  return read([&](Connection& c) {
    static const std::string sql = fmt::format(
        "SELECT {} FROM lessons WHERE meeting_id = ? AND started_at >= ? AND started_at <= ? "
        "ORDER BY started_at, id",
        lesson_columns);
    Query q(c, sql);
    q->bind(1, meeting_id);
    q->bind(2, format_utc(from));
    q->bind(3, format_utc(to));
    return read_lessons(*q);
  });
}

bool Store::has_lessons_on_meeting(const std::string& meeting_id) {
  return read([&](Connection& c) {
    Query q(c, "SELECT EXISTS (SELECT 1 FROM lessons WHERE meeting_id = ?)");
    q->bind(1, meeting_id);
    q->executeStep();
    return q->getColumn(0).getInt() != 0;
  });
}

std::vector<Lesson> Store::unstarted_lessons_on_meeting(const std::string& meeting_id) {
  return read([&](Connection& c) {
    static const std::string sql = fmt::format(
        "SELECT {} FROM lessons WHERE meeting_id = ? AND started_at IS NULL AND status IN ('created', 'no_show') "
        "ORDER BY id",
        lesson_columns);
    Query q(c, sql);
    q->bind(1, meeting_id);
    return read_lessons(*q);
  });
}

void Store::update_lesson_state(int64_t id, LessonStatus status, const std::optional<TimePoint>& started,
                                const std::optional<TimePoint>& ended, const std::optional<EndSource>& source,
                                const std::optional<StartSource>& start_source, const Presence& presence) {
  change([&](Connection& c) {
    Query q(c, "UPDATE lessons SET status = ?, started_at = ?, ended_at = ?, end_source = ?, start_source = ?, "
               "presence = ?, teacher_present_s = ?, together_s = ?, teacher_late_s = ? WHERE id = ?");
    q->bind(1, to_string(status));
    bind_time(*q, 2, started);
    bind_time(*q, 3, ended);
    if (source) q->bind(4, to_string(*source));
    else q->bind(4);
    if (start_source) q->bind(5, to_string(*start_source));
    else q->bind(5);
    q->bind(6, presence.kind);
    bind_int(*q, 7, presence.teacher_present_s);
    bind_int(*q, 8, presence.together_s);
    bind_int(*q, 9, presence.teacher_late_s);
    q->bind(10, id);
    q->exec();
  });
}

std::optional<TimePoint> Store::next_scheduled_on_meeting(const Lesson& lesson) {
  if (!lesson.scheduled_at) return std::nullopt;
  return read([&](Connection& c) -> std::optional<TimePoint> {
    // Through lessons_by_meeting_schedule (migration 9).
    Query q(c, "SELECT MIN(scheduled_at) FROM lessons WHERE meeting_id = ?1 AND scheduled_at > ?2 "
               "AND id <> ?3 AND status <> 'void'");
    q->bind(1, lesson.meeting_id);
    bind_time(*q, 2, lesson.scheduled_at);
    q->bind(3, lesson.id);
    q->executeStep();
    return time_column(q->getColumn(0));
  });
}

std::vector<Lesson> Store::newest_clickable_lessons(int64_t after_id, int limit) {
  // Through the status index: the lessons still open, however many have been settled before.
  static const auto sql = fmt::format(
      "SELECT {} FROM lessons WHERE status IN ('created', 'active', 'ended', 'needs_review', 'no_show') AND id > ? "
      "ORDER BY id DESC LIMIT ?",
      lesson_columns);
  return read([&](Connection& c) {
    Query q(c, sql);
    q->bind(1, after_id);
    q->bind(2, limit);
    return read_lessons(*q);
  });
}

std::vector<LessonCount> Store::count_lessons_by_status() {
  return read([&](Connection& c) {
    Query q(c, "SELECT status, COUNT(*) FROM lessons GROUP BY status ORDER BY status");
    std::vector<LessonCount> counts;
    while (q->executeStep()) counts.push_back({q->getColumn(0).getString(), q->getColumn(1).getInt64()});
    return counts;
  });
}

bool Store::insert_click(int64_t lesson_id, const Click& click, const std::string& spool_id) {
  return change([&](Connection& c) {
    Query q(c, "INSERT INTO clicks (lesson_id, at, ip, user_agent, kind, method, spool_id) "
               "VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
    q->bind(1, lesson_id);
    q->bind(2, format_utc(click.at));
    q->bind(3, click.ip);
    q->bind(4, click.user_agent);
    q->bind(5, click.kind);
    q->bind(6, click.method);
    if (spool_id.empty()) q->bind(7);
    else q->bind(7, spool_id);
    return q->exec() == 1;
  });
}

std::vector<Click> Store::clicks_for(int64_t lesson_id) {
  return read([&](Connection& c) {
    Query q(c, "SELECT id, at, ip, user_agent, kind, method FROM clicks "
                              "WHERE lesson_id = ? ORDER BY id");
    q->bind(1, lesson_id);
    std::vector<Click> clicks;
    while (q->executeStep()) {
      clicks.push_back({q->getColumn(0).getInt64(), required_time(q->getColumn(1)),
                        q->getColumn(2).getString(), q->getColumn(3).getString(),
                        q->getColumn(4).getString(), q->getColumn(5).getString()});
    }
    return clicks;
  });
}

std::optional<TimePoint> Store::first_real_click(int64_t lesson_id) {
  return read([&](Connection& c) -> std::optional<TimePoint> {
    Query q(c, "SELECT MIN(at) FROM clicks WHERE lesson_id = ? AND kind = 'real'");
    q->bind(1, lesson_id);
    q->executeStep();
    return time_column(q->getColumn(0));
  });
}

void Store::insert_end_signal(int64_t lesson_id, const EndSignal& s) {
  change([&](Connection& c) {
    Query q(c, "INSERT INTO end_signals (lesson_id, source, at, received_at, forced, "
                              "detail) VALUES (?,?,?,?,?,?)");
    q->bind(1, lesson_id);
    q->bind(2, to_string(s.source));
    q->bind(3, format_utc(s.at));
    q->bind(4, format_utc(s.received_at));
    q->bind(5, s.forced ? 1 : 0);
    q->bind(6, s.detail);
    q->exec();
  });
}

std::vector<EndSignal> Store::end_signals_for(int64_t lesson_id) {
  return read([&](Connection& c) {
    Query q(c, "SELECT id, source, at, received_at, forced, detail FROM end_signals "
                              "WHERE lesson_id = ? ORDER BY id");
    q->bind(1, lesson_id);
    std::vector<EndSignal> signals;
    while (q->executeStep()) {
      signals.push_back({q->getColumn(0).getInt64(), parse_end_source(q->getColumn(1).getString()),
                         required_time(q->getColumn(2)), required_time(q->getColumn(3)),
                         q->getColumn(4).getInt() != 0, q->getColumn(5).getString()});
    }
    return signals;
  });
}

std::vector<AuditEntry> Store::audit_for(int64_t lesson_id) {
  return read([&](Connection& c) {
    Query q(c, "SELECT id, at, who, source, action, old_value, new_value, reason "
                              "FROM audit WHERE lesson_id = ? ORDER BY id");
    q->bind(1, lesson_id);
    std::vector<AuditEntry> entries;
    while (q->executeStep()) {
      entries.push_back({q->getColumn(0).getInt64(), required_time(q->getColumn(1)),
                         q->getColumn(2).getString(), q->getColumn(3).getString(),
                         q->getColumn(4).getString(), q->getColumn(5).getString(),
                         q->getColumn(6).getString(), q->getColumn(7).getString()});
    }
    return entries;
  });
}

}  // namespace zt
